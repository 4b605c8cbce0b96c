import {parseImplementation} from '../../src/checks/parse.js'
import type {CheckDefinition, CheckResult, Implementation} from '../../src/checks/types.js'
import {validateCheck} from '../../src/checks/validate.js'
import {captured} from '../checks/fixtures.js'

export const AT = '2026-11-26T12:00:00.000Z'
export const TS = Date.parse(AT) / 1000

/** A result as a run would produce it, from real captured tool output. */
export function fromCapture(vantage: string, definition: CheckDefinition, impl: Implementation, capture: string, durationMs: number): CheckResult {
  const check = validateCheck(definition)
  const {stdout, stderr, exitCode} = captured(capture)
  return {
    vantage,
    target: check.target,
    check: check.name,
    kind: check.kind,
    implementation: impl,
    durationMs,
    raw: stdout,
    at: AT,
    ...parseImplementation(impl, check, stdout, stderr, exitCode, vantage),
  }
}

/** Six vantage/target/check results covering every state, a U value, a space and a timeout. */
export function sampleResults(): CheckResult[] {
  return [
    fromCapture('probe-a', {kind: 'ping', target: '10.231.2.2'}, 'check_ping', 'check_ping.loss30', 9012),
    fromCapture('probe-a', {kind: 'tcp', target: '127.0.0.1', port: 22}, 'check_tcp', 'check_tcp.ok', 31),
    fromCapture('chicago 1', {kind: 'http', target: 'db.example.com'}, 'check_http', 'check_http.ok', 45),
    fromCapture('chicago 1', {kind: 'ping', target: 'db.example.com'}, 'check_ping', 'check_ping.loss100', 10_004),
    fromCapture('local', {kind: 'dns', target: 'mc-test.example', server: '127.53.0.1'}, 'check_dns', 'check_dns.ok', 60),
    {
      vantage: 'probe-c',
      target: '127.0.0.1',
      check: 'tcp:443',
      kind: 'tcp',
      state: 'UNKNOWN',
      summary: 'TCP UNKNOWN - check_tcp on probe-c did not finish within 15s',
      metrics: [],
      implementation: 'check_tcp',
      durationMs: 15_000,
      raw: '',
      at: AT,
      error: {code: 'TIMEOUT', message: 'check_tcp on probe-c did not finish within 15s'},
    },
  ]
}
