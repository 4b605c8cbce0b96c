import {describe, expect, it} from 'vitest'

import {toPathHop} from '../../src/analysis/evidence.js'
import {portOfCheck, triangulate} from '../../src/analysis/triangulate.js'
import type {PathHop, VantageEvidence} from '../../src/analysis/types.js'
import {parseMtrRaw} from '../../src/checks/mtr.js'

/** The lab's topology: three vantage points behind their own routers, one transit, the target's router, the target. */
const ROUTES: Record<string, string[]> = {
  dc: ['10.1.0.1', '10.9.0.1', '10.8.0.1', '10.8.1.10'],
  rackspace: ['10.2.0.1', '10.9.0.1', '10.8.0.1', '10.8.1.10'],
  linode: ['10.3.0.1', '10.9.0.1', '10.8.0.1', '10.8.1.10'],
}

/** Evidence for one vantage: `loss` gives the loss per hop index (1-based), `undefined` = 0. */
function vantage(name: string, loss: Record<number, number> = {}, options: {silentFrom?: number; noPath?: boolean} = {}): VantageEvidence {
  const path: PathHop[] = ROUTES[name].map((address, i) => {
    const index = i + 1
    const silent = options.silentFrom !== undefined && index >= options.silentFrom
    return {index, address: silent ? undefined : address, lossPct: silent ? 100 : (loss[index] ?? 0), sent: 50, avgMs: 5 * index}
  })
  const final = path.at(-1)!
  return {vantage: name, ping: {lossPct: final.lossPct, sent: 50, rttAvgMs: final.avgMs}, path: options.noPath ? undefined : path}
}

/** Loss that starts at hop `from` and compounds downstream, as a dropping link does. */
/** A vantage whose latency jumps by 250 ms from hop 2 on. */
function slow(name: string): VantageEvidence {
  const e = vantage(name)
  for (const hop of e.path!) if (hop.index >= 2) hop.avgMs! += 250
  return e
}

const from = (hop: number, pct = 30) => Object.fromEntries([1, 2, 3, 4].filter((h) => h >= hop).map((h) => [h, pct]))

describe('triangulate', () => {
  it('healthy when nobody sees loss', () => {
    const verdict = triangulate('10.8.1.10', [vantage('dc'), vantage('rackspace'), vantage('linode')])
    expect(verdict.kind).toBe('healthy')
    expect(verdict.healthy).toEqual(['dc', 'rackspace', 'linode'])
  })

  it('target down: every path stops at the same router', () => {
    const verdict = triangulate('10.8.1.10', [vantage('dc', {}, {silentFrom: 4}), vantage('rackspace', {}, {silentFrom: 4}), vantage('linode', {}, {silentFrom: 4})])
    expect(verdict.kind).toBe('target-down')
    expect(verdict.faultHop?.address).toBe('10.8.0.1')
    expect(verdict.explanation).toContain('hop 3 (10.8.0.1)')
  })

  it("loss on the target's inbound link is the target's side", () => {
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => vantage(v, from(4))),
    )
    expect(verdict.kind).toBe('target-side')
    expect(verdict.faultHop?.address).toBe('10.8.1.10')
  })

  it("loss entering the target's router is still the target's side", () => {
    expect(
      triangulate(
        't',
        ['dc', 'rackspace', 'linode'].map((v) => vantage(v, from(3))),
      ).kind,
    ).toBe('target-side')
  })

  it("loss on the data center's uplink only is the data center's side", () => {
    const verdict = triangulate('10.8.1.10', [vantage('dc', from(1)), vantage('rackspace'), vantage('linode')])
    expect(verdict.kind).toBe('vantage-side')
    expect(verdict.affected).toEqual(['dc'])
    expect(verdict.faultHop?.address).toBe('10.1.0.1')
    expect(verdict.explanation).toMatch(/^Only dc sees loss/)
  })

  it('loss at the shared transit router is the shared path, not the target', () => {
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => vantage(v, from(2))),
    )
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.faultHop?.address).toBe('10.9.0.1')
  })

  it('a shared upstream seen by two probes and not crossed by the healthy one', () => {
    ROUTES.rackspace2 = ['10.2.0.1', '10.7.0.1', '10.9.0.1', '10.8.1.10']
    ROUTES.linode2 = ['10.3.0.1', '10.7.0.1', '10.9.0.1', '10.8.1.10']
    const verdict = triangulate('10.8.1.10', [vantage('dc'), vantage('rackspace2', from(2)), vantage('linode2', from(2))])
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.faultHop?.address).toBe('10.7.0.1')
    expect(verdict.healthy).toEqual(['dc'])
  })

  it('a rate-limited transit hop is reported healthy, and named as rate limiting', () => {
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => vantage(v, {2: 45})),
    )
    expect(verdict.kind).toBe('healthy')
    expect(verdict.explanation).toContain('hop 2 (10.9.0.1) showed loss that did not persist')
    expect(verdict.faultHop).toBeUndefined()
  })

  it('two faults at once never claim a single cause', () => {
    const verdict = triangulate('10.8.1.10', [vantage('dc', {1: 30, 2: 30, 3: 30, 4: 51}), vantage('rackspace', from(4)), vantage('linode', from(4))])
    expect(verdict.kind).toBe('multiple-faults')
    expect(verdict.faultHop).toBeUndefined()
    expect(verdict.explanation).toContain('10.1.0.1')
    expect(verdict.explanation).toContain('10.8.1.10')
  })

  it('loss without path results is inconclusive and says which results are missing', () => {
    const verdict = triangulate('t', [vantage('dc', from(1), {noPath: true}), vantage('linode')])
    expect(verdict.kind).toBe('inconclusive')
    expect(verdict.missing).toEqual(['path (mtr) results from dc'])
  })

  it('one vantage point alone cannot place a fault', () => {
    const verdict = triangulate('t', [vantage('dc', from(2))])
    expect(verdict.kind).toBe('inconclusive')
    expect(verdict.missing).toEqual(['a second vantage point in another network'])
  })

  it("loss from the first shared router for one vantage only is that vantage's uplink", () => {
    // dc's uplink drops: its loss shows from the transit router on, which the others cross cleanly.
    const verdict = triangulate('10.8.1.10', [vantage('dc', from(2)), vantage('rackspace'), vantage('linode')])
    expect(verdict.kind).toBe('vantage-side')
    expect(verdict.faultHop?.address).toBe('10.9.0.1')
    expect(verdict.explanation).toContain('the link from hop 1 (10.1.0.1) into hop 2 (10.9.0.1)')
  })

  it('two vantage points each losing on their own link into a shared router are two faults', () => {
    const verdict = triangulate('t', [vantage('dc', from(2)), vantage('rackspace', from(2)), vantage('linode')])
    expect(verdict.kind).toBe('multiple-faults')
  })

  it('a healthy vantage crossing both the blamed hop and the hop before it makes it inconclusive', () => {
    ROUTES.dc2 = ['10.1.0.1', '10.9.0.1', '10.8.0.1', '10.8.1.10']
    const verdict = triangulate('t', [vantage('dc', from(2)), vantage('dc2')])
    expect(verdict.kind).toBe('inconclusive')
  })

  it('a persistent latency step at a shared hop is placed like loss', () => {
    const verdict = triangulate('t', [slow('dc'), slow('rackspace'), slow('linode')])
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.explanation).toContain('latency step')
  })
})

