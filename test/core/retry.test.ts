import {describe, expect, it} from 'vitest'

import {AuthError, RateLimitError, TimeoutError, TransientError} from '../../src/core/errors.js'
import {backoffDelay, parseRetryAfter, pollUntil, retry} from '../../src/core/retry.js'

const noSleep = async () => {}

describe('retry', () => {
  it('retries transient errors until success', async () => {
    let calls = 0
    const value = await retry(
      async () => {
        calls++
        if (calls < 3) throw new TransientError('reset')
        return 'ok'
      },
      {sleep: noSleep},
    )
    expect(value).toBe('ok')
    expect(calls).toBe(3)
  })

  it('gives up after the attempt bound and rethrows the last error', async () => {
    let calls = 0
    const failing = retry(
      async () => {
        calls++
        throw new RateLimitError('slow down')
      },
      {attempts: 4, sleep: noSleep},
    )
    await expect(failing).rejects.toBeInstanceOf(RateLimitError)
    expect(calls).toBe(4)
  })

  it('never retries errors that are not retryable', async () => {
    let calls = 0
    await expect(
      retry(
        async () => {
          calls++
          throw new AuthError('bad key')
        },
        {sleep: noSleep},
      ),
    ).rejects.toBeInstanceOf(AuthError)
    expect(calls).toBe(1)
  })

  it('waits at least Retry-After when the server asks for longer than the backoff', async () => {
    const waits: number[] = []
    let calls = 0
    await retry(
      async () => {
        if (++calls === 1) throw new RateLimitError('429', 7000)
        return 1
      },
      {
        async sleep(ms) {
          waits.push(ms)
        },
        random: () => 0.5,
        baseDelayMs: 100,
      },
    )
    expect(waits).toEqual([7000])
  })

  it('stops when the next wait would pass the time bound', async () => {
    let calls = 0
    await expect(
      retry(
        async () => {
          calls++
          throw new RateLimitError('429', 5000)
        },
        {maxElapsedMs: 1000, sleep: noSleep},
      ),
    ).rejects.toBeInstanceOf(RateLimitError)
    expect(calls).toBe(1)
  })

  it('uses full jitter within an exponentially growing cap', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0.999)).toBe(99)
    expect(backoffDelay(4, 100, 10_000, () => 0.999)).toBe(799)
    expect(backoffDelay(20, 100, 10_000, () => 0.999)).toBe(9990)
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('Thu, 01 Jan 2026 00:00:00 GMT'))).toBe(10_000)
    expect(parseRetryAfter()).toBeUndefined()
    expect(parseRetryAfter('soon')).toBeUndefined()
  })
})

describe('pollUntil', () => {
  it('returns the first value that is done', async () => {
    let n = 0
    expect(
      await pollUntil(
        async () => ++n,
        (v) => v === 3,
        {timeoutMs: 5000, pollMs: 1, what: 'n'},
      ),
    ).toBe(3)
  })

  it('times out with a TimeoutError naming what it waited for', async () => {
    await expect(
      pollUntil(
        async () => 0,
        () => false,
        {timeoutMs: 20, pollMs: 5, what: 'node i-1 to run'},
      ),
    ).rejects.toThrow(TimeoutError)
  })
})
