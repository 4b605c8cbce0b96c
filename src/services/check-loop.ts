import {setTimeout as sleep} from 'node:timers/promises'

import {ValidationError} from '../core/errors.js'

const UNIT_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/** "90s", "5m", "24h", "7d", "1h30m", "250ms"; a bare number is seconds. */
export function parseDuration(text: string, what = 'duration'): number {
  const trimmed = text.trim().toLowerCase()
  if (/^\d+(?:\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new ValidationError(`Bad ${what} "${text}": use e.g. 60s, 5m, 24h, 7d or 1h30m.`)
  }
  return Math.round(parts.reduce((ms, [, value, unit]) => ms + Number(value) * UNIT_MS[unit], 0))
}

export type LoopOptions = {
  intervalMs: number
  /** Aborting it stops the loop: the round in progress is cut short and no new round starts. */
  signal: AbortSignal
  /** One round; it gets the loop's signal so it can stop mid-way. */
  round: (index: number, signal: AbortSignal) => Promise<void>
  /** A failed round is reported and the loop goes on: a long-running checker must outlive one bad minute. */
  onError: (error: Error, index: number) => void
  /** Called when a round took longer than the interval (the next one starts at once, none are queued). */
  onOverrun?: (index: number, tookMs: number) => void
}

/**
 * Start a round every intervalMs, measured start to start, until the signal aborts. Returns how many
 * rounds ran to the end; a round cut short by the signal (it throws) does not count.
 */
export async function runEvery(options: LoopOptions): Promise<{rounds: number}> {
  const {intervalMs, signal} = options
  let rounds = 0
  for (let index = 1; !signal.aborted; index++) {
    const started = Date.now()
    try {
      await options.round(index, signal)
      rounds++
    } catch (error) {
      if (signal.aborted) break
      options.onError(error instanceof Error ? error : new Error(String(error)), index)
    }

    const took = Date.now() - started
    if (took >= intervalMs) {
      options.onOverrun?.(index, took)
      continue
    }

    try {
      await sleep(intervalMs - took, undefined, {signal})
    } catch {
      break
    }
  }

  return {rounds}
}
