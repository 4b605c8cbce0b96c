import {describe, expect, it} from 'vitest'

import {addressGroups, describeDnsError} from '../../src/analysis/addresses.js'
import {diagnosisInput} from '../../src/analysis/evidence.js'
import {triangulate} from '../../src/analysis/triangulate.js'
import type {CheckResult} from '../../src/checks/types.js'
import {diagnosisResult, hop} from '../helpers/diagnosis-results.js'

/**
 * A host name each vantage point resolved itself (the lab's GeoDNS scenario): dc and pc reached
 * 10.8.1.10, pa and pb 10.8.1.11, whose path loses 30 % from the transit router 10.90.0.1 on, a
 * router dc crosses cleanly toward the other address.
 */
const NAME = 'api.example.test'
const A = '10.8.1.10'
const B = '10.8.1.11'
const ROUTES: Record<string, string[]> = {
  dc: ['10.1.0.1', '10.90.0.1', '10.94.0.2'],
  pa: ['10.2.0.1', '10.90.0.1', '10.94.0.2'],
  pb: ['10.3.0.1', '10.90.0.1', '10.94.0.2'],
  pc: ['10.4.0.1', '10.94.0.2'],
}

const result = (vantage: string, kind: 'ping' | 'path', extra: Partial<CheckResult> = {}) => diagnosisResult(NAME, vantage, kind, extra)

/** A trace to `address`, losing `lossFrom` (hop index, 30 %) onwards. */
function traced(vantage: string, address: string, lossFrom?: number): CheckResult[] {
  const hosts = [...ROUTES[vantage], address]
  const hops = hosts.map((h, i) => hop(i + 1, h, lossFrom !== undefined && i + 1 >= lossFrom ? 30 : 0))
  const loss = hops.at(-1)!.lossPct
  return [result(vantage, 'ping', {address, metrics: [{name: 'pl', value: loss, unit: '%'}]}), result(vantage, 'path', {address, hops})]
}

function dnsFailed(vantage: string, error: string): CheckResult[] {
  return (['ping', 'path'] as const).map((kind) => result(vantage, kind, {state: 'UNKNOWN', resolveError: error}))
}

describe('names resolved per vantage point', () => {
  it('groups the vantage points by the address each reached, with its family', () => {
    const {evidence} = diagnosisInput(NAME, [...traced('dc', A), ...traced('pa', B), ...traced('pb', B), ...traced('pc', A)])
    expect(addressGroups(evidence)).toEqual([
      {address: A, family: 4, vantages: ['dc', 'pc']},
      {address: B, family: 4, vantages: ['pa', 'pb']},
    ])
    expect(addressGroups([{vantage: 'x', targetAddress: 'fd00:8:1::10'}])).toEqual([{address: 'fd00:8:1::10', family: 6, vantages: ['x']}])
  })

  it('a fault on the path to one address is named with that address, not blamed on a router the others cross toward another', () => {
    const results = [...traced('dc', A), ...traced('pa', B, 2), ...traced('pb', B, 2), ...traced('pc', A)]
    const {evidence, context} = diagnosisInput(NAME, results)
    const verdict = triangulate(NAME, evidence, undefined, context)
    // Judged as one path, dc's clean crossing of 10.90.0.1 would make pa's and pb's loss two faults of their own links.
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.faultAddress).toBe(B)
    expect(verdict.faultHop?.address).toBe('10.90.0.1')
    expect(verdict.affected).toEqual(['pa', 'pb'])
    expect(verdict.healthy).toEqual(['dc', 'pc'])
    expect(verdict.explanation).toContain(`dc and pc reached ${A}, pa and pb reached ${B}; traced over IPv4.`)
    expect(verdict.explanation).toContain(`On the path to ${B} (pa and pb): `)
    expect(verdict.explanation).toContain(`dc and pc, which reached ${A}, are clean.`)
    expect(verdict.vantages.map((v) => [v.vantage, v.address])).toEqual([
      ['dc', A],
      ['pa', B],
      ['pb', B],
      ['pc', A],
    ])
  })

  it('every address reached cleanly is healthy, and the explanation says who reached which', () => {
    const {evidence, context} = diagnosisInput(NAME, [...traced('dc', A), ...traced('pa', B), ...traced('pc', A)])
    const verdict = triangulate(NAME, evidence, undefined, context)
    expect(verdict.kind).toBe('healthy')
    expect(verdict.faultAddress).toBeUndefined()
    expect(verdict.explanation).toMatch(
      /^The vantage points resolved api\.example\.test to different addresses: dc and pc reached 10\.8\.1\.10, pa reached 10\.8\.1\.11; traced over IPv4\. /,
    )
  })

  it('a ping of another address than the trace reached is no evidence for that path', () => {
    const [ping, path] = traced('dc', A)
    const {evidence} = diagnosisInput(NAME, [{...ping, address: B, metrics: [{name: 'pl', value: 100, unit: '%'}]}, path])
    expect(evidence).toEqual([expect.objectContaining({vantage: 'dc', targetAddress: A})])
    expect(evidence[0].ping).toBeUndefined()
  })
})

