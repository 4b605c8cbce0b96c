import type {SandboxCloud} from './types.js'

/**
 * Answers to create requests kept back while the hold=create fault is on (see faults.ts): the node
 * exists, the client waits. Lifting the hold (or stopping the sandbox) sends every kept answer.
 */
export class CreateHold {
  private readonly waiting = new Map<SandboxCloud, Set<() => void>>()

  /** Resolves when `cloud`'s creates are no longer held; at once when they are not held now. */
  wait(cloud: SandboxCloud, held: ReadonlySet<SandboxCloud>): Promise<void> {
    if (!held.has(cloud)) return Promise.resolve()
    return new Promise((resolve) => {
      let set = this.waiting.get(cloud)
      if (!set) this.waiting.set(cloud, (set = new Set()))
      set.add(resolve)
    })
  }

  /** Send the answers of every cloud that `held` no longer names. */
  release(held: ReadonlySet<SandboxCloud> = new Set()): void {
    for (const [cloud, set] of this.waiting) {
      if (held.has(cloud)) continue
      for (const resolve of set) resolve()
      this.waiting.delete(cloud)
    }
  }

  /** How many create answers each cloud is keeping back now. */
  counts(): Partial<Record<SandboxCloud, number>> {
    return Object.fromEntries([...this.waiting].map(([cloud, set]) => [cloud, set.size]))
  }
}
