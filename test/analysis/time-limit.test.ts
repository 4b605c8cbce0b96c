import {describe, expect, it} from 'vitest'

import {triangulate} from '../../src/analysis/triangulate.js'
import type {DiagnosisContext, PathHop, VantageEvidence} from '../../src/analysis/types.js'

/**
 * A verdict given at the --max-time limit rests on hops the sequential test may not have decided.
 * It must not name separate faults from such a hop: the lab's transit loss once read as
 * multiple-faults because pa, with 25 rounds, had lost 2 of them (8 %) at the transit router, so its
 * loss read as starting one hop later than dc's and pb's.
 */
const TARGET = '10.8.1.10'
const TRANSIT = '10.90.0.1'
const TARGET_ROUTER = '10.94.0.2'
const ROUTES: Record<string, string[]> = {
  dc: ['10.1.0.1', TRANSIT, TARGET_ROUTER, TARGET],
  pa: ['10.2.0.1', TRANSIT, TARGET_ROUTER, TARGET],
  pb: ['10.3.0.1', TRANSIT, TARGET_ROUTER, TARGET],
  pc: ['10.4.0.1', TARGET_ROUTER, TARGET],
}

/** One vantage point's trace: `lost[i]` of `sent` probes lost at hop i + 1. */
function trace(vantage: string, sent: number, lost: number[]): VantageEvidence {
  const path: PathHop[] = ROUTES[vantage].map((address, i) => ({index: i + 1, address, sent, lossPct: Math.round((1000 * lost[i]) / sent) / 10, avgMs: i + 1}))
  return {vantage, targetAddress: TARGET, path}
}

const atTimeLimit = (...open: string[]): DiagnosisContext => ({sampling: {stop: 'time-limit', elapsedMs: 10_000, limitMs: 10_000, open}})

describe('a verdict at the time limit and undecided hops', () => {
  it("pa's 25 rounds, 2 lost at the transit router: one cause with dc and pb, not separate faults", () => {
    const evidence = [trace('dc', 40, [0, 12, 12, 13]), trace('pa', 25, [0, 2, 7, 8]), trace('pb', 40, [0, 11, 12, 12]), trace('pc', 40, [0, 0, 0])]
    const verdict = triangulate(TARGET, evidence, undefined, atTimeLimit('hop 2 (10.90.0.1) from pa: 2 of 25 lost'))
    const why = `${verdict.kind}: ${verdict.explanation}`
    expect(verdict.kind, why).toBe('shared-path')
    expect(verdict.faultHop?.address, why).toBe(TRANSIT)
    expect(verdict.affected.toSorted(), why).toEqual(['dc', 'pa', 'pb'])
    expect(verdict.healthy, why).toEqual(['pc'])
    expect(verdict.vantages.find((v) => v.vantage === 'pa')?.onset?.address, why).toBe(TRANSIT)
    expect(verdict.explanation, why).toContain(`pa's loss read as starting at hop 3 (${TARGET_ROUTER}), but hop 2 (${TRANSIT}: 2 of 25 lost) was still undecided`)
    expect(verdict.explanation, why).toContain('read as one cause with dc and pb, at hop 2 (10.90.0.1)')
  })

  it('an undecided start that could be clean moves to the later hop the others start at', () => {
    // dc and pb decided: clean up to the target's router, lossy from it on. pa: 3 of 25 (12 %) at the
    // transit router, undecided (a clean 2 % hop loses that many one time in 60).
    const evidence = [trace('dc', 40, [0, 0, 12, 12]), trace('pa', 25, [0, 3, 8, 8]), trace('pb', 40, [0, 0, 12, 13]), trace('pc', 40, [0, 0, 0])]
    const verdict = triangulate(TARGET, evidence, undefined, atTimeLimit())
    const why = `${verdict.kind}: ${verdict.explanation}`
    expect(verdict.kind, why).not.toBe('multiple-faults')
    expect(verdict.faultHop?.address, why).toBe(TARGET_ROUTER)
    expect(verdict.affected.toSorted(), why).toEqual(['dc', 'pa', 'pb'])
  })

  it('separate faults whose starts are decided stay separate faults', () => {
    // dc loses from its own router on (12 of 40), pb only at the target (12 of 40); every hop decided.
    const evidence = [trace('dc', 40, [12, 12, 13, 12]), trace('pa', 40, [0, 0, 0, 0]), trace('pb', 40, [0, 0, 0, 12]), trace('pc', 40, [0, 0, 0])]
    const verdict = triangulate(TARGET, evidence, undefined, atTimeLimit())
    const why = `${verdict.kind}: ${verdict.explanation}`
    expect(verdict.kind, why).toBe('multiple-faults')
    expect(verdict.explanation, why).toContain('hop 1 (10.1.0.1) for dc')
    expect(verdict.explanation, why).toContain(`hop 4 (${TARGET}) for pb`)
  })

  it('different starts that only an undecided hop separates are inconclusive, with the reason', () => {
    // pc, which does not cross the transit router, loses 3 of 20 from the target's router on:
    // undecided, as likely a clean path's chance as a fault of its own.
    const evidence = [trace('dc', 40, [0, 12, 12, 13]), trace('pa', 40, [0, 12, 13, 12]), trace('pb', 40, [0, 11, 12, 12]), trace('pc', 20, [0, 3, 3])]
    const verdict = triangulate(TARGET, evidence, undefined, atTimeLimit())
    const why = `${verdict.kind}: ${verdict.explanation}`
    expect(verdict.kind, why).toBe('inconclusive')
    expect(verdict.faultHop?.address, why).toBe(TRANSIT)
    expect(verdict.explanation, why).toContain(`pc's hop 2 (${TARGET_ROUTER}: 3 of 20 lost)`)
    expect(verdict.explanation, why).toContain('The settled vantage points (dc, pa and pb) put it at hop 2 (10.90.0.1).')
    expect(verdict.missing, why).toEqual(['more rounds from pc (a longer --max-time)'])
  })

  it('a settled verdict reads the same evidence as measured', () => {
    const evidence = [trace('dc', 40, [0, 12, 12, 13]), trace('pa', 25, [0, 2, 7, 8]), trace('pb', 40, [0, 11, 12, 12]), trace('pc', 40, [0, 0, 0])]
    expect(triangulate(TARGET, evidence, undefined, {sampling: {stop: 'fixed-count', elapsedMs: 5000}}).kind).toBe('multiple-faults')
  })
})
