import {describe, expect, it} from 'vitest'

import {parseCheckOutput, parseImplementation} from '../../src/checks/parse.js'
import type {CheckDefinition, Implementation} from '../../src/checks/types.js'
import {validateCheck} from '../../src/checks/validate.js'
import {captured} from './fixtures.js'

function verdict(impl: Implementation, capture: string, definition: CheckDefinition) {
  const {stdout, stderr, exitCode} = captured(capture)
  return parseImplementation(impl, validateCheck(definition), stdout, stderr, exitCode)
}

const ping = {kind: 'ping', target: '127.0.0.1'} as const
/** check_ping's rule for the default 20%/60% loss thresholds. */
const expected = (loss: number) => (loss >= 60 ? 'CRITICAL' : loss >= 20 ? 'WARNING' : 'OK')
const lab = {kind: 'ping', target: '10.231.2.2'} as const

describe('ping: check_ping and the portable ping agree on states and metric names', () => {
  it('OK on loopback', () => {
    const plugin = verdict('check_ping', 'check_ping.ok', ping)
    const portable = verdict('ping', 'ping.ok', ping)
    for (const v of [plugin, portable]) {
      expect(v.state).toBe('OK')
      expect(v.metrics.map((m) => [m.name, m.unit])).toEqual([
        ['rta', 'ms'],
        ['pl', '%'],
      ])
    }
    expect(portable.summary).toMatch(/^PING OK - Packet loss = 0%, RTA = \d+\.\d\d ms$/)
    expect(portable.metrics[0]).toMatchObject({warn: '200', crit: '500', min: 0})
  })

  it('random loss (30% dropped inbound) is judged against 20%/60% the same way by both tools', () => {
    const plugin = verdict('check_ping', 'check_ping.loss30', lab)
    const pluginLoss = plugin.metrics.find((m) => m.name === 'pl')!.value!
    expect(pluginLoss).toBeGreaterThan(0)
    expect(plugin.state).toBe(expected(pluginLoss))
    const portable = verdict('ping', 'ping.loss30', lab)
    const printedLoss = Number(/(\d+)% packet loss/.exec(captured('ping.loss30').stdout)![1])
    expect(portable.metrics[1].value).toBe(printedLoss)
    expect(portable.state).toBe(expected(printedLoss))
  })

  it('100% loss is CRITICAL with no RTA', () => {
    const plugin = verdict('check_ping', 'check_ping.loss100', lab)
    const portable = verdict('ping', 'ping.loss100', lab)
    expect(plugin.state).toBe('CRITICAL')
    expect(portable).toMatchObject({state: 'CRITICAL', summary: 'PING CRITICAL - Packet loss = 100%'})
    expect(plugin.metrics[0].value).toBeNull()
    expect(portable.metrics[0].value).toBeNull()
  })

  it('an unresolvable name is UNKNOWN with the reason', () => {
    expect(verdict('check_ping', 'check_ping.unresolvable', {kind: 'ping', target: 'no-such-host.invalid'})).toMatchObject({
      state: 'UNKNOWN',
      summary: 'check_ping: Invalid hostname/address - no-such-host.invalid',
    })
    expect(verdict('ping', 'ping.unresolvable', {kind: 'ping', target: 'no-such-host.invalid'})).toMatchObject({
      state: 'UNKNOWN',
      summary: 'PING UNKNOWN - ping: no-such-host.invalid: Name or service not known',
    })
  })

  it('thresholds apply to the portable ping the way check_ping applies them (>=)', () => {
    const strict = {...ping, warning: '0.001,20%', critical: '500,60%'}
    expect(verdict('ping', 'ping.ok', strict).state).toBe('WARNING')
    expect(verdict('check_ping', 'check_ping.warning_rta', strict).state).toBe('WARNING')
    expect(verdict('ping', 'ping.loss30', {...lab, warning: '200,10%', critical: '500,30%'}).state).toBe('CRITICAL')
  })
})

