import type {ChildProcess} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {userInfo} from 'node:os'
import {join} from 'node:path'

import {FaultSyntaxError} from '../faults.js'
import {generateEd25519KeyPair} from '../keys.js'
import type {NodePlacement} from '../ssh.js'
import type {SandboxStore} from '../store.js'
import type {NodeRecord, SandboxCloud} from '../types.js'
import {dropTable, linkLabel, type NetworkFault, parseNetworkFault, removeTable} from './faults.js'
import {Namespaces, type NetnsMode, networkSupport, type Tools} from './namespaces.js'
import {
  DATACENTER_ADDRESS,
  FIXED,
  FIXED_BRIDGES,
  FIXED_LINKS,
  FIXED_ROUTES,
  hostNs,
  MAX_SITES,
  ROUTER_SYSCTLS,
  routerNs,
  type Site,
  site,
  siteKey,
  siteLinks,
  sitePort,
  TARGET_ADDRESS,
  TRANSIT_ADDRESS,
  type Veth,
} from './topology.js'

/** The network a sandbox asked for, or why this machine cannot have it. */
export async function openNetwork(store: SandboxStore, dataDir: string): Promise<{network?: SandboxNetwork; unavailable?: string}> {
  const support = await networkSupport()
  if ('reason' in support) return {unavailable: support.reason}
  return {network: await SandboxNetwork.start(support.mode, support.tools, store, dataDir)}
}

/** What `mc sandbox status --json` shows under "network". */
export interface NetworkDescription {
  mode: NetnsMode
  /** The sandbox's own target: ping it, trace it, its port 80 serves HTTP. */
  target: string
  transit: string
  /** This machine's data center as a vantage point: add it with `mc probe add`. */
  datacenter: {address: string; ssh: {host: string; port: number; user: string; keyFile: string}}
  sites: Site[]
  faults: string[]
}

/** A node-like record for the data center, so it gets an SSH server like any node. */
export const DATACENTER_ID = 'mc-datacenter'
const SITES_META = 'network-sites'
const DATACENTER_PORT_META = 'network-datacenter-port'

/** The target's web server: a few lines of Node in the target's namespace. */
const TARGET_HTTP = `require('node:http').createServer((q, s) => s.end('ok\\n')).listen(80, '${TARGET_ADDRESS}', () => console.log('ready'))`

/**
 * The sandbox's nodes in network namespaces (see topology.ts): built at start, sites added as nodes
 * arrive in new regions, faults as nftables tables, everything gone with stop() or with the process.
 */
export class SandboxNetwork implements NodePlacement {
  private readonly sites = new Map<string, Promise<Site>>()
  private readonly faults = new Map<string, NetworkFault>()
  private datacenter: NodeRecord | undefined
  private targetServer: ChildProcess | undefined

  private constructor(
    private readonly ns: Namespaces,
    private readonly store: SandboxStore,
    private readonly dir: string,
  ) {
    this.indexes = JSON.parse(store.getMeta(SITES_META) ?? '{}') as Record<string, number>
  }

  /** Build the fixed part. On failure everything built is released before the error is thrown. */
  static async start(mode: NetnsMode, tools: Tools, store: SandboxStore, dataDir: string): Promise<SandboxNetwork> {
    const dir = join(dataDir, 'network')
    mkdirSync(dir, {recursive: true, mode: 0o700})
    const ns = await Namespaces.open(mode, tools)
    const network = new SandboxNetwork(ns, store, dir)
    try {
      // In parallel where nothing depends on order: each step is a process or two per namespace.
      await Promise.all(FIXED.map((role) => ns.create(role)))
      await Promise.all(['dcr', 'tr', 'tgr'].map((role) => ns.exec(role, [tools.sysctl, '-q', '-w', ...ROUTER_SYSCTLS])))
      await Promise.all(
        FIXED.map((role) => {
          const bridge = FIXED_BRIDGES[role]
          return ns.ip(role, ['link set lo up', ...(bridge ? ['link add br0 type bridge', `address add ${bridge} dev br0`, 'link set br0 up'] : [])])
        }),
      )
      await network.link(FIXED_LINKS)
      await Promise.all([
        ...FIXED.map((role) =>
          ns.ip(
            role,
            FIXED_ROUTES[role].map((r) => `route add ${r}`),
          ),
        ),
        network.startTarget(),
      ])
      return network
    } catch (error) {
      await network.stop()
      throw error
    }
  }

  get mode(): NetnsMode {
    return this.ns.mode
  }

