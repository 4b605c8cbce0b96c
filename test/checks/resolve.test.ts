import {describe, expect, it} from 'vitest'

import {buildCheckCommand} from '../../src/checks/commands.js'
import {parseCheckOutput, resolution, storedResolution} from '../../src/checks/parse.js'
import {validateCheck} from '../../src/checks/validate.js'

const exec = (stdout: string, exitCode = 0) => ({stdout, stderr: '', exitCode, timedOut: false, durationMs: 10})

describe('what a vantage point resolved a host name to', () => {
  it('reads the address marker and leaves the tool output without it', () => {
    expect(resolution({family: 'auto', target: 'api.test'}, 'mc-address: 10.0.0.5\nPING ...\n')).toEqual({address: '10.0.0.5', body: 'PING ...\n'})
    expect(resolution({family: 'auto', target: 'api.test'}, 'mc-resolve-error: Name or service not known\n')).toEqual({error: 'Name or service not known', body: ''})
    // A literal is its own address; a check without a family resolves nothing.
    expect(resolution({family: 'auto', target: 'fd00::1'}, 'x')).toEqual({address: 'fd00::1', body: 'x'})
    expect(resolution({target: 'api.test'}, 'mc-address: 10.0.0.5\n')).toEqual({body: 'mc-address: 10.0.0.5\n'})
  })

  it('a streamed trace of a name is read at the address it reached, and the result carries it', () => {
    const check = validateCheck({kind: 'path', target: 'api.test', count: 3, stream: true, family: 'auto'})
    const raw = [
      'mc-impl:mtr',
      'mc-address: fd00:8:1::10',
      'x 0 1',
      'h 0 fd00:1::1',
      'p 0 200 1',
      'x 1 2',
      'h 1 fd00:8:1::10',
      'p 1 300 2',
      'x 1 3',
      'h 1 fd00:8:1::10',
      'p 1 300 3',
    ].join('\n')
    const result = parseCheckOutput(check, exec(raw), 'pa')
    expect(result).toMatchObject({target: 'api.test', address: 'fd00:8:1::10', state: 'OK'})
    expect(result.hops?.map((h) => h.host)).toEqual(['fd00:1::1', 'fd00:8:1::10'])
    expect(result.resolveError).toBeUndefined()
  })

  it('a name that did not resolve is an UNKNOWN result with the resolver error, not a failure to reach the vantage point', () => {
    const check = validateCheck({kind: 'ping', target: 'api.test', count: 3, family: '6'})
    const result = parseCheckOutput(check, exec('mc-impl:ping\nmc-resolve-error: No address associated with hostname\n', 3), 'pc')
    expect(result).toMatchObject({state: 'UNKNOWN', resolveError: 'No address associated with hostname', implementation: 'ping'})
    expect(result.summary).toBe('PING UNKNOWN - api.test did not resolve on pc: No address associated with hostname')
    expect(result.error).toBeUndefined()
  })
})

describe('a result read back from the history', () => {
  it('gets its address or resolver error again from its raw output', () => {
    expect(storedResolution('mc-address: 10.0.0.5\nx 0 1\n')).toEqual({address: '10.0.0.5'})
    expect(storedResolution('mc-resolve-error: Name or service not known')).toEqual({resolveError: 'Name or service not known'})
    expect(storedResolution('PING OK - Packet loss = 0%')).toEqual({})
  })
})

describe('family', () => {
  it('is auto, 4 or 6, for ping and path, and must fit an IP literal', () => {
    expect(validateCheck({kind: 'ping', target: 'api.test', family: '6'}).family).toBe('6')
    expect(() => validateCheck({kind: 'ping', target: 'api.test', family: '5' as never})).toThrow(/family must be one of auto, 4, 6/)
    expect(() => validateCheck({kind: 'tcp', target: 'api.test', port: 1, family: '4'})).toThrow(/family does not apply to tcp checks/)
    expect(() => validateCheck({kind: 'path', target: '10.0.0.1', family: '6'})).toThrow(/family is IPv6, but the target is an IPv4 address/)
    expect(validateCheck({kind: 'path', target: 'fd00::1', family: 'auto'}).family).toBe('auto')
  })

  it('leaves the resolver its time on top of the tool timeout', () => {
    const plain = buildCheckCommand({kind: 'ping', target: 'api.test', count: 5, timeoutS: 7}).timeoutMs
    expect(buildCheckCommand({kind: 'ping', target: 'api.test', count: 5, timeoutS: 7, family: 'auto'}).timeoutMs).toBe(plain + 5000)
    expect(buildCheckCommand({kind: 'ping', target: '10.0.0.1', count: 5, timeoutS: 7, family: 'auto'}).timeoutMs).toBe(plain)
  })
})