describe('tcp', () => {
  const tcp = {kind: 'tcp', target: '127.0.0.1', port: 22} as const
  it('check_tcp and bash /dev/tcp: OK with a time metric in seconds', () => {
    const plugin = verdict('check_tcp', 'check_tcp.ok', tcp)
    const portable = verdict('bash-dev-tcp', 'bash_dev_tcp.ok', tcp)
    for (const v of [plugin, portable]) {
      expect(v.state).toBe('OK')
      expect(v.metrics.map((m) => [m.name, m.unit])).toEqual([['time', 's']])
      expect(v.metrics[0].value).toBeLessThan(0.1)
    }
    expect(portable.summary).toMatch(/^TCP OK - \d\.\d{3} second response time on 127\.0\.0\.1 port 22$/)
  })

  it('refused and timed out are CRITICAL', () => {
    expect(verdict('check_tcp', 'check_tcp.refused', tcp).state).toBe('CRITICAL')
    expect(verdict('check_tcp', 'check_tcp.timeout', tcp)).toMatchObject({state: 'CRITICAL', summary: 'CRITICAL - Socket timeout after 2 seconds'})
    expect(verdict('bash-dev-tcp', 'bash_dev_tcp.refused', tcp)).toMatchObject({
      state: 'CRITICAL',
      summary: 'TCP CRITICAL - connect to 127.0.0.1 port 22: Connection refused',
    })
    expect(parseImplementation('bash-dev-tcp', validateCheck({...tcp, timeoutS: 3}), '', '', 124).summary).toBe(
      'TCP CRITICAL - Socket timeout after 3 seconds connecting to 127.0.0.1 port 22',
    )
  })

  it('a response-time threshold applies to the portable check', () => {
    expect(verdict('bash-dev-tcp', 'bash_dev_tcp.ok', {...tcp, warning: '0', critical: '5'}).state).toBe('WARNING')
  })
})

describe('http and https', () => {
  const http = {kind: 'http', target: '127.0.0.1', port: 8080} as const
  it('200 OK, 404 WARNING, 500 CRITICAL, refused CRITICAL for check_http, check_curl and curl', () => {
    for (const [impl, prefix] of [
      ['check_http', 'check_http'],
      ['check_curl', 'check_curl'],
      ['curl', 'curl'],
    ] as const) {
      expect(verdict(impl, `${prefix}.ok`, http).state, impl).toBe('OK')
      expect(verdict(impl, `${prefix}.404`, http).state, impl).toBe('WARNING')
      expect(verdict(impl, `${prefix}.refused`, http).state, impl).toBe('CRITICAL')
      expect(verdict(impl, `${prefix}.https_ok`, {...http, kind: 'https'}).state, impl).toBe('OK')
      expect(
        verdict(impl, `${prefix}.ok`, http).metrics.map((m) => [m.name, m.unit]),
        impl,
      ).toEqual([
        ['time', 's'],
        ['size', 'B'],
      ])
    }
    expect(verdict('check_http', 'check_http.500', http).state).toBe('CRITICAL')
  })

  it('curl summaries read like check_http', () => {
    expect(verdict('curl', 'curl.ok', http).summary).toMatch(/^HTTP OK: HTTP 200 - 19 bytes in \d\.\d{3} second response time$/)
    expect(verdict('curl', 'curl.refused', http).summary).toMatch(/^HTTP CRITICAL - Failed to connect to 127\.0\.0\.1 port \d+/)
    expect(parseImplementation('curl', validateCheck(http), 'mc-curl 000 5.0 0\n', 'curl: (28) timed out', 28).summary).toBe('HTTP CRITICAL - no answer within 10 seconds')
  })

  it('a slow answer trips the time threshold', () => {
    expect(verdict('check_http', 'check_http.slow_warning', http).state).toBe('WARNING')
    expect(parseImplementation('curl', validateCheck({...http, warning: '1', critical: '4'}), 'mc-curl 200 1.2 7\n', '', 0).state).toBe('WARNING')
    expect(parseImplementation('curl', validateCheck({...http, warning: '1', critical: '4'}), 'mc-curl 200 4.5 7\n', '', 0).state).toBe('CRITICAL')
  })
})

