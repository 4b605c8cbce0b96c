import {describe, expect, it} from 'vitest'

import {hopClass, MIN_ROUNDS, SEQUENTIAL, vantageSettled} from '../../src/analysis/sequential.js'
import {triangulate} from '../../src/analysis/triangulate.js'
import type {PathHop} from '../../src/analysis/types.js'

const hop = (index: number, address: string, lost: number, sent: number): PathHop => ({index, address, lossPct: (100 * lost) / sent, sent, avgMs: 1})

/** Park and Miller's minimal standard generator, seeded: the simulation gives the same counts on every run. */
function random(seed: number): () => number {
  let x = seed
  return () => {
    x = (16_807 * x) % 2_147_483_647
    return x / 2_147_483_647
  }
}

/** Send probes lost with probability p until the test decides, or `budget` probes: what it called the hop, and after how many. */
function runTest(p: number, next: () => number, budget = 100): {call: ReturnType<typeof hopClass>; sent: number} {
  let lost = 0
  for (let sent = 1; sent <= budget; sent++) {
    if (next() < p) lost++
    const call = hopClass(sent, lost)
    if (call !== 'open') return {call, sent}
  }
  return {call: 'open', sent: budget}
}

describe('the sequential stopping rule (SPRT, 2 % against 20 % loss)', () => {
  it('calls a hop that lost nothing clean after 27 probes, and each lost probe costs 11-12 more', () => {
    expect(hopClass(26, 0)).toBe('open')
    expect(hopClass(27, 0)).toBe('clean')
    expect(hopClass(38, 1)).toBe('open')
    expect(hopClass(39, 1)).toBe('clean')
  })

  it('calls a hop lossy after three lost probes in a row, and 3 of 10 lossy', () => {
    expect(hopClass(2, 2)).toBe('open')
    expect(hopClass(3, 3)).toBe('lossy')
    expect(hopClass(10, 3)).toBe('lossy')
    expect(hopClass(10, 1)).toBe('open')
  })

  it("misreads the lab's faults at about the documented rates (simulated, seeded)", () => {
    const next = random(14)
    const runs = 20_000
    const lossy = Array.from({length: runs}, () => runTest(0.3, next))
    const clean = Array.from({length: runs}, () => runTest(0, next))
    // A hop losing 30 % is called clean in about 1e-4 of runs (27 answered probes in a row: 0.7^27 = 6.6e-5,
    // plus the runs that lose one early): 2 in these 20,000.
    expect(lossy.filter((r) => r.call === 'clean').length).toBeLessThanOrEqual(runs * 2e-4)
    expect(lossy.filter((r) => r.call === 'open').length).toBeLessThan(runs * 0.001)
    const sorted = lossy.map((r) => r.sent).sort((a, b) => a - b)
    expect(sorted[Math.floor(runs / 2)]).toBeLessThanOrEqual(12)
    // A hop losing nothing can never be called lossy; it is clean after exactly 27 probes.
    expect(new Set(clean.map((r) => `${r.call} ${r.sent}`))).toEqual(new Set(['clean 27']))
    // At the indifference zone's edges the errors stay under alpha and beta.
    const atClean = Array.from({length: runs}, () => runTest(SEQUENTIAL.cleanPct / 100, next, 10_000))
    const atLossy = Array.from({length: runs}, () => runTest(SEQUENTIAL.lossyPct / 100, next, 10_000))
    expect(atClean.filter((r) => r.call === 'lossy').length / runs).toBeLessThan(SEQUENTIAL.alpha)
    expect(atLossy.filter((r) => r.call === 'clean').length / runs).toBeLessThan(SEQUENTIAL.beta)
  })

  it('settles a vantage point only after the minimum rounds, on a clean last hop, or with every hop decided', () => {
    const clean = [hop(1, '10.1.0.1', 0, 30), hop(2, '10.90.0.1', 0, 30), hop(3, '10.8.1.10', 0, 30)]
    expect(vantageSettled({vantage: 'dc', path: clean})).toEqual({settled: true})
    expect(vantageSettled({vantage: 'dc', path: clean.map((h) => ({...h, sent: MIN_ROUNDS - 1}))})).toEqual({
      settled: false,
      open: `dc: ${MIN_ROUNDS - 1} of at least ${MIN_ROUNDS} rounds`,
    })
    expect(vantageSettled({vantage: 'dc'})).toEqual({settled: false, open: 'no trace from dc yet'})
    // A rate-limited hop in the middle does not hold up a clean last hop.
    expect(vantageSettled({vantage: 'dc', path: [hop(1, '10.1.0.1', 0, 30), hop(2, '10.90.0.1', 2, 30), hop(3, '10.8.1.10', 0, 30)]}).settled).toBe(true)
    // A lossy last hop needs the hop the loss starts at decided: hop 2 is still open here.
    const lossy = [hop(1, '10.1.0.1', 0, 12), hop(2, '10.90.0.1', 1, 12), hop(3, '10.8.1.10', 4, 12)]
    expect(vantageSettled({vantage: 'pa', path: lossy})).toEqual({settled: false, open: 'hop 1 (10.1.0.1) from pa: 0 of 12 lost'})
    const decided = [hop(1, '10.1.0.1', 0, 30), hop(2, '10.90.0.1', 9, 30), hop(3, '10.8.1.10', 10, 30)]
    expect(vantageSettled({vantage: 'pa', path: decided})).toEqual({settled: true})
    // An unreached target: the silent last hop lost every probe.
    expect(vantageSettled({vantage: 'pb', path: [hop(1, '10.3.0.1', 0, 12), {index: 2, lossPct: 100, sent: 12}]})).toEqual({settled: true})
  })

  it('says in the explanation how many rounds and probes the verdict rests on, and when it stopped at the time limit', () => {
    const path = [hop(1, '10.1.0.1', 0, 30), hop(2, '10.8.1.10', 0, 31)]
    const settled = triangulate(
      '10.8.1.10',
      [
        {vantage: 'dc', path},
        {vantage: 'pa', path: path.map((h) => ({...h, sent: 28}))},
      ],
      undefined,
      {sampling: {stop: 'settled', elapsedMs: 3200, limitMs: 10_000}},
    )
    expect(settled.explanation).toContain('Settled after 28–31 rounds per vantage point (117 probes) in 3.2 s')
    expect(settled.sampling).toMatchObject({stop: 'settled', minRounds: 28, maxRounds: 31, probes: 117})
    const limited = triangulate(
      '10.8.1.10',
      [
        {vantage: 'dc', path: path.map((h) => ({...h, sent: 30}))},
        {vantage: 'pb', path},
      ],
      undefined,
      {sampling: {stop: 'time-limit', elapsedMs: 10_000, limitMs: 10_000, open: ['hop 2 (10.8.1.10) from pa: 1 of 12 lost']}},
    )
    expect(limited.explanation).toContain('Stopped at the time limit (10.0 s) after 30–31 rounds per vantage point (121 probes), before the evidence settled')
    expect(limited.explanation).toContain('Still undecided: hop 2 (10.8.1.10) from pa: 1 of 12 lost.')
  })
})