/**
 * Seen in the lab: with the target's link down, its router answers hop 4 with host-unreachable, so
 * mtr lists that router twice and never the target.
 */
function unreachable(name: string): VantageEvidence {
  const e = vantage(name)
  e.path![3] = {index: 4, address: '10.8.0.1', lossPct: 94, sent: 50, avgMs: 1500}
  e.ping = undefined
  return e
}

describe('a router answering for an unreachable target', () => {
  it('is target-down, stopping at the router, not loss at the target', () => {
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => unreachable(v)),
    )
    expect(verdict.kind).toBe('target-down')
    expect(verdict.faultHop).toMatchObject({index: 3, address: '10.8.0.1'})
  })

  it('a known target address that the last hop is not means not reached', () => {
    const e = vantage('dc')
    e.path!.pop()
    e.ping = undefined
    e.targetAddress = '10.8.1.10'
    expect(triangulate('10.8.1.10', [e, {...e, vantage: 'linode'}]).kind).toBe('target-down')
  })
})

const silent = (name: string) => vantage(name, {}, {silentFrom: 4})

describe('a target that drops ICMP', () => {
  const answer = {vantage: 'rackspace', check: 'https', at: '2026-12-02T04:00:00.000Z'}

  it('is never target-down while a TCP, HTTP or DNS check of it succeeded: inconclusive, naming the port to trace over', () => {
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => silent(v)),
      undefined,
      {serviceAnswers: [answer]},
    )
    expect(verdict.kind).toBe('inconclusive')
    expect(verdict.explanation).toContain('https from rackspace (2026-12-02T04:00:00.000Z) succeeded, so the target is up')
    expect(verdict.explanation).toContain('--protocol tcp --port 443')
    expect(verdict.missing).toEqual(['a trace over a protocol 10.8.1.10 answers (--protocol tcp --port 443)'])
  })

  it('is still target-down without a service answer', () => {
    expect(
      triangulate(
        '10.8.1.10',
        ['dc', 'rackspace', 'linode'].map((v) => silent(v)),
        undefined,
        {serviceAnswers: []},
      ).kind,
    ).toBe('target-down')
  })

  it('says first that it answers no ICMP and how it was traced, and carries the protocol', () => {
    const tracedOver = {protocol: 'tcp' as const, port: 443, icmpSilent: true}
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => vantage(v, from(2))),
      undefined,
      {tracedOver},
    )
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.tracedOver).toEqual(tracedOver)
    expect(verdict.explanation).toMatch(/^10\.8\.1\.10 answers no ICMP echo from any vantage point; traced over TCP 443\. Loss \(30%\) starts at hop 2/)
    const asked = triangulate('t', [vantage('dc'), vantage('linode')], undefined, {tracedOver: {...tracedOver, icmpSilent: false}})
    expect(asked.explanation).toMatch(/^Traced over TCP 443\. All 2 vantage points/)
  })

  it('service check names give their ports', () => {
    expect(['tcp:8443', 'https', 'http', 'http:8080', 'https:9443', 'dns', 'ping', 'tcp:x'].map((c) => portOfCheck(c))).toEqual([
      8443,
      443,
      80,
      8080,
      9443,
      undefined,
      undefined,
      undefined,
    ])
  })
})

