import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import {buildCheckCommand} from '../../src/checks/commands.js'
import {CHECK_KINDS, type CheckDefinition} from '../../src/checks/types.js'
import {hostProblem, validateCheck} from '../../src/checks/validate.js'
import {HOSTILE_TARGETS} from './hostile.js'

function validationError(definition: unknown): ValidationError {
  try {
    validateCheck(definition as CheckDefinition)
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return error as ValidationError
  }
  throw new Error(`accepted ${JSON.stringify(definition)}`)
}

describe('hostile targets never validate', () => {
  for (const target of HOSTILE_TARGETS) {
    it(`rejects ${JSON.stringify(target)} for every kind`, () => {
      for (const kind of CHECK_KINDS) {
        const error = validationError({kind, target: target.replaceAll('CANARY', '/tmp/x'), ...(kind === 'tcp' ? {port: 22} : {})})
        expect(error.fields.map((f) => f.field)).toContain('target')
        expect(() => buildCheckCommand({kind, target, port: kind === 'tcp' ? 22 : undefined} as CheckDefinition)).toThrow(ValidationError)
      }
    })
  }

  it('says why an option-like target is refused', () => {
    expect(hostProblem('-oProxyCommand=x')).toMatch(/must not start with "-"/)
  })

  it('never echoes a raw newline back in the message', () => {
    expect(validationError({kind: 'ping', target: 'a\nb'}).message).toContain(String.raw`"a\nb"`)
  })
})

describe('valid targets', () => {
  it('accepts host names, IPv4 and IPv6 addresses', () => {
    for (const target of [
      'localhost',
      'example.com',
      'example.com.',
      'a-b.example',
      '_dmarc.example.com',
      'xn--bcher-kva.example',
      '127.0.0.1',
      '10.0.0.255',
      '::1',
      'fe80::1',
      '2001:db8::8a2e:370:7334',
      '1.example',
    ]) {
      expect(hostProblem(target), target).toBeUndefined()
      expect(validateCheck({kind: 'ping', target}).target).toBe(target)
    }
  })
})

describe('fields', () => {
  it('fills defaults per kind', () => {
    expect(validateCheck({kind: 'ping', target: 'h'})).toEqual({
      kind: 'ping',
      target: 'h',
      name: 'ping',
      port: undefined,
      warning: '200,20%',
      critical: '500,60%',
      count: 5,
      timeoutS: 10,
      path: undefined,
      server: undefined,
      expect: undefined,
    })
    expect(validateCheck({kind: 'https', target: 'h'})).toMatchObject({port: 443, path: '/', name: 'https', timeoutS: 10})
    expect(validateCheck({kind: 'http', target: 'h', port: 8080})).toMatchObject({port: 8080, name: 'http:8080'})
    expect(validateCheck({kind: 'dns', target: 'h'})).toMatchObject({port: 53, name: 'dns'})
    expect(validateCheck({kind: 'path', target: 'h'})).toMatchObject({count: 10, timeoutS: 20, warning: '200,20%'})
    expect(validateCheck({kind: 'ping', target: 'h', count: 20})).toMatchObject({timeoutS: 25})
    expect(validateCheck({kind: 'tcp', target: 'h', port: 22, name: 'ssh'})).toMatchObject({name: 'ssh', warning: undefined})
  })

  it('a path traces over icmp by default, over tcp or udp to a port, named for it', () => {
    expect(validateCheck({kind: 'path', target: 'h'})).toMatchObject({name: 'path', protocol: 'icmp', port: undefined})
    expect(validateCheck({kind: 'path', target: 'h', protocol: 'tcp', port: 443})).toMatchObject({name: 'path:tcp:443', protocol: 'tcp', port: 443})
    expect(validateCheck({kind: 'path', target: 'h', protocol: 'udp', port: 53})).toMatchObject({name: 'path:udp:53'})
    expect(validationError({kind: 'path', target: 'h', protocol: 'tcp'}).fields).toEqual([{field: 'port', reason: 'is required for a path traced over tcp'}])
    expect(validationError({kind: 'path', target: 'h', port: 443}).fields[0].field).toBe('port')
    expect(validationError({kind: 'path', target: 'h', protocol: 'sctp' as 'tcp'}).fields[0]).toEqual({field: 'protocol', reason: 'must be one of icmp, tcp, udp'})
    expect(validationError({kind: 'ping', target: 'h', protocol: 'tcp'}).fields[0]).toEqual({field: 'protocol', reason: 'does not apply to ping checks'})
  })

  it('reports every problem at once, with the field that has it', () => {
    const error = validationError({kind: 'tcp', target: 'h;x', port: 70_000, count: 3, timeoutS: 0, warning: 'fast', colour: 'red'})
    expect(error.fields.map((f) => f.field).sort()).toEqual(['colour', 'count', 'port', 'target', 'timeoutS', 'warning'])
    expect(error.message).toMatch(/^Invalid tcp check of "h;x": /)
  })

  it('rejects fields of other kinds, missing ports, bad thresholds, bad paths and addresses', () => {
    const cases: [unknown, string][] = [
      [{kind: 'tcp', target: 'h'}, 'port'],
      [{kind: 'ping', target: 'h', port: 22}, 'port'],
      [{kind: 'ping', target: 'h', path: '/'}, 'path'],
      [{kind: 'http', target: 'h', path: 'no-slash'}, 'path'],
      [{kind: 'http', target: 'h', path: "/a'b"}, 'path'],
      [{kind: 'http', target: 'h', path: '/$(id)'}, 'path'],
      [{kind: 'http', target: 'h', path: '/a b'}, 'path'],
      [{kind: 'dns', target: 'h', server: '-x'}, 'server'],
      [{kind: 'dns', target: 'h', server: '1.1.1.1;id'}, 'server'],
      [{kind: 'dns', target: 'h', expect: 'host.example'}, 'expect'],
      [{kind: 'ping', target: 'h', warning: '200'}, 'warning'],
      [{kind: 'ping', target: 'h', warning: '600,20%'}, 'warning'],
      [{kind: 'http', target: 'h', warning: '5', critical: '1'}, 'warning'],
      [{kind: 'http', target: 'h', critical: '-1'}, 'critical'],
      [{kind: 'ping', target: 'h', count: 0}, 'count'],
      [{kind: 'ping', target: 'h', count: 1.5}, 'count'],
      [{kind: 'ping', target: 'h', count: 10, timeoutS: 10}, 'timeoutS'],
      [{kind: 'ping', target: 'h', name: 'a b'}, 'name'],
      [{kind: 'ping', target: 'h', name: '-x'}, 'name'],
      [{kind: 'nmap', target: 'h'}, 'kind'],
      [{kind: 'ping', target: 5}, 'target'],
    ]
    for (const [definition, field] of cases) {
      expect(
        validationError(definition).fields.map((f) => f.field),
        JSON.stringify(definition),
      ).toContain(field)
    }
  })
})
