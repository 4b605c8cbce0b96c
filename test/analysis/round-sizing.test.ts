import {describe, expect, it} from 'vitest'

import {privilegeNote, privilegesOf} from '../../src/analysis/privilege.js'
import {MAX_USER_LANES, passRate, probesToClean, START_OVERHEAD_MS, USER_INTERVAL_S, USER_TARGET_ROUNDS, userLanes} from '../../src/analysis/round-sizing.js'
import {MIN_ROUNDS, SEQUENTIAL} from '../../src/analysis/sequential.js'
import {triangulate} from '../../src/analysis/triangulate.js'
import type {PathHop} from '../../src/analysis/types.js'
import type {CheckResult} from '../../src/checks/types.js'
import {DEFAULT_MAX_TIME_MS} from '../../src/services/diagnose.js'

/** Rounds a non-root trace of `lanes` processes has settled within `limitMs` (the arithmetic in round-sizing.ts). */
const roundsWithin = (lanes: number, limitMs: number) => Math.floor((lanes * (limitMs - START_OVERHEAD_MS)) / 1000 / USER_INTERVAL_S)

describe('round sizing for a vantage point that logs in as a non-root user', () => {
  it('needs the rounds the sequential test needs: 27 answered probes, 39 with one lost', () => {
    expect(probesToClean(0)).toBe(27)
    expect(probesToClean(1)).toBe(39)
    expect(USER_TARGET_ROUNDS).toBe(39)
  })

  it('one mtr at the 1 s floor cannot settle within the default 10 s: under MIN_ROUNDS', () => {
    expect(roundsWithin(1, DEFAULT_MAX_TIME_MS)).toBeLessThan(MIN_ROUNDS)
  })

  it('deciding on the few rounds one mtr gets would misread a 20 % hop far more often than the test allows', () => {
    // 7 or 10 answered probes in a row from a hop losing 20 %: 21 % and 11 % of the time, against alpha = 0.5 %.
    expect(passRate(SEQUENTIAL.lossyPct, 7)).toBeGreaterThan(0.2)
    expect(passRate(SEQUENTIAL.lossyPct, 10)).toBeGreaterThan(0.1)
    expect(passRate(SEQUENTIAL.lossyPct, probesToClean(0))).toBeLessThan(0.005)
  })

  it('runs six mtr processes side by side for the default 10 s: a hop with one lost probe still settles', () => {
    const lanes = userLanes(DEFAULT_MAX_TIME_MS)
    expect(lanes).toBe(6)
    expect(roundsWithin(lanes, DEFAULT_MAX_TIME_MS)).toBeGreaterThanOrEqual(USER_TARGET_ROUNDS)
    expect(roundsWithin(lanes - 1, DEFAULT_MAX_TIME_MS)).toBeLessThan(USER_TARGET_ROUNDS)
  })

  it('needs fewer processes with more time, one at a minute, and never more than MAX_USER_LANES', () => {
    expect(userLanes(30_000)).toBe(2)
    expect(userLanes(60_000)).toBe(1)
    expect(userLanes(600_000)).toBe(1)
    expect(userLanes(4000)).toBe(MAX_USER_LANES)
    expect(userLanes(1000)).toBe(MAX_USER_LANES)
    for (let limitMs = 1000; limitMs <= 120_000; limitMs += 500) {
      const lanes = userLanes(limitMs)
      if (lanes < MAX_USER_LANES) expect(roundsWithin(lanes, limitMs), `${limitMs} ms`).toBeGreaterThanOrEqual(USER_TARGET_ROUNDS)
    }
  })
})

const path = (vantage: string, privilege?: CheckResult['privilege']): CheckResult => ({
  vantage,
  target: 't',
  check: 'path',
  kind: 'path',
  state: 'OK',
  summary: '',
  metrics: [],
  implementation: 'mtr',
  durationMs: 1,
  raw: '',
  at: '2026-01-01T00:00:00.000Z',
  ...(privilege ? {privilege} : {}),
})

describe('what the verdict says about a vantage point that is not root', () => {
  it('collects how each vantage point traced, root saying nothing', () => {
    expect(privilegesOf([path('dc'), path('pb', {runAs: 'sudo', lanes: 1}), path('pa', {runAs: 'user', lanes: 6})])).toEqual({
      privileges: [
        {vantage: 'pa', runAs: 'user', lanes: 6},
        {vantage: 'pb', runAs: 'sudo', lanes: 1},
      ],
    })
    expect(privilegesOf([path('dc')])).toEqual({})
  })

  it('says who ran mtr through passwordless sudo, and what a plain user could measure and at what pace', () => {
    const hops: PathHop[] = [
      {index: 1, address: '10.0.0.1', lossPct: 0, sent: 30, avgMs: 1},
      {index: 2, address: 't', lossPct: 0, sent: 30, avgMs: 2},
    ]
    const verdict = triangulate(
      't',
      [
        {vantage: 'pb', path: hops},
        {vantage: 'pu', path: hops},
      ],
      undefined,
      {
        sampling: {
          stop: 'settled',
          elapsedMs: 6000,
          privileges: [
            {vantage: 'pb', runAs: 'sudo', lanes: 1},
            {vantage: 'pu', runAs: 'user', lanes: 6},
          ],
        },
      },
    )
    expect(verdict.explanation).toContain("pb ran mtr through passwordless sudo (a non-root login), at root's pace.")
    expect(verdict.explanation).toContain(
      "pu logs in as a non-root user without passwordless sudo: every hop's loss and latency can be measured there (mtr-packet's cap_net_raw), but mtr sends at most one round a second per process, so it ran 6 mtr processes side by side (6 rounds a second against root's 10).",
    )
    expect(privilegeNote([{vantage: 'a', runAs: 'user', lanes: 1}])).toContain('so its trace sent one round a second')
    expect(privilegeNote([])).toBe('')
  })
})