  /** veth pairs made directly inside both namespaces: this machine's own namespace never sees them. */
  private async link(veths: Veth[]): Promise<void> {
    const setUp = (end: Veth['a'] | Veth['b']) => [
      ...(end.address ? [`address add ${end.address} dev ${end.dev}`] : []),
      ...('bridge' in end && end.bridge ? [`link set ${end.dev} master br0`] : []),
      `link set ${end.dev} up`,
    ]
    await Promise.all(
      veths.map(async ({a, b}) => {
        await this.ns.ip(a.ns, [`link add name ${a.dev} type veth peer name ${b.dev} netns ${this.ns.pid(b.ns)}`, ...setUp(a)])
        await this.ns.ip(b.ns, setUp(b))
      }),
    )
  }

  private async startTarget(): Promise<void> {
    const server = this.ns.spawn('tg', [process.execPath, '-e', TARGET_HTTP])
    await new Promise<void>((resolve, reject) => {
      let stderr = ''
      server.stderr!.on('data', (chunk) => {
        stderr += chunk
      })
      server.stdout!.once('data', () => resolve())
      server.once('error', reject)
      server.once('exit', (code) => reject(new Error(`the target's web server exited (${code}): ${stderr.trim()}`)))
    })
    this.targetServer = server
  }

  /** Site indexes are kept in the sandbox's database too, so a region keeps its addresses across restarts. */
  private readonly indexes: Record<string, number>

  /** After "mc sandbox reset" emptied the database: the namespaces and the data center's port are still in use. */
  afterReset(): void {
    this.store.setMeta(SITES_META, JSON.stringify(this.indexes))
    if (this.datacenter?.ssh?.port) this.store.setMeta(DATACENTER_PORT_META, String(this.datacenter.ssh.port))
  }

  private siteFor(cloud: SandboxCloud, region: string): Promise<Site> {
    const key = siteKey(cloud, region)
    let pending = this.sites.get(key)
    if (!pending) {
      let index = this.indexes[key]
      if (index === undefined) {
        index = Math.max(0, ...Object.values(this.indexes)) + 1
        if (index > MAX_SITES) return Promise.reject(new Error(`the networked sandbox holds at most ${MAX_SITES} cloud regions`))
        this.indexes[key] = index
        this.store.setMeta(SITES_META, JSON.stringify(this.indexes))
      }

      pending = this.buildSite(site(index, cloud, region.toLowerCase()))
      this.sites.set(key, pending)
      pending.catch(() => this.sites.delete(key))
    }

    return pending
  }

  private async buildSite(s: Site): Promise<Site> {
    await Promise.all([this.ns.create(hostNs(s)), this.ns.create(routerNs(s))])
    await Promise.all([
      this.ns.exec(routerNs(s), [this.ns.tools.sysctl, '-q', '-w', ...ROUTER_SYSCTLS]),
      this.ns.ip(hostNs(s), ['link set lo up']),
      this.ns.ip(routerNs(s), ['link set lo up']),
    ])
    const {links, routes} = siteLinks(s)
    await this.link(links)
    await Promise.all(
      Object.entries(routes).map(([name, list]) =>
        this.ns.ip(
          name,
          list.map((r) => `route add ${r}`),
        ),
      ),
    )
    // A transit fault covers every port of the transit router, this new one too.
    const transit = this.faults.get('transit')
    if (transit && s.via === 'transit') await this.applyFault(transit)
    return s
  }

  async attach(node: NodeRecord): Promise<void> {
    if (node.id !== DATACENTER_ID || node.region !== 'datacenter') await this.siteFor(node.cloud, node.region)
  }

  enter(node: NodeRecord): string[] {
    if (node.id === DATACENTER_ID && node.region === 'datacenter') return this.ns.enter('dc')
    const key = siteKey(node.cloud, node.region)
    const index = this.indexes[key]
    if (index === undefined || !this.ns.has(`s${index}`)) throw new Error(`no network site for ${key}`)
    return this.ns.enter(`s${index}`)
  }

  /**
   * The data center's SSH login: a key pair and a host key kept in the data dir (so mc's known_hosts
   * stays valid across restarts), logins with that key, commands run in the "dc" namespace.
   */
  async datacenterNode(): Promise<NodeRecord> {
    if (this.datacenter) return this.datacenter
    const keyFile = join(this.dir, 'datacenter_key')
    const hostKeyFile = join(this.dir, 'datacenter_host_key')
    if (!existsSync(keyFile) || !existsSync(`${keyFile}.pub`)) {
      const pair = await generateEd25519KeyPair('mc-sandbox-datacenter')
      writeFileSync(keyFile, pair.privateKey, {mode: 0o600})
      writeFileSync(`${keyFile}.pub`, pair.publicKey + '\n')
    }

    if (!existsSync(hostKeyFile)) writeFileSync(hostKeyFile, (await generateEd25519KeyPair()).privateKey, {mode: 0o600})
    const now = Date.now()
    this.datacenter = {
      cloud: 'ec2',
      id: DATACENTER_ID,
      region: 'datacenter',
      name: 'datacenter',
      image: 'datacenter',
      size: 'datacenter',
      status: 'running',
      transitions: [],
      createdAt: now,
      updatedAt: now,
      tags: {},
      authorizedKeys: [readFileSync(`${keyFile}.pub`, 'utf8').trim()],
      publicIp: '127.0.0.1',
      privateIp: DATACENTER_ADDRESS,
      ssh: {port: Number(this.store.getMeta(DATACENTER_PORT_META) ?? 0), hostKey: readFileSync(hostKeyFile, 'utf8')},
    }
    return this.datacenter
  }

