import {describe, expect, it} from 'vitest'

import {ToolOutputError} from '../../src/checks/errors.js'
import {hopAddress, hopCell, parseMtrJson, parseMtrRaw} from '../../src/checks/mtr.js'
import {captured, derived} from './fixtures.js'

describe('mtr --json', () => {
  it('0.95: a two-hop path with numbers as numbers', () => {
    const report = parseMtrJson(captured('mtr.two_hops').stdout)
    expect(report.destination).toBe('10.231.2.2')
    expect(report.rounds).toBe(10)
    expect(report.hops.map((h) => [h.hop, h.host, h.lossPct, h.sent])).toEqual([
      [1, '10.231.1.1', 0, 10],
      [2, '10.231.2.2', 0, 10],
    ])
    for (const hop of report.hops) {
      expect(hop.bestMs).toBeLessThanOrEqual(hop.avgMs)
      expect(hop.avgMs).toBeLessThanOrEqual(hop.worstMs)
    }
  })

  it('0.95: a silent router (???) before a lossy destination', () => {
    const report = parseMtrJson(captured('mtr.silent_hop_loss30').stdout)
    expect(report.hops[0]).toEqual({hop: 1, host: '???', lossPct: 100, sent: 20, lastMs: 0, avgMs: 0, bestMs: 0, worstMs: 0, stdevMs: 0})
    expect(report.hops[1].host).toBe('10.231.2.2')
    expect(report.hops[1].lossPct).toBeGreaterThan(0)
    expect(report.hops[1].lossPct).toBeLessThan(100)
  })

  it('0.95: no hop answered at all gives an empty path', () => {
    expect(parseMtrJson(captured('mtr.all_silent').stdout).hops).toEqual([])
  })

  it('0.92: count, tests and tos are strings, floats have two decimals; same result as 0.95', () => {
    const old = parseMtrJson(derived('mtr092.silent_hop_loss30'))
    const current = parseMtrJson(captured('mtr.silent_hop_loss30').stdout)
    expect(old.rounds).toBe(20)
    expect(old.hops.map((h) => [h.hop, h.host, h.lossPct, h.sent])).toEqual(current.hops.map((h) => [h.hop, h.host, h.lossPct, h.sent]))
    for (const [i, hop] of old.hops.entries()) expect(hop.avgMs).toBeCloseTo(current.hops[i].avgMs, 2)
    expect(derived('mtr092.silent_hop_loss30')).toContain('"count": "1"')
  })

  it('rejects what is not an mtr report', () => {
    expect(() => parseMtrJson('Start: Thu Nov 25 15:15:20 2021\nHOST: x  Loss%')).toThrow(ToolOutputError)
    expect(() => parseMtrJson('{"foo": 1}')).toThrow(/report\.mtr/)
    expect(() => parseMtrJson('{"report": {"mtr": {"tests": 1}, "hubs": [{"count": "x"}]}}')).toThrow(/"count" is not a number/)
  })
})

/** Four rounds to 10.8.1.10 over two routers; `late` replies at hop 2 came 1 s late (a retransmitted SYN). */
function raw(options: {late?: number; lost?: number; reached?: boolean; ecmp?: boolean} = {}): string {
  const lines: string[] = []
  for (let round = 0; round < 4; round++) {
    // With `ecmp`, each round's flow is hashed to one of two routers at hop 2, as mtr --tcp's new source port per probe is.
    const second = options.ecmp && round % 2 === 1 ? '10.90.0.9' : '10.90.0.1'
    for (const [pos, host] of ['10.1.0.1', second, '10.8.1.10', '10.8.1.10'].entries()) {
      const seq = 33_000 + round * 4 + pos
      lines.push(`x ${pos} ${seq}`)
      if (pos >= 2 && options.reached === false) continue
      if (pos === 1 && round < (options.lost ?? 0)) continue
      lines.push(`h ${pos} ${host}`)
      const late = pos >= 1 && round < (options.late ?? 0)
      lines.push(`p ${pos} ${late ? 1_000_400 : 400 + pos * 100} ${seq}`)
    }
  }
  return lines.join('\n') + '\n'
}

describe('mtr --raw (traces over TCP and UDP)', () => {
  it('ends the hops at the target, though mtr probes past it', () => {
    const report = parseMtrRaw(raw(), '10.8.1.10')
    expect(report.hops.map((h) => `${h.hop} ${h.host} ${h.lossPct}% ${h.sent}`)).toEqual(['1 10.1.0.1 0% 4', '2 10.90.0.1 0% 4', '3 10.8.1.10 0% 4'])
    expect(report.hops[1]).toMatchObject({avgMs: 0.5, bestMs: 0.5, worstMs: 0.5})
  })

  it('a reply a second late answered a retransmitted probe: loss, not latency', () => {
    const report = parseMtrRaw(raw({late: 1}), '10.8.1.10')
    expect(report.hops.map((h) => h.lossPct)).toEqual([0, 25, 25])
    expect(report.hops[1].worstMs).toBe(0.5)
  })

  it('a probe with no reply is loss; a target never reached ends with one silent hop', () => {
    expect(parseMtrRaw(raw({lost: 2}), '10.8.1.10').hops[1].lossPct).toBe(50)
    const unreached = parseMtrRaw(raw({reached: false}), '10.8.1.10')
    expect(unreached.hops.map((h) => `${h.host} ${h.lossPct}%`)).toEqual(['10.1.0.1 0%', '10.90.0.1 0%', '??? 100%'])
  })

  it('two routers answering at one TTL (per-flow load balancing) are one hop set: no loss, both listed', () => {
    const report = parseMtrRaw(raw({ecmp: true}), '10.8.1.10')
    expect(report.hops.map((h) => `${h.hop} ${hopAddress(h)} ${h.lossPct}% ${h.sent}`)).toEqual(['1 10.1.0.1 0% 4', '2 10.90.0.1|10.90.0.9 0% 4', '3 10.8.1.10 0% 4'])
    expect(report.hops[1]).toMatchObject({host: '10.90.0.1', hosts: ['10.90.0.1', '10.90.0.9'], avgMs: 0.5})
    expect(report.hops[0].hosts).toBeUndefined()
    expect(report.hops[2].hosts).toBeUndefined()
    expect(hopCell(report.hops[1])).toBe('10.90.0.1|10.90.0.9 0% 0.5 ms')
    // A lost probe at that TTL is loss of the set, whichever router the flow would have crossed.
    const lossy = parseMtrRaw(raw({ecmp: true, lost: 1}), '10.8.1.10')
    expect(lossy.hops[1]).toMatchObject({lossPct: 25, hosts: ['10.90.0.1', '10.90.0.9']})
  })

  it('refuses output without a probe', () => {
    expect(() => parseMtrRaw('mtr: unknown option\n', 'h')).toThrow('mtr --raw printed no probe')
  })
})
