import {stripVTControlCharacters} from 'node:util'

import {describe, expect, it} from 'vitest'

import type {CheckDefinition, CheckResult, Implementation} from '../../src/checks/types.js'
import {renderCheckMatrix, shortReason} from '../../src/output/check-matrix.js'
import {AT, fromCapture, sampleResults} from './results.js'

/** A result whose vantage point could not be used, as runChecks makes it. */
function unusable(code: string, message: string): CheckResult {
  return {
    vantage: 'lo1',
    target: '127.0.0.1',
    check: 'tcp:22',
    kind: 'tcp',
    state: 'UNKNOWN',
    metrics: [],
    implementation: 'none',
    durationMs: 3,
    raw: '',
    at: AT,
    summary: `TCP UNKNOWN - vantage lo1 unavailable: ${message}`,
    error: {code, message},
  }
}

describe('renderCheckMatrix', () => {
  it('vantages down, targets across, each cell the checks of that pair with state and headline number', () => {
    const results = sampleResults()
    const text = renderCheckMatrix(results)
    const lines = text.trimEnd().split('\n')
    expect(lines[0].split(/\s{2,}/)).toEqual(['VANTAGE', '10.231.2.2', '127.0.0.1', 'DB.EXAMPLE.COM', 'MC-TEST.EXAMPLE'])
    const column = (header: string) => lines[0].indexOf(header)
    const cellAt = (line: string, header: string) => line.slice(column(header)).split(/\s{2,}/)[0]
    const row = (vantage: string) => lines.find((l) => l.startsWith(vantage))!
    const loss = results[0].metrics.find((m) => m.name === 'pl')!.value
    const rta = results[0].metrics.find((m) => m.name === 'rta')!.value!
    expect(cellAt(row('probe-a'), '10.231.2.2')).toBe(`ping WARNING ${loss}% loss ${rta.toFixed(1)}ms`)
    expect(cellAt(row('probe-a'), '127.0.0.1')).toMatch(/^tcp:22 OK \d+\.\d\dms$/)
    expect(cellAt(row('probe-a'), 'DB.EXAMPLE.COM')).toBe('-')
    expect(cellAt(row('probe-c'), '127.0.0.1')).toBe('tcp:443 UNKNOWN timed out')
    expect(cellAt(row('local'), 'MC-TEST.EXAMPLE')).toMatch(/^dns OK \d+(\.\d\d)?ms$/)
    // Two checks of one pair stack in the cell: http on the vantage's line, ping on the next.
    const chicago = lines.findIndex((l) => l.startsWith('chicago 1'))
    expect(cellAt(lines[chicago], 'DB.EXAMPLE.COM')).toMatch(/^http OK \d+(\.\d\d)?ms$/)
    expect(cellAt(lines[chicago + 1], 'DB.EXAMPLE.COM')).toBe('ping CRITICAL 100% loss')
    expect(lines.at(-1)).toBe('4 vantages x 4 targets: CRITICAL (1 critical, 1 warning, 1 unknown, 3 ok)')
  })

  it('colour changes only the escape codes, never the layout', () => {
    const results = sampleResults()
    expect(stripVTControlCharacters(renderCheckMatrix(results, {color: true}))).toBe(renderCheckMatrix(results, {color: false}))
  })

  it('an empty run says so', () => {
    expect(renderCheckMatrix([])).toBe('VANTAGE\n0 vantages x 0 targets: UNKNOWN (no checks)\n')
  })

  it('prints a short reason beside every result that is not OK, from real tool output', () => {
    const cases: [capture: string, definition: CheckDefinition, implementation: Implementation, reason: string][] = [
      ['check_tcp.refused', {kind: 'tcp', target: '127.0.0.1', port: 1}, 'check_tcp', 'connection refused'],
      ['bash_dev_tcp.refused', {kind: 'tcp', target: '127.0.0.1', port: 1}, 'bash-dev-tcp', 'connection refused'],
      ['check_tcp.timeout', {kind: 'tcp', target: '192.0.2.1', port: 1}, 'check_tcp', 'timed out'],
      ['check_tcp.warning', {kind: 'tcp', target: '127.0.0.1', port: 22}, 'check_tcp', 'slow response'],
      ['check_http.404', {kind: 'http', target: '127.0.0.1'}, 'check_http', 'HTTP 404'],
      ['check_curl.500', {kind: 'http', target: '127.0.0.1'}, 'check_curl', 'HTTP 500'],
      ['curl.404', {kind: 'http', target: '127.0.0.1'}, 'curl', 'HTTP 404'],
      ['check_http.slow_warning', {kind: 'http', target: '127.0.0.1'}, 'check_http', 'slow response'],
      ['check_dns.nxdomain', {kind: 'dns', target: 'x.example'}, 'check_dns', 'name not found'],
      ['check_dns.no_server', {kind: 'dns', target: 'x.example'}, 'check_dns', 'no answer'],
      ['check_ping.unresolvable', {kind: 'ping', target: 'x.example'}, 'check_ping', 'name not found'],
      ['mtr.all_silent', {kind: 'path', target: 'x.example'}, 'mtr', 'no hop answered'],
      ['check_tcp.ok', {kind: 'tcp', target: '127.0.0.1', port: 22}, 'check_tcp', ''],
    ]
    for (const [capture, definition, implementation, reason] of cases) {
      const result = fromCapture('v', definition, implementation, capture, 1)
      expect(shortReason(result), `${capture}: ${result.summary}`).toBe(reason)
    }

    // Loss is its own reason: the headline says it, nothing is repeated.
    const lossy = fromCapture('v', {kind: 'ping', target: 'x.example'}, 'check_ping', 'check_ping.loss100', 1)
    expect(renderCheckMatrix([lossy])).toContain('ping CRITICAL 100% loss\n')
    const refused = fromCapture('local', {kind: 'tcp', target: '127.0.0.1', port: 1}, 'check_tcp', 'check_tcp.refused', 1)
    expect(renderCheckMatrix([refused])).toMatch(/^local\s+tcp:1 CRITICAL connection refused$/m)
  })

  it('a vantage point that could not be used says why in a few words', () => {
    expect(shortReason(unusable('HOST_KEY_CHANGED', 'Host key for lo1 ([127.0.0.1]:2222) has changed'))).toBe('host key changed')
    expect(shortReason(unusable('HOST_KEY_UNKNOWN', 'Host key for lo1 is not known to mc'))).toBe('host key unknown')
    expect(shortReason(unusable('AUTH', 'SSH login to lo1 failed'))).toBe('SSH login refused')
    expect(shortReason(unusable('TIMEOUT', 'No SSH handshake with lo1 within 10s'))).toBe('SSH timed out')
    expect(shortReason(unusable('PROVIDER', 'Cannot reach lo1 (root@[127.0.0.1]:2222): connect ECONNREFUSED 127.0.0.1:2222'))).toBe('SSH refused')
    expect(shortReason(unusable('PROVIDER', 'Cannot reach lo1: read ECONNRESET'))).toBe('vantage unreachable')
    expect(renderCheckMatrix([unusable('HOST_KEY_CHANGED', 'changed')])).toMatch(/^lo1\s+tcp:22 UNKNOWN host key changed$/m)
  })
})