describe('a name that does not resolve on a vantage point', () => {
  it('is a DNS finding for that vantage point with the resolver error: not affected, not healthy, not unavailable', () => {
    const results = [...traced('dc', A, 2), ...traced('pa', A, 2), ...traced('pb', A, 2), ...dnsFailed('pc', 'Name or service not known')]
    const {evidence, context} = diagnosisInput(NAME, results)
    expect(context.dnsFailures).toEqual([{vantage: 'pc', error: 'Name or service not known'}])
    expect(evidence.map((e) => e.vantage)).toEqual(['dc', 'pa', 'pb'])
    const verdict = triangulate(NAME, evidence, undefined, context)
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.faultHop?.address).toBe('10.90.0.1')
    expect(verdict.affected).toEqual(['dc', 'pa', 'pb'])
    expect(verdict.healthy).toEqual([])
    expect(verdict.unavailable).toBeUndefined()
    expect(verdict.dnsFailures).toEqual([{vantage: 'pc', error: 'Name or service not known'}])
    expect(verdict.explanation).toContain(`DNS finding: ${NAME} did not resolve on pc (Name or service not known: NXDOMAIN, no such name).`)
  })

  it('on every vantage point it is inconclusive, never the target down', () => {
    const {evidence, context} = diagnosisInput(NAME, [...dnsFailed('dc', 'Temporary failure in name resolution'), ...dnsFailed('pa', 'no answer within 5 s')])
    const verdict = triangulate(NAME, evidence, undefined, context)
    expect(verdict.kind).toBe('inconclusive')
    expect(verdict.explanation).toContain(`${NAME} did not resolve on any vantage point`)
    expect(verdict.explanation).toContain('dc: Temporary failure in name resolution: SERVFAIL or no answer from the resolver; pa: no answer within 5 s: resolver timeout')
  })

  it("says what the resolver's words mean", () => {
    expect(describeDnsError('No address associated with hostname')).toBe('No address associated with hostname: no address of the family asked for')
    expect(describeDnsError('something else')).toBe('something else')
  })
})

describe('IPv6 targets', () => {
  it('say they were traced over IPv6, and name the hop by its IPv6 address', () => {
    const T6 = 'fd00:8:1::10'
    const six = (v: string, loss: boolean) => {
      const hosts = [`fd00:${v}::1`, 'fd00:90::1', T6]
      return result(v, 'path', {target: T6, address: T6, hops: hosts.map((h, i) => hop(i + 1, h, loss && i >= 1 ? 30 : 0))})
    }
    const {evidence, context} = diagnosisInput(T6, [six('1', true), six('2', true), {...six('4', false), hops: [hop(1, 'fd00:4::1'), hop(2, T6)]}])
    const verdict = triangulate(T6, evidence, undefined, context)
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.faultHop?.address).toBe('fd00:90::1')
    expect(verdict.addresses).toEqual([{address: T6, family: 6, vantages: ['1', '2', '4']}])
    expect(verdict.explanation).toMatch(/^Traced over IPv6\. /)
  })
})
