import type {ApiHandler, SandboxRequest} from './http.js'
import type {SandboxStore} from './store.js'
import type {NodeRecord, SandboxCloud, SandboxCredentials} from './types.js'
import type {World} from './world.js'

/** What an emulator needs to make one seeded node (see seed.ts). */
export interface SeedContext {
  store: SandboxStore
  credentials: SandboxCredentials
  /** 0-based position among the cloud's seeded nodes. */
  index: number
  /** A counter per cloud, for distinct private addresses. */
  n: number
  /** The fields every seeded node shares: cloud, region (the default one), name, times, no keys, seeded. */
  base: Pick<NodeRecord, 'authorizedKeys' | 'cloud' | 'createdAt' | 'name' | 'publicIp' | 'region' | 'seeded' | 'transitions' | 'updatedAt'>
}

/**
 * One cloud's emulator, exported by src/sandbox/<cloud>/emulator.ts and listed once in
 * src/sandbox/clouds.ts: the sandbox's server, world, seeding, lifecycle, credentials, profile and
 * `mc sandbox status` all read it. Its request handler loads when the sandbox starts, not before.
 */
export interface Emulator {
  cloud: SandboxCloud
  /** How `mc sandbox status` and the 404 page name where it is: "/v4". */
  mountedAt: string
  /** The path below its mount point when `path` belongs to this API, else undefined. */
  mount(path: string): string | undefined
  api(world: World): Promise<ApiHandler>
  /** The request that makes a node (EC2's RunInstances, POST /servers, ...): what hold=create keeps waiting. */
  isCreateRequest(request: SandboxRequest): boolean
  /** Made once per data dir (random secrets) and kept across restarts and resets. */
  newCredentials(): SandboxCredentials[SandboxCloud]
  /** The URL clients are given, from the sandbox's origin (http://127.0.0.1:port). */
  endpoint(origin: string): string
  /** mc profile keys (src/store/config-keys.ts) that point mc at this emulator. */
  profile(endpoint: string, credentials: SandboxCredentials[SandboxCloud]): Record<string, string>
  /** Who to log in as, for `mc sandbox status`: never a secret. Undefined when there is nothing to say. */
  describe(credentials: SandboxCredentials[SandboxCloud]): string | undefined
  /** Where nodes go when a request names no region, and where seeded nodes live. */
  defaultRegion: string
  /** The status in which a node accepts SSH logins. */
  runningStatus: string
  seedNode(context: SeedContext): NodeRecord
  /** Publish a node's SSH port where this cloud's clients look (default: tags[SSH_PORT_KEY]). */
  publishSshPort?(node: NodeRecord, port: number): NodeRecord
}
