import {randomBytes} from 'node:crypto'

import {SSH_PORT_KEY} from './catalog.js'
import {emulator, SANDBOX_CLOUDS} from './clouds.js'
import {generateEd25519KeyPair} from './keys.js'
import {effective, isGone} from './lifecycle.js'
import type {SandboxStore} from './store.js'
import type {NodeRecord, SandboxCloud, SandboxCredentials} from './types.js'

/** What gives nodes an SSH server (src/sandbox/ssh.ts); absent when SSH is switched off. */
export interface SshHost {
  /** Start (or restart) the node's SSH server; resolves with the port it listens on. */
  open(node: NodeRecord, preferredPort?: number): Promise<number>
  close(cloud: SandboxCloud, id: string): Promise<void>
}

export interface WorldSettings {
  bootDelayMs: number
  /** How long a terminated EC2 instance stays listed. */
  terminatedTtlMs: number
  /** Where the time comes from (default the system clock); a test moves its own clock instead of sleeping. */
  clock?: {now(): number}
}

/**
 * The state shared by every emulated API: the store, the credentials, timing, and the SSH servers
 * of nodes. Reads apply due status changes (see lifecycle.ts).
 */
export class World {
  /** Parsed nodes by seq (unique across clouds), with the text they were parsed from. */
  private readonly parsed = new Map<number, {raw: string; node: NodeRecord}>()
  /** Clouds whose boots are held (the hold=boot fault): their nodes stay booting until released. */
  holdBoot: ReadonlySet<SandboxCloud> = new Set()

  constructor(
    readonly store: SandboxStore,
    readonly credentials: SandboxCredentials,
    readonly settings: WorldSettings,
    readonly ssh: SshHost | undefined,
  ) {}

  now(): number {
    return this.settings.clock ? this.settings.clock.now() : Date.now()
  }

  getNode(cloud: SandboxCloud, id: string): NodeRecord | undefined {
    const stored = this.store.get<NodeRecord>(cloud, 'node', id)
    if (!stored) return undefined
    const node = effective(stored, this.now(), this.holdBoot.has(cloud))
    return this.expired(node) ? undefined : node
  }

  /**
   * Nodes in creation order, each with its seq (the pagination cursor). A node whose stored text is
   * unchanged comes back as the same object, so renderers can cache per object (WeakMap) and a
   * listing of thousands of unchanged nodes parses and renders nothing twice.
   */
  listNodes(cloud: SandboxCloud, region?: string): {node: NodeRecord; seq: number}[] {
    const now = this.now()
    const out: {node: NodeRecord; seq: number}[] = []
    for (const {data, seq} of this.store.listRaw(cloud, 'node', region)) {
      let cached = this.parsed.get(seq)
      if (cached?.raw !== data) {
        cached = {raw: data, node: JSON.parse(data) as NodeRecord}
        this.parsed.set(seq, cached)
      }
      const node = effective(cached.node, now, this.holdBoot.has(cloud))
      if (this.expired(node)) {
        this.store.remove(cloud, 'node', node.id)
        this.parsed.delete(seq)
      } else {
        out.push({node, seq})
      }
    }
    return out
  }

  /** After a reset nothing cached may survive. */
  forgetCache(): void {
    this.parsed.clear()
  }

  private expired(node: NodeRecord): boolean {
    return node.terminatedAt !== undefined && node.terminatedAt + this.settings.terminatedTtlMs <= this.now()
  }

  saveNode(node: NodeRecord): void {
    this.store.update(node.cloud, 'node', node.id, node.region, node)
  }

  /**
   * Store a node created through an API, with an SSH server and its port published where each
   * cloud's clients look (EC2 tag, Nova metadata, Linode tag string).
   */
  async launchNode(node: NodeRecord): Promise<NodeRecord> {
    let out = node
    if (this.ssh) {
      const hostKey = (await generateEd25519KeyPair()).privateKey
      out = {...node, ssh: {port: 0, hostKey}}
      this.store.insert(node.cloud, 'node', node.id, node.region, out)
      const port = await this.ssh.open(out)
      out = withSshPort(out, port)
      this.saveNode(out)
      return out
    }
    this.store.insert(node.cloud, 'node', node.id, node.region, out)
    return out
  }

  /** After a restart: give every live API-created node its SSH server back, on its old port if free. */
  async reopenSshServers(): Promise<void> {
    if (!this.ssh) return
    for (const cloud of SANDBOX_CLOUDS) {
      for (const {node} of this.listNodes(cloud)) {
        if (!node.ssh || isGone(node)) continue
        const port = await this.ssh.open(node, node.ssh.port)
        if (port !== node.ssh.port) this.saveNode(withSshPort(node, port))
      }
    }
  }

  async removeNode(cloud: SandboxCloud, id: string): Promise<void> {
    await this.ssh?.close(cloud, id)
    this.store.remove(cloud, 'node', id)
    for (const [seq, {node}] of this.parsed) if (node.cloud === cloud && node.id === id) this.parsed.delete(seq)
  }

  async closeSsh(cloud: SandboxCloud, id: string): Promise<void> {
    await this.ssh?.close(cloud, id)
  }
}

export function withSshPort(node: NodeRecord, port: number): NodeRecord {
  const withPort = {...node, ssh: {...node.ssh!, port}}
  const {publishSshPort} = emulator(node.cloud)
  return publishSshPort ? publishSshPort(withPort, port) : {...withPort, tags: {...node.tags, [SSH_PORT_KEY]: String(port)}}
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex')
}

/** Private addresses from a counter, so each node has its own. */
export function privateAddress(prefix: string, n: number): string {
  return `${prefix}.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`
}
