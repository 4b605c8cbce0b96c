import {describe, expect, it} from 'vitest'

import {parsePluginOutput} from '../../src/checks/nagios.js'
import type {CheckResult, CheckState} from '../../src/checks/types.js'
import {renderNagios, STATUS_MAX} from '../../src/output/nagios.js'
import {sampleResults} from './results.js'

function only(states: CheckState[]): CheckResult[] {
  const [template] = sampleResults()
  return states.map((state, i) => ({...template, vantage: `v${i}`, state, summary: `PING ${state}`, metrics: []}))
}

describe('renderNagios', () => {
  it('a short first line with the worst results, one line per check, and every metric as perfdata after the long text', () => {
    const results = sampleResults()
    const {text, state, exitCode} = renderNagios(results)
    expect(state).toBe('CRITICAL')
    expect(exitCode).toBe(2)
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toBe(
      'MC CRITICAL - 1 critical, 1 warning, 1 unknown, 3 ok: ' +
        'chicago 1 -> db.example.com ping 100% loss; probe-a -> 10.231.2.2 ping 41% loss 0.1ms; probe-c -> 127.0.0.1 tcp:443 timed out',
    )
    // Status and perfdata together would pass FIRST_LINE_MAX: the perfdata follows the long text.
    expect(lines[0].length).toBeLessThanOrEqual(STATUS_MAX)
    expect(lines[results.length]).toMatch(/^\[UNKNOWN\] probe-c -> 127\.0\.0\.1 tcp:443 \(check_tcp\): .* \| probe-a\/10\.231\.2\.2\/ping\/rta=/)
    // The whole answer parses back per the plugin API, labels (one with a space) and values intact.
    const parsed = parsePluginOutput(text)
    expect(parsed.invalidPerfdata).toEqual([])
    expect(parsed.text).toBe(lines[0])
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
    expect(text).toContain("'chicago 1/db.example.com/ping/rta'=U;200.000000;500.000000")
    const flat = results.flatMap((r) => r.metrics)
    expect(parsed.perfdata.map(({name: _, ...rest}) => rest)).toEqual(flat.map(({name: _, ...rest}) => rest))
    expect(parsed.longText).toEqual(results.map((r) => `[${r.state}] ${r.vantage} -> ${r.target} ${r.check} (${r.implementation}): ${r.summary}`))
  })

  it('one check keeps its perfdata on the first line, as a classic plugin does', () => {
    const [ping] = sampleResults()
    const {text} = renderNagios([ping])
    const [first, ...rest] = text.trimEnd().split('\n')
    expect(first).toMatch(
      /^MC WARNING - 1 warning: probe-a -> 10\.231\.2\.2 ping 41% loss 0\.1ms \| probe-a\/10\.231\.2\.2\/ping\/rta=0\.073ms;200\.000000;500\.000000;0 probe-a\/10\.231\.2\.2\/ping\/pl=41%;20;60;0$/,
    )
    expect(rest).toEqual([`[WARNING] probe-a -> 10.231.2.2 ping (check_ping): ${ping.summary}`])
  })

  it('40 vantage points x 4 checks: the first line stays under 200 characters, names the worst and counts the rest, and no perfdata is lost', () => {
    const template = sampleResults()
    const results: CheckResult[] = []
    for (let v = 0; v < 40; v++) {
      for (const [i, r] of template.slice(0, 4).entries()) {
        results.push({...r, vantage: `edge-probe-${String(v).padStart(2, '0')}`, state: v % 3 === 0 && i === 0 ? 'CRITICAL' : r.state})
      }
    }
    const {text, state} = renderNagios(results)
    expect(state).toBe('CRITICAL')
    const lines = text.trimEnd().split('\n')
    expect(lines[0].length).toBeLessThanOrEqual(STATUS_MAX)
    expect(lines[0]).not.toContain('|')
    // Worst first (CRITICAL before WARNING), as many as fit, then how many more.
    expect(lines[0]).toBe(
      'MC CRITICAL - 54 critical, 26 warning, 80 ok: edge-probe-00 -> 10.231.2.2 ping 41% loss 0.1ms; edge-probe-00 -> db.example.com ping 100% loss; ' +
        'edge-probe-01 -> db.example.com ping 100% loss (+77 more)',
    )
    const parsed = parsePluginOutput(text)
    expect(parsed.invalidPerfdata).toEqual([])
    expect(parsed.perfdata).toHaveLength(results.flatMap((r) => r.metrics).length)
    expect(parsed.longText).toHaveLength(results.length)
    expect(Math.max(...parsed.longText.map((l) => l.length))).toBeLessThan(200)
  })

  it('a single problem too long for the line is shortened, never dropped', () => {
    const [r] = only(['CRITICAL'])
    const {text} = renderNagios([{...r, target: `${'a'.repeat(250)}.example`, summary: 'PING CRITICAL - Packet loss = 100%'}])
    const first = text.split('\n')[0]
    expect(first.length).toBeLessThanOrEqual(STATUS_MAX)
    expect(first).toMatch(/^MC CRITICAL - 1 critical: v0 -> a+…$/)
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
    expect(text).toBe('EDGE CRITICAL - 1 critical: v0 -> 10.231.2.2 ping bad / thing second line\n[CRITICAL] v0 -> 10.231.2.2 ping (check_ping): bad / thing second line\n')
  })

  it('no results is UNKNOWN', () => {
    expect(renderNagios([])).toEqual({text: 'MC UNKNOWN - no checks ran\n', state: 'UNKNOWN', exitCode: 3})
  })
})