describe('dns', () => {
  const dns = {kind: 'dns', target: 'mc-test.example', server: '127.0.0.1'} as const
  it('check_dns and dig: OK with the address and a time metric', () => {
    const plugin = verdict('check_dns', 'check_dns.ok', dns)
    const portable = verdict('dig', 'dig.ok', dns)
    for (const v of [plugin, portable]) {
      expect(v.state).toBe('OK')
      expect(v.summary).toContain('mc-test.example returns 10.1.2.3')
      expect(v.metrics.map((m) => [m.name, m.unit])).toEqual([['time', 's']])
    }
  })

  it('NXDOMAIN, no server, and an unexpected address are CRITICAL', () => {
    expect(verdict('check_dns', 'check_dns.nxdomain', dns).state).toBe('CRITICAL')
    expect(verdict('check_dns', 'check_dns.no_server', dns).state).toBe('CRITICAL')
    expect(verdict('check_dns', 'check_dns.expected_mismatch', {...dns, expect: '10.9.9.9'}).state).toBe('CRITICAL')
    expect(verdict('dig', 'dig.nxdomain', {...dns, target: 'nothing.mc-test.example'})).toMatchObject({
      state: 'CRITICAL',
      summary: "DNS CRITICAL - Domain 'nothing.mc-test.example' was not found by the server",
    })
    expect(verdict('dig', 'dig.no_server', dns).summary).toMatch(/^DNS CRITICAL - No response from DNS 127\.0\.0\.1 \(.*connection refused\)$/)
    expect(verdict('dig', 'dig.ok', {...dns, expect: '10.9.9.9'})).toMatchObject({
      state: 'CRITICAL',
      summary: "DNS CRITICAL - expected '10.9.9.9' but got '10.1.2.3'",
    })
  })

  it('getent: found, not found', () => {
    const local = {kind: 'dns', target: 'localhost'} as const
    expect(verdict('getent', 'getent.ok', local)).toMatchObject({state: 'OK', summary: 'DNS OK: localhost returns 127.0.0.1'})
    expect(verdict('getent', 'getent.not_found', {kind: 'dns', target: 'no-such-host.invalid'}).state).toBe('CRITICAL')
    const timed = parseImplementation('getent', validateCheck(local), '127.0.0.1 localhost\nmc-elapsed-ns 1500000\n', '', 0)
    expect(timed.metrics).toEqual([{name: 'time', value: 0.0015, unit: 's', min: 0, max: 10}])
  })
})

describe('path (mtr)', () => {
  const path = {kind: 'path', target: '10.231.2.2'} as const
  it('a clean two-hop path is OK with hops, loss and RTA of the destination', () => {
    const v = verdict('mtr', 'mtr.two_hops', path)
    expect(v.state).toBe('OK')
    expect(v.summary).toMatch(/^PATH OK - 2 hops to 10\.231\.2\.2, loss 0%, avg \d+\.\d\d ms$/)
    expect(v.hops).toHaveLength(2)
    expect(v.metrics.map((m) => m.name)).toEqual(['rta', 'pl', 'hops'])
  })

  it('loss at the destination follows the RTA,LOSS% thresholds; a silent router alone is not loss', () => {
    const v = verdict('mtr', 'mtr.silent_hop_loss30', path)
    const loss = v.hops!.at(-1)!.lossPct
    expect(v.state).toBe(loss >= 60 ? 'CRITICAL' : loss >= 20 ? 'WARNING' : 'OK')
    expect(v.metrics.find((m) => m.name === 'pl')!.value).toBe(loss)
  })

  it('an unreached destination is CRITICAL and names the last hop that answered', () => {
    expect(verdict('mtr', 'mtr.unreached', path)).toMatchObject({
      state: 'CRITICAL',
      summary: 'PATH CRITICAL - 10.231.2.2 not reached: last answer from hop 1 (10.231.1.1)',
    })
    expect(verdict('mtr', 'mtr.all_silent', path)).toMatchObject({state: 'CRITICAL', summary: 'PATH CRITICAL - no hop answered in 10 rounds to 10.231.2.2'})
  })

  it('mtr exits 0 on an unresolvable name and prints nothing: UNKNOWN with its message', () => {
    expect(verdict('mtr', 'mtr.unresolvable', {kind: 'path', target: 'no-such-host.invalid'})).toMatchObject({
      state: 'UNKNOWN',
      summary: 'PATH UNKNOWN - Failed to resolve host: no-such-host.invalid: Name or service not known',
    })
  })
})

