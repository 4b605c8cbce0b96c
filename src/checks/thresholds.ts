import {ValidationError} from '../core/errors.js'
import type {CheckState} from './types.js'

/**
 * Nagios threshold ranges, per the monitoring-plugins development guidelines:
 *   "10"     alert when < 0 or > 10
 *   "10:"    alert when < 10
 *   "~:10"   alert when > 10
 *   "10:20"  alert when < 10 or > 20
 *   "@10:20" alert when >= 10 and <= 20
 */
export interface Range {
  start: number
  end: number
  /** "@": alert inside the range instead of outside it. */
  inside: boolean
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/

function parseBound(text: string, spec: string): number {
  if (!NUMBER.test(text)) throw new ValidationError(`Invalid threshold range "${spec}": "${text}" is not a number`)
  return Number(text)
}

export function parseRange(spec: string): Range {
  let text = spec.trim()
  const inside = text.startsWith('@')
  if (inside) text = text.slice(1)
  if (text === '') throw new ValidationError(`Invalid threshold range "${spec}": it is empty`)
  const colon = text.indexOf(':')
  let start = 0
  let end: number
  if (colon === -1) {
    end = parseBound(text, spec)
  } else {
    const low = text.slice(0, colon)
    const high = text.slice(colon + 1)
    start = low === '~' ? -Infinity : low === '' ? 0 : parseBound(low, spec)
    end = high === '' ? Infinity : parseBound(high, spec)
  }
  if (start > end) throw new ValidationError(`Invalid threshold range "${spec}": start ${start} is above end ${end}`)
  return {start, end, inside}
}

/** True when `value` should raise the alert this range describes. */
export function rangeAlerts(range: Range, value: number): boolean {
  const within = value >= range.start && value <= range.end
  return range.inside ? within : !within
}

export function formatRange(range: Range): string {
  const start = range.start === -Infinity ? '~' : String(range.start)
  const end = range.end === Infinity ? '' : String(range.end)
  const body = range.start === 0 && range.end !== Infinity ? end : `${start}:${end}`
  return `${range.inside ? '@' : ''}${body}`
}

/** The state one value earns against optional warning and critical ranges (critical wins). */
export function stateFor(value: number, warn?: string, crit?: string): CheckState {
  if (crit !== undefined && crit !== '' && rangeAlerts(parseRange(crit), value)) return 'CRITICAL'
  if (warn !== undefined && warn !== '' && rangeAlerts(parseRange(warn), value)) return 'WARNING'
  return 'OK'
}

/** check_ping's "RTA,LOSS%" pair: round-trip average in ms and packet loss in percent. */
export interface RtaLoss {
  rtaMs: number
  lossPct: number
}

export function parseRtaLoss(spec: string, field: string): RtaLoss {
  const match = /^\s*(\d+(?:\.\d+)?)\s*,\s*(\d+(?:\.\d+)?)%\s*$/.exec(spec)
  const reason = `expected "RTA_MS,LOSS%" such as "200,20%", got "${spec}"`
  if (!match) throw new ValidationError(`Invalid ${field} threshold: ${reason}`, [{field, reason}])
  const lossPct = Number(match[2])
  if (lossPct > 100) {
    throw new ValidationError(`Invalid ${field} threshold: loss ${lossPct}% is above 100%`, [{field, reason: 'loss above 100%'}])
  }
  return {rtaMs: Number(match[1]), lossPct}
}

export function parseSeconds(spec: string, field: string): number {
  const reason = `expected seconds such as "0.5", got "${spec}"`
  if (!/^\s*\d+(\.\d+)?\s*$/.test(spec)) throw new ValidationError(`Invalid ${field} threshold: ${reason}`, [{field, reason}])
  return Number(spec)
}

/** worstState's ranking; also what `--sort state` orders by. */
export const SEVERITY: Record<CheckState, number> = {OK: 0, UNKNOWN: 1, WARNING: 2, CRITICAL: 3}

/**
 * The worse of two states, ranked CRITICAL > WARNING > UNKNOWN > OK (monitoring-plugins'
 * max_state_alt): an UNKNOWN is never hidden behind an OK, and never hides a real alert.
 */
export function worstState(states: Iterable<CheckState>): CheckState {
  let worst: CheckState = 'OK'
  for (const state of states) if (SEVERITY[state] > SEVERITY[worst]) worst = state
  return worst
}

/** What `check run --fail-on` takes: the least severe state that fails a pipeline. */
export const FAIL_ON = ['warning', 'critical', 'unknown'] as const
export type FailOn = (typeof FAIL_ON)[number]

/**
 * Whether a state fails a pipeline at this level, in worstState's ranking: critical fails on
 * CRITICAL; warning on WARNING or CRITICAL; unknown on anything not OK.
 */
export function failsOn(state: CheckState, level: FailOn): boolean {
  return state !== 'OK' && SEVERITY[state] >= SEVERITY[level.toUpperCase() as CheckState]
}

export const STATE_EXIT_CODE: Record<CheckState, number> = {OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3}
