import {describe, expect, it} from 'vitest'

import {parsePluginOutput} from '../../src/checks/nagios.js'
import type {CheckResult, CheckState} from '../../src/checks/types.js'
import {renderNagios} from '../../src/output/nagios.js'
import {sampleResults} from './results.js'

function only(states: CheckState[]): CheckResult[] {
  const [template] = sampleResults()
  return states.map((state, i) => ({...template, vantage: `v${i}`, state, summary: `PING ${state}`, metrics: []}))
}

describe('renderNagios', () => {
  it('one status line with every metric as perfdata, then one line per check', () => {
    const results = sampleResults()
    const {text, state, exitCode} = renderNagios(results)
    expect(state).toBe('CRITICAL')
    expect(exitCode).toBe(2)
    const lines = text.trimEnd().split('\n')
    expect(lines).toHaveLength(1 + results.length)
    const [status, perfdata] = lines[0].split(' | ')
    expect(status).toBe(
      'MC CRITICAL - 1 critical, 1 warning, 1 unknown, 3 ok: ' +
        'chicago 1 -> db.example.com ping: PING CRITICAL - Packet loss = 100%; ' +
        `probe-a -> 10.231.2.2 ping: ${results[0].summary}; ` +
        'probe-c -> 127.0.0.1 tcp:443: TCP UNKNOWN - check_tcp on probe-c did not finish within 15s',
    )
    // The whole answer parses back per the guidelines, labels (one with a space) and values intact.
    const parsed = parsePluginOutput(text)
    expect(parsed.invalidPerfdata).toEqual([])
    expect(parsed.text).toBe(status)
    expect(parsed.perfdata.map((m) => m.name)).toEqual([
      'probe-a/10.231.2.2/ping/rta',
      'probe-a/10.231.2.2/ping/pl',
      'probe-a/127.0.0.1/tcp:22/time',
      'chicago 1/db.example.com/http/time',
      'chicago 1/db.example.com/http/size',
      'chicago 1/db.example.com/ping/rta',
      'chicago 1/db.example.com/ping/pl',
      'local/mc-test.example/dns/time',
    ])
    expect(perfdata).toContain("'chicago 1/db.example.com/ping/rta'=U;200.000000;500.000000")
    const flat = results.flatMap((r) => r.metrics)
    expect(parsed.perfdata.map(({name: _, ...rest}) => rest)).toEqual(flat.map(({name: _, ...rest}) => rest))
    expect(parsed.longText).toEqual(results.map((r, i) => lines[i + 1]))
    expect(lines[1]).toBe(`[WARNING] probe-a -> 10.231.2.2 ping (check_ping): ${results[0].summary}`)
  })

  it('exit code is the worst state: CRITICAL > WARNING > UNKNOWN > OK', () => {
    const cases: [CheckState[], CheckState, number][] = [
      [['OK', 'OK'], 'OK', 0],
      [['OK', 'UNKNOWN'], 'UNKNOWN', 3],
      [['UNKNOWN', 'WARNING', 'OK'], 'WARNING', 1],
      [['WARNING', 'CRITICAL', 'UNKNOWN'], 'CRITICAL', 2],
    ]
    for (const [states, state, exitCode] of cases) {
      expect(renderNagios(only(states)), states.join(',')).toMatchObject({state, exitCode})
    }
  })

  it('timeouts count as UNKNOWN by default, CRITICAL when asked', () => {
    const timedOut = sampleResults().filter((r) => r.error?.code === 'TIMEOUT')
    expect(renderNagios(timedOut)).toMatchObject({state: 'UNKNOWN', exitCode: 3})
    const critical = renderNagios(timedOut, {timeoutState: 'CRITICAL'})
    expect(critical).toMatchObject({state: 'CRITICAL', exitCode: 2})
    expect(critical.text).toMatch(/^MC CRITICAL - 1 critical: probe-c/)
    expect(critical.text).toContain('[CRITICAL] probe-c -> 127.0.0.1 tcp:443')
    // A probe that was unreachable is UNKNOWN either way: only overruns follow the option.
    const unreachable = {...timedOut[0], error: {code: 'PROVIDER', message: 'refused'}}
    expect(renderNagios([unreachable], {timeoutState: 'CRITICAL'}).state).toBe('UNKNOWN')
  })

  it('keeps "|" and newlines in summaries from breaking the format', () => {
    const [r] = only(['CRITICAL'])
    const {text} = renderNagios([{...r, summary: 'bad | thing\nsecond line'}], {service: 'EDGE'})
    expect(text).toBe('EDGE CRITICAL - 1 critical: v0 -> 10.231.2.2 ping: bad / thing second line\n[CRITICAL] v0 -> 10.231.2.2 ping (check_ping): bad / thing second line\n')
  })

  it('no results is UNKNOWN', () => {
    expect(renderNagios([])).toEqual({text: 'MC UNKNOWN - no checks ran\n', state: 'UNKNOWN', exitCode: 3})
  })
})