describe('parseCheckOutput', () => {
  const check = validateCheck({kind: 'tcp', target: '127.0.0.1', port: 22})
  const exec = {stdout: '', stderr: '', exitCode: 0, timedOut: false, durationMs: 12.4}

  it('finds the implementation marker after anything a login script printed', () => {
    const {stdout} = captured('check_tcp.ok')
    const result = parseCheckOutput(check, {...exec, stdout: `Welcome!\nmc-impl:check_tcp\n${stdout}`}, 'probe-a', new Date('2026-01-02T03:04:05Z'))
    expect(result).toMatchObject({
      vantage: 'probe-a',
      target: '127.0.0.1',
      check: 'tcp:22',
      kind: 'tcp',
      state: 'OK',
      implementation: 'check_tcp',
      durationMs: 12,
      at: '2026-01-02T03:04:05.000Z',
    })
    expect(result.raw).toBe(stdout.trimEnd())
  })

  it('missing tools: UNKNOWN naming the Debian packages to install', () => {
    const result = parseCheckOutput(check, {...exec, exitCode: 3, stdout: 'mc-impl:none\nmc-missing: monitoring-plugins-basic (or bash)\n'}, 'probe-a')
    expect(result).toMatchObject({state: 'UNKNOWN', implementation: 'none', summary: 'TCP UNKNOWN - no tcp tool on probe-a: install monitoring-plugins-basic (or bash)'})
  })

  it('a command that overran: UNKNOWN with error TIMEOUT', () => {
    const result = parseCheckOutput(check, {...exec, stdout: 'mc-impl:check_tcp\n', exitCode: null, timedOut: true, durationMs: 15_000}, 'probe-a')
    expect(result).toMatchObject({state: 'UNKNOWN', implementation: 'check_tcp', error: {code: 'TIMEOUT'}})
    expect(result.summary).toBe('TCP UNKNOWN - check_tcp on probe-a did not finish within 15s')
  })

  it('a script that never ran (no marker): UNKNOWN with what the shell said', () => {
    const result = parseCheckOutput(check, {...exec, exitCode: 127, stderr: 'sh: 1: syntax error\n'}, 'probe-a')
    expect(result).toMatchObject({state: 'UNKNOWN', implementation: 'none', summary: 'TCP UNKNOWN - the check script did not run on probe-a: sh: 1: syntax error'})
  })

  it('output mc cannot read is UNKNOWN, not a crash', () => {
    const result = parseCheckOutput(validateCheck({kind: 'path', target: '127.0.0.1'}), {...exec, stdout: 'mc-impl:mtr\nnot json\n'}, 'local')
    expect(result.state).toBe('UNKNOWN')
    expect(result.summary).toMatch(/^PATH UNKNOWN - mtr did not print JSON/)
  })

  it('a plugin that cannot start (exit 127) is UNKNOWN and says so', () => {
    const result = parseCheckOutput(check, {...exec, exitCode: 127, stdout: 'mc-impl:check_tcp\n', stderr: 'error while loading shared libraries: liburiparser.so.1'}, 'local')
    expect(result).toMatchObject({state: 'UNKNOWN', summary: 'plugin failed (exit 127): error while loading shared libraries: liburiparser.so.1'})
  })
})
