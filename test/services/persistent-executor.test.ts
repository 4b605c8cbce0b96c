import {describe, expect, it} from 'vitest'

import {AuthError, TimeoutError, TransientError} from '../../src/core/errors.js'
import {PersistentExecutor} from '../../src/services/persistent-executor.js'
import type {ExecResult, Executor} from '../../src/checks/executor.js'

const ok: ExecResult = {stdout: 'done', stderr: '', exitCode: 0, timedOut: false, durationMs: 1}

/** Executors that fail as scripted, one per connection attempt; the clock is the test's. */
function fleet(failures: Array<Error | undefined>) {
  const opened: string[] = []
  const closed: number[] = []
  const open = (attempt: number): Executor => {
    opened.push(`connection ${attempt}`)
    return {
      vantage: 'p1',
      async exec() {
        const failure = failures[attempt]
        if (failure) throw failure
        return ok
      },
      async close() {
        closed.push(attempt)
      },
    }
  }
  return {open, opened, closed}
}

describe('PersistentExecutor', () => {
  it('opens a new connection after a handshake timeout or a dropped connection, and runs the command there', async () => {
    const f = fleet([new TimeoutError('No SSH handshake'), new TransientError('closed during the handshake'), undefined])
    const executor = new PersistentExecutor('p1', f.open, 1000, () => 0)
    await expect(executor.exec('true', {timeoutMs: 5000})).resolves.toEqual(ok)
    expect(f.opened).toEqual(['connection 0', 'connection 1', 'connection 2'])
    expect(executor.reconnects).toBe(2)
    expect(f.closed).toEqual([0, 1])
  })

  it('once closed, a command that fails opens no new connection (nothing left to linger after the verdict)', async () => {
    const f = fleet([new TransientError('The SSH connection to p1 closed before the command finished'), undefined])
    const executor = new PersistentExecutor('p1', f.open, 1000, () => 0)
    await executor.close()
    await expect(executor.exec('true', {timeoutMs: 5000})).rejects.toThrow(/closed before the command finished/)
    expect(f.opened).toEqual(['connection 0'])
    expect(executor.reconnects).toBe(0)
  })

  it('gives up with the last failure once the budget is spent', async () => {
    let now = 0
    const f = fleet([new TimeoutError('first'), new TimeoutError('second'), undefined])
    const executor = new PersistentExecutor(
      'p1',
      (attempt) => {
        now += 600
        return f.open(attempt)
      },
      1000,
      () => now,
    )
    await expect(executor.exec('true', {timeoutMs: 5000})).rejects.toThrow('second')
    expect(f.opened).toHaveLength(2)
  })

  it('never retries what another connection would not change (authentication, host keys)', async () => {
    const f = fleet([new AuthError('key refused'), undefined])
    await expect(new PersistentExecutor('p1', f.open, 1000, () => 0).exec('true', {timeoutMs: 5000})).rejects.toThrow('key refused')
    expect(f.opened).toEqual(['connection 0'])
  })

  it('commands failing on the same connection share one reconnect', async () => {
    const f = fleet([new TimeoutError('down'), undefined])
    const executor = new PersistentExecutor('p1', f.open, 1000, () => 0)
    await Promise.all([executor.exec('a', {timeoutMs: 5000}), executor.exec('b', {timeoutMs: 5000})])
    expect(executor.reconnects).toBe(1)
  })
})
