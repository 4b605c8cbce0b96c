import {describe, expect, it} from 'vitest'

import {answersIcmp, diagnosisInput, traceOf} from '../../src/analysis/evidence.js'
import type {CheckResult, Hop} from '../../src/checks/types.js'

const T = '10.8.1.10'
const hop = (index: number, host: string, lossPct = 0): Hop => ({hop: index, host, lossPct, sent: 20, lastMs: 1, avgMs: 1, bestMs: 1, worstMs: 1, stdevMs: 0})

function result(vantage: string, check: string, extra: Partial<CheckResult> = {}): CheckResult {
  const kind = check.split(':')[0] as CheckResult['kind']
  return {vantage, target: T, check, kind, state: 'OK', summary: '', metrics: [], implementation: 'none', durationMs: 1, raw: '', at: '2026-12-02T04:00:00.000Z', ...extra}
}

const silentPing = (v: string) => result(v, 'ping', {implementation: 'check_ping', state: 'CRITICAL', metrics: [{name: 'pl', value: 100, unit: '%'}]})
const silentIcmpTrace = (v: string) => result(v, 'path', {implementation: 'mtr', state: 'CRITICAL', hops: [hop(1, '10.1.0.1'), hop(2, '???', 100)]})
const tcpTrace = (v: string, loss = 0) => result(v, 'path:tcp:443', {implementation: 'mtr', hops: [hop(1, '10.1.0.1'), hop(2, T, loss)]})

describe('which trace a verdict reads', () => {
  it('a check name says how a path was traced', () => {
    expect(traceOf({check: 'path'})).toEqual({protocol: 'icmp'})
    expect(traceOf({check: 'path:tcp:443'})).toEqual({protocol: 'tcp', port: 443})
    expect(traceOf({check: 'path:udp:53'})).toEqual({protocol: 'udp', port: 53})
  })

  it('the TCP trace when the target answers no ICMP anywhere, and the context says so', () => {
    const results = ['dc', 'pa'].flatMap((v) => [silentPing(v), silentIcmpTrace(v), tcpTrace(v)])
    expect(answersIcmp(T, results)).toBe(false)
    const {evidence, context} = diagnosisInput(T, results)
    expect(context.tracedOver).toEqual({protocol: 'tcp', port: 443, icmpSilent: true})
    expect(evidence.map((e) => e.path?.at(-1)?.address)).toEqual([T, T])
  })

  it('the ICMP trace when one vantage point gets an echo reply', () => {
    const answered = result('pa', 'ping', {implementation: 'check_ping', metrics: [{name: 'pl', value: 0, unit: '%'}]})
    const results = [silentPing('dc'), silentIcmpTrace('dc'), tcpTrace('dc'), answered, silentIcmpTrace('pa'), tcpTrace('pa')]
    expect(answersIcmp(T, results)).toBe(true)
    const {evidence, context} = diagnosisInput(T, results)
    expect(context.tracedOver).toBeUndefined()
    expect(evidence.map((e) => e.path?.at(-1))).toEqual([
      {index: 2, lossPct: 100, sent: 20},
      {index: 2, lossPct: 100, sent: 20},
    ])
  })

  it("vantage points come in the session's order, whichever of their results was read first", () => {
    // dc's ping was stopped (dropped) and pa's finished: dc's first evidence is its TCP trace, read after pa's ping.
    const results = [silentIcmpTrace('dc'), silentPing('pa'), silentIcmpTrace('pa'), tcpTrace('dc'), tcpTrace('pa')]
    expect(diagnosisInput(T, results).evidence.map((e) => e.vantage)).toEqual(['dc', 'pa'])
  })

  it('a TCP trace alone (asked for) is read even when ICMP answers; it is not called silent', () => {
    const answered = result('pa', 'ping', {implementation: 'check_ping', metrics: [{name: 'pl', value: 0, unit: '%'}]})
    expect(diagnosisInput(T, [answered, tcpTrace('pa')]).context.tracedOver).toEqual({protocol: 'tcp', port: 443, icmpSilent: false})
  })

  it('a TCP trace run alone is not called ICMP-silent: ICMP was never tried', () => {
    expect(diagnosisInput(T, [tcpTrace('pa')]).context.tracedOver).toEqual({protocol: 'tcp', port: 443, icmpSilent: false})
  })

  it('service checks that answered are context; failed ones, and other targets, are not', () => {
    const results = [
      result('dc', 'tcp:443'),
      result('pa', 'https', {state: 'WARNING'}),
      result('pb', 'http', {state: 'CRITICAL'}),
      result('pb', 'tcp:22', {error: {code: 'TRANSIENT', message: 'no SSH'}}),
      result('pb', 'tcp:80', {target: 'other'}),
    ]
    expect(diagnosisInput(T, results).context.serviceAnswers?.map((a) => `${a.vantage} ${a.check}`)).toEqual(['dc tcp:443', 'pa https'])
  })
})
