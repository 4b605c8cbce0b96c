import {emulator} from './clouds.js'
import type {SandboxCloud, SandboxCredentials} from './types.js'
import type {SandboxStore} from './store.js'

/** Seeded nodes carry this tag (Linode: this tag string) so they are easy to tell apart. */
export const SEEDED_TAG = 'mc-seeded'

/**
 * Add running nodes to one cloud until it holds `count` seeded ones, in one transaction. They live in
 * the cloud's default region and have no SSH server: they exist to be listed (benchmarks, paging).
 */
export function seedNodes(store: SandboxStore, credentials: SandboxCredentials, cloud: SandboxCloud, count: number, now = Date.now()): number {
  const existing = store.countSeeded(cloud)
  const missing = Math.max(0, count - existing)
  if (missing === 0) return 0
  const {defaultRegion: region, seedNode} = emulator(cloud)
  store.transaction(() => {
    for (let i = existing; i < existing + missing; i++) {
      const name = `seed-${String(i + 1).padStart(5, '0')}`
      const n = store.nextCounter(`${cloud}.address`, 1)
      const base = {cloud, region, name, transitions: [], createdAt: now, updatedAt: now, authorizedKeys: [], publicIp: '127.0.0.1', seeded: true}
      const record = seedNode({store, credentials, index: i, n, base})
      store.insert(cloud, 'node', record.id, region, record)
    }
  })
  return missing
}
