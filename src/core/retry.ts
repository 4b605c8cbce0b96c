import {setTimeout as sleep} from 'node:timers/promises'

import {RateLimitError, TimeoutError, TransientError} from './errors.js'

export interface RetryOptions {
  /** Total tries, the first included. */
  attempts?: number
  /** Give up when the next wait would end after this many ms since the first try. */
  maxElapsedMs?: number
  baseDelayMs?: number
  maxDelayMs?: number
  isRetryable?: (error: unknown) => boolean
  /** A server-provided wait (Retry-After), which replaces the computed backoff when longer. */
  retryAfterMs?: (error: unknown) => number | undefined
  onRetry?: (info: {attempt: number; delayMs: number; error: unknown}) => void
  signal?: AbortSignal
  /** Injected for tests. */
  random?: () => number
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export function defaultIsRetryable(error: unknown): boolean {
  return error instanceof RateLimitError || error instanceof TransientError
}

export function defaultRetryAfter(error: unknown): number | undefined {
  if (error instanceof RateLimitError || error instanceof TransientError) return error.retryAfterMs
  return undefined
}

/** Full-jitter exponential backoff: a random wait in [0, min(max, base * 2^n)]. */
export function backoffDelay(attempt: number, base: number, max: number, random = Math.random): number {
  return Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)))
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 5
  const maxElapsedMs = options.maxElapsedMs ?? 60_000
  const base = options.baseDelayMs ?? 250
  const max = options.maxDelayMs ?? 20_000
  const isRetryable = options.isRetryable ?? defaultIsRetryable
  const retryAfter = options.retryAfterMs ?? defaultRetryAfter
  const wait = options.sleep ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, {signal}))
  const started = Date.now()
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || options.signal?.aborted) throw error
      const delayMs = Math.max(backoffDelay(attempt, base, max, options.random), retryAfter(error) ?? 0)
      if (Date.now() - started + delayMs > maxElapsedMs) throw error
      options.onRetry?.({attempt, delayMs, error})
      await wait(delayMs, options.signal)
    }
  }
}

/** Parse an HTTP Retry-After header (delta-seconds or HTTP date) into ms. */
export function parseRetryAfter(value?: null | string, now = Date.now()): number | undefined {
  if (!value) return undefined
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

/** Poll `probe` until `done` says so, with capped exponential backoff, or fail with a TimeoutError. */
export async function pollUntil<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: {timeoutMs: number; pollMs?: number; maxPollMs?: number; signal?: AbortSignal; what: string},
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs
  let delay = options.pollMs ?? 1000
  for (;;) {
    const value = await probe()
    if (done(value)) return value
    if (Date.now() + delay > deadline) {
      throw new TimeoutError(`Timed out after ${Math.round(options.timeoutMs / 1000)}s waiting for ${options.what}`)
    }
    await sleep(delay, undefined, {signal: options.signal})
    delay = Math.min(delay * 2, options.maxPollMs ?? 15_000)
  }
}
