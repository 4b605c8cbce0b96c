import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import {formatRange, parseRange, parseRtaLoss, rangeAlerts, stateFor, worstState} from '../../src/checks/thresholds.js'
import {CHECK_STATES, type CheckState} from '../../src/checks/types.js'

/** A small seeded generator (an LCG), so a failing case can be replayed from the printed seed. */
function rng(seed: number): () => number {
  let state = seed % 2 ** 32
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) % 2 ** 32
    return state / 2 ** 32
  }
}

const SEED = 20_261_126
const ROUNDS = 2000

describe('Nagios threshold ranges (monitoring-plugins guidelines table)', () => {
  const table: [string, number, boolean][] = [
    ['10', -1, true],
    ['10', 0, false],
    ['10', 10, false],
    ['10', 10.0001, true],
    ['10:', 9.99, true],
    ['10:', 10, false],
    ['10:', 1e9, false],
    ['~:10', -1e9, false],
    ['~:10', 10, false],
    ['~:10', 11, true],
    ['10:20', 9, true],
    ['10:20', 10, false],
    ['10:20', 20, false],
    ['10:20', 21, true],
    ['@10:20', 9, false],
    ['@10:20', 10, true],
    ['@10:20', 20, true],
    ['@10:20', 21, false],
    ['-5:-1', -3, false],
    ['-5:-1', 0, true],
    ['0.5', 0.51, true],
    ['0.5', 0.5, false],
  ]
  for (const [spec, value, alert] of table) {
    it(`${spec} ${alert ? 'alerts' : 'does not alert'} on ${value}`, () => {
      expect(rangeAlerts(parseRange(spec), value)).toBe(alert)
    })
  }

  it('rejects ranges that are not ranges', () => {
    for (const bad of ['', '@', 'abc', '10:5', '1:2:3', '~', '1e', '--1', '5;6']) {
      expect(() => parseRange(bad), bad).toThrow(ValidationError)
    }
  })
})

describe('threshold properties over generated values', () => {
  const random = rng(SEED)
  const number = () => Math.round((random() * 2000 - 1000) * 100) / 100

  it('"@a:b" alerts exactly where "a:b" does not', () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [a, b] = [number(), number()].sort((x, y) => x - y)
      const v = random() < 0.2 ? (random() < 0.5 ? a : b) : number()
      expect(rangeAlerts(parseRange(`@${a}:${b}`), v), `seed ${SEED} round ${i}: @${a}:${b} on ${v}`).toBe(!rangeAlerts(parseRange(`${a}:${b}`), v))
    }
  })

  it('"N" alerts iff v < 0 or v > N; "N:" iff v < N; "~:N" iff v > N', () => {
    for (let i = 0; i < ROUNDS; i++) {
      const n = Math.abs(number())
      const v = random() < 0.2 ? n : number()
      expect(rangeAlerts(parseRange(String(n)), v), `${n} on ${v}`).toBe(v < 0 || v > n)
      expect(rangeAlerts(parseRange(`${n}:`), v), `${n}: on ${v}`).toBe(v < n)
      expect(rangeAlerts(parseRange(`~:${n}`), v), `~:${n} on ${v}`).toBe(v > n)
    }
  })

  it('formatRange and parseRange round-trip', () => {
    for (let i = 0; i < ROUNDS; i++) {
      const [a, b] = [number(), number()].sort((x, y) => x - y)
      const shapes = [`${a}:${b}`, `@${a}:${b}`, `~:${b}`, `${a}:`, `${Math.abs(b)}`, `@~:${b}`]
      for (const spec of shapes) {
        const range = parseRange(spec)
        expect(parseRange(formatRange(range)), spec).toEqual(range)
      }
    }
  })

  it('stateFor: critical wins over warning, and a value inside both is OK', () => {
    for (let i = 0; i < ROUNDS; i++) {
      const warn = Math.abs(number())
      const crit = warn + Math.abs(number())
      const v = Math.abs(number())
      const expected: CheckState = v > crit ? 'CRITICAL' : v > warn ? 'WARNING' : 'OK'
      expect(stateFor(v, String(warn), String(crit)), `w=${warn} c=${crit} v=${v}`).toBe(expected)
    }
    expect(stateFor(5)).toBe('OK')
  })

  it('worstState ranks CRITICAL > WARNING > UNKNOWN > OK, whatever the order', () => {
    const rank: Record<CheckState, number> = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}
    for (let i = 0; i < ROUNDS; i++) {
      const states = Array.from({length: 1 + Math.floor(random() * 6)}, () => CHECK_STATES[Math.floor(random() * 4)])
      let expected: CheckState = states[0]
      for (const s of states) if (rank[s] > rank[expected]) expected = s
      expect(worstState(states)).toBe(expected)
    }
    expect(worstState([])).toBe('OK')
  })
})

describe('check_ping style RTA,LOSS% thresholds', () => {
  it('parses and bounds them', () => {
    expect(parseRtaLoss('200,20%', 'warning')).toEqual({rtaMs: 200, lossPct: 20})
    expect(parseRtaLoss(' 0.5 , 0% ', 'warning')).toEqual({rtaMs: 0.5, lossPct: 0})
    for (const bad of ['200', '200,20', '20%,200', '200,120%', '-1,5%', '200;20%']) {
      expect(() => parseRtaLoss(bad, 'warning'), bad).toThrow(ValidationError)
    }
  })
})
