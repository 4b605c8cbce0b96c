import {closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync} from 'node:fs'
import {dirname} from 'node:path'

import {TimeoutError} from '../core/errors.js'

export type LockOptions = {
  /** How long to wait for another process to let go (default 10 s). */
  timeoutMs?: number
  /** What the lock protects, for the timeout message. */
  what?: string
}

const POLL_MS = 15
const pause = new Int32Array(new SharedArrayBuffer(4))

/**
 * Run `work` while holding `<path>.lock`, an O_EXCL lock file that holds the owner's PID. A lock
 * whose owner is no longer alive (killed mid-write) is taken over; a live owner is waited for up to
 * the deadline, then a TimeoutError names its PID. Synchronous, as the config read-modify-write is.
 */
export function withFileLock<R>(path: string, work: () => R, options: LockOptions = {}): R {
  const lock = `${path}.lock`
  const deadline = Date.now() + (options.timeoutMs ?? 10_000)
  mkdirSync(dirname(lock), {recursive: true, mode: 0o700})
  for (;;) {
    const fd = tryCreate(lock)
    if (fd !== undefined) {
      try {
        writeSync(fd, `${process.pid}\n`)
      } finally {
        closeSync(fd)
      }

      try {
        return work()
      } finally {
        rmSync(lock, {force: true})
      }
    }

    const owner = lockOwner(lock)
    if (owner !== undefined && !processAlive(owner)) {
      rmSync(lock, {force: true})
      continue
    }

    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `${options.what ?? path} is locked by process ${owner ?? '(unknown)'} (${lock}); waited ${Math.round((options.timeoutMs ?? 10_000) / 1000)} s. If no mc is running, remove the lock file.`,
      )
    }

    Atomics.wait(pause, 0, 0, POLL_MS)
  }
}

function tryCreate(lock: string): number | undefined {
  try {
    return openSync(lock, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined
    throw error
  }
}

/**
 * The PID in the lock file. A file still empty (its owner is between open and write) counts as
 * alive unless it is older than a second: an owner killed right there leaves an empty file behind.
 */
function lockOwner(lock: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(lock, 'utf8'), 10)
    if (Number.isInteger(pid) && pid > 0) return pid
    return Date.now() - statSync(lock).mtimeMs > 1000 ? 0 : undefined
  } catch {
    return undefined
  }
}

/** True while a process with this PID exists (EPERM: it does, as another user's); 0 is never one. */
export function processAlive(pid: number): boolean {
  if (pid === 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