describe('paths of different lengths', () => {
  it('loss at the target itself is the target itself, whatever TTL each vantage point reaches it at', () => {
    const short = vantage('linode', {4: 30})
    short.path = short.path!.filter((h) => h.index !== 2).map((h, i) => ({...h, index: i + 1}))
    const verdict = triangulate('10.8.1.10', [vantage('dc', {4: 30}), vantage('rackspace', {4: 30}), short])
    expect(verdict.kind).toBe('target-side')
    expect(verdict.explanation).toContain('10.8.1.10 itself')
  })
})

describe('a vantage point that gave no evidence', () => {
  it('is listed as unavailable with the reason, and the explanation says what its absence means', () => {
    const unavailable = [{vantage: 'p1', reason: 'No SSH handshake with p1 within 10s'}]
    const verdict = triangulate(
      '10.8.1.10',
      ['dc', 'rackspace', 'linode'].map((v) => vantage(v, from(2))),
      undefined,
      {unavailable},
    )
    expect(verdict.kind).toBe('shared-path')
    expect(verdict.unavailable).toEqual(unavailable)
    expect(verdict.explanation).toContain(
      'Vantage point p1 could not be reached from here and gave no evidence (p1: No SSH handshake with p1 within 10s). This verdict rests on dc, rackspace and linode alone.',
    )
    expect(verdict.explanation).toContain('The path from this machine to p1 may cross hop 2 (10.9.0.1) as well.')
  })
})

/** An mtr --raw trace from `name` whose hop 2 alternates between two routers per round, as load balancing per flow does. */
function balanced(name: string, first: string): VantageEvidence {
  const lines: string[] = []
  for (let round = 0; round < 10; round++) {
    const route = [first, round % 2 === 0 ? '10.9.0.1' : '10.9.0.2', '10.8.0.1', '10.8.1.10']
    for (const [pos, host] of route.entries()) lines.push(`x ${pos} ${round * 4 + pos}`, `h ${pos} ${host}`, `p ${pos} ${500 * (pos + 1)} ${round * 4 + pos}`)
  }
  const path = parseMtrRaw(lines.join('\n'), '10.8.1.10').hops.map((h) => toPathHop(h))
  return {vantage: name, ping: {lossPct: 0, sent: 10, rttAvgMs: 2}, path}
}

describe('ECMP: several routers answering at one TTL', () => {
  it('is one hop set: healthy, no loss and no rate limiting read into it', () => {
    const verdict = triangulate('10.8.1.10', [balanced('dc', '10.1.0.1'), balanced('rackspace', '10.2.0.1'), vantage('linode')])
    expect(verdict.kind).toBe('healthy')
    expect(verdict.vantages.every((v) => v.status === 'healthy' && v.rateLimitedHops.length === 0)).toBe(true)
    expect(balanced('dc', '10.1.0.1').path![1]).toMatchObject({address: '10.9.0.1|10.9.0.2', lossPct: 0})
  })

  it('a healthy vantage point whose flows crossed a router of the set crossed that router', () => {
    const dc = vantage('dc', from(2))
    const rackspace = vantage('rackspace', from(2))
    // Linode through another transit router: the shared path at 10.9.0.1, named.
    const other = vantage('linode')
    other.path![1].address = '10.9.0.7'
    expect(triangulate('10.8.1.10', [dc, rackspace, other])).toMatchObject({kind: 'shared-path', faultHop: {address: '10.9.0.1'}})
    // Linode's flows balanced over 10.9.0.1 and 10.9.0.2: it crossed the blamed router healthy, read
    // as if it had crossed 10.9.0.1 alone (so not the shared path at that router).
    const plain = triangulate('10.8.1.10', [dc, rackspace, vantage('linode')])
    const ecmp = triangulate('10.8.1.10', [dc, rackspace, balanced('linode', '10.3.0.1')])
    expect(ecmp.kind).not.toBe('shared-path')
    expect(ecmp.kind).toBe(plain.kind)
  })
})