  /** Record the port the data center's SSH server got, and reuse it next time. */
  datacenterListening(port: number): void {
    this.store.setMeta(DATACENTER_PORT_META, String(port))
    if (this.datacenter) this.datacenter = {...this.datacenter, ssh: {...this.datacenter.ssh!, port}}
  }

  lookup(cloud: SandboxCloud, id: string): NodeRecord | undefined {
    return cloud === 'ec2' && id === DATACENTER_ID ? this.datacenter : undefined
  }

  /** Where a fault's drops go: the namespace and the devices its packets arrive on. */
  private async placeFault(fault: NetworkFault): Promise<{ns: string; devices: string[]; table: string}> {
    const {link} = fault
    if (link === 'transit') {
      const ports = await Promise.all([...this.sites.values()].map((p) => p.catch(() => {})))
      return {ns: 'tr', devices: ['p-dcr', ...ports.filter((s) => s?.via === 'transit').map((s) => sitePort(s!))], table: 'mc_fault_transit'}
    }

    if (link === 'dc') return {ns: 'tr', devices: ['p-dcr'], table: 'mc_fault_dc'}
    if (link === 'target') return {ns: 'tg', devices: ['lan'], table: 'mc_fault_target'}
    const pending = this.sites.get(siteKey(link.cloud, link.region))
    if (!pending) {
      throw new FaultSyntaxError(`No node runs in ${link.cloud}:${link.region} yet, so it has no link to fault; known: ${this.siteLabels().join(', ') || 'none'}.`)
    }

    const s = await pending
    return {ns: routerNs(s), devices: ['lan'], table: `mc_fault_s${s.index}`}
  }

  private siteLabels(): string[] {
    return [...this.sites.keys()]
  }

  private async applyFault(fault: NetworkFault): Promise<void> {
    const {ns, devices, table} = await this.placeFault(fault)
    await this.ns.nft(ns, dropTable(table, devices, fault.lossPct))
  }

  /** Add faults (each replaces any fault on its link); parse errors throw before anything changes. */
  async addFaults(specs: string[]): Promise<void> {
    const parsed = specs.map((spec) => parseNetworkFault(spec))
    for (const fault of parsed) await this.placeFault(fault)
    for (const fault of parsed) {
      await this.applyFault(fault)
      this.faults.set(linkLabel(fault.link), fault)
    }
  }

  /** Clear the named faults (by spec or link), or all of them. */
  async clearFaults(specs?: string[]): Promise<void> {
    const labels = specs === undefined ? [...this.faults.keys()] : specs.map((spec) => linkLabel(parseNetworkFault(spec).link))
    for (const label of labels) {
      const fault = this.faults.get(label)
      if (!fault) continue
      const {ns, table} = await this.placeFault(fault)
      await this.ns.nft(ns, removeTable(table))
      this.faults.delete(label)
    }
  }

  faultSpecs(): string[] {
    return [...this.faults.values()].map((f) => f.spec)
  }

  async describe(): Promise<NetworkDescription> {
    const sites = (await Promise.all([...this.sites.values()].map((p) => p.catch(() => {})))).filter((s): s is Site => s !== undefined)
    return {
      mode: this.ns.mode,
      target: TARGET_ADDRESS,
      transit: TRANSIT_ADDRESS,
      datacenter: {
        address: DATACENTER_ADDRESS,
        ssh: {host: '127.0.0.1', port: this.datacenter?.ssh?.port ?? 0, user: userInfo().username, keyFile: join(this.dir, 'datacenter_key')},
      },
      sites: sites.sort((a, b) => a.index - b.index),
      faults: this.faultSpecs(),
    }
  }

  /** PIDs holding the namespaces (tests check that none outlives the sandbox). */
  holderPids(): number[] {
    return this.ns.holderPids()
  }

  async stop(): Promise<void> {
    this.targetServer = undefined
    await this.ns.close()
  }
}
