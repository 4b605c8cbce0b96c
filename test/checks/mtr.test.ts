import {describe, expect, it} from 'vitest'

import {ToolOutputError} from '../../src/checks/errors.js'
import {parseMtrJson} from '../../src/checks/mtr.js'
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
