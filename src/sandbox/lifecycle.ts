import {emulator} from './clouds.js'
import type {NodeRecord, SandboxCloud} from './types.js'

/**
 * Node lifecycles are timestamps, not timers: a node stores the status changes still due and
 * readers apply the ones whose time has come. So a restart of the sandbox mid-boot finishes the boot
 * on time, and 5,000 seeded nodes cost no timers. With `holdBoot` (the hold=boot fault) a due change
 * to the running status waits, with everything after it, until a read without the hold.
 */
export function effective(node: NodeRecord, now = Date.now(), holdBoot = false): NodeRecord {
  const due = (n: NodeRecord) => n.transitions.length > 0 && n.transitions[0].at <= now && !(holdBoot && n.transitions[0].status === runningStatus(n.cloud))
  if (!due(node)) return node
  const out = {...node, transitions: [...node.transitions]}
  while (due(out)) {
    const next = out.transitions.shift()!
    out.status = next.status
    out.updatedAt = next.at
    if (out.cloud === 'ec2' && next.status === 'terminated') out.terminatedAt = next.at
  }
  return out
}

/** The status in which a node accepts SSH logins. */
export function runningStatus(cloud: SandboxCloud): string {
  return emulator(cloud).runningStatus
}

/** Statuses after which the node is gone for good (its SSH server closes). */
export function isGone(node: NodeRecord): boolean {
  return node.status === 'terminated' || node.status === 'shutting-down'
}

/** Schedule `steps` (status, delay from now), replacing whatever was still due. */
export function schedule(node: NodeRecord, now: number, steps: [status: string, afterMs: number][]): NodeRecord {
  return {...node, updatedAt: now, transitions: steps.map(([status, afterMs]) => ({status, at: now + afterMs}))}
}
