import {readFileSync} from 'node:fs'

import {TimeoutError} from '../core/errors.js'
import type {Inventory} from '../store/inventory.js'

/**
 * One deploy per fleet at a time, across processes. A holder is "PID:START" (the process's start
 * time from /proc), so a PID the kernel reused for another process does not look like the holder.
 */
export type FleetLockOptions = {
  /** How long to wait for another deploy of the fleet to finish. */
  waitMs: number
  signal?: AbortSignal
  /** Told once what the wait is for (which process, since when). */
  onWait?: (reason: string) => void
  pollMs?: number
}

function startTime(pid: number): string {
  try {
    // Field 22 of /proc/PID/stat, counted after the parenthesised command name (which may hold spaces).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? ''
  } catch {
    return ''
  }
}

export function processHolder(pid = process.pid): string {
  return `${pid}:${startTime(pid)}`
}

function holderPid(holder: string): number {
  return Number(holder.split(':')[0])
}

/** Gone: no such process, or a different process under the same PID. */
export function holderGone(holder: string): boolean {
  const pid = holderPid(holder)
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return true
  }
  return processHolder(pid) !== holder
}

/**
 * Run `work` holding the fleet: wait (up to waitMs, saying for what) while another live process
 * deploys it, then claim it; release it whatever `work` does.
 */
export async function withFleetLock<T>(inventory: Inventory, fleet: string, options: FleetLockOptions, work: () => Promise<T>): Promise<T> {
  const holder = processHolder()
  const deadline = Date.now() + options.waitMs
  let told = false
  for (;;) {
    const other = inventory.claimFleet(fleet, holder, holderGone)
    if (!other) break
    const who = `mc pid ${holderPid(other.holder)}, deploying fleet "${fleet}" since ${other.since}`
    if (Date.now() >= deadline) {
      throw new TimeoutError(
        `Fleet "${fleet}" is still being deployed by ${who}; gave up after ${Math.round(options.waitMs / 1000)}s. Deploy again once it has finished (it reuses ready probes).`,
      )
    }
    if (!told) options.onWait?.(`waiting for ${who}, to finish (up to ${Math.round(options.waitMs / 1000)}s)`)
    told = true
    options.signal?.throwIfAborted()
    await new Promise((resolve) => {
      setTimeout(resolve, Math.min(options.pollMs ?? 250, Math.max(0, deadline - Date.now())))
    })
    options.signal?.throwIfAborted()
  }

  try {
    return await work()
  } finally {
    inventory.releaseFleet(fleet, holder)
  }
}
