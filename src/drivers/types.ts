import type {DebugLog} from '../core/log.js'
import type {CreateNodeRequest, Image, ImageFilter, KeyPair, Location, Node, NodeExtra, NodeFilter, ProviderName, Size, WaitOptions} from '../core/model.js'

/** What a driver can do. Commands check these instead of catching "not implemented". */
export type Capability = 'createNode' | 'destroyNode' | 'rebootNode' | 'startStopNode' | 'importKeyPair' | 'securityGroups' | 'userData' | 'tags' | 'allRegions'

export interface CloudDriver {
  readonly provider: ProviderName
  /** The region this driver instance speaks to. */
  readonly region: string
  readonly capabilities: ReadonlySet<Capability>
  listNodes(filter?: NodeFilter): Promise<Node[]>
  /** Throws NotFoundError when there is no such node. */
  getNode(id: string): Promise<Node>
  listImages(filter?: ImageFilter): Promise<Image[]>
  listSizes(): Promise<Size[]>
  listLocations(): Promise<Location[]>
  createNode(request: CreateNodeRequest): Promise<Node>
  destroyNode(id: string): Promise<void>
  rebootNode(id: string, options?: {hard?: boolean}): Promise<void>
  /** Resolves with the running node (addresses filled in), or throws TimeoutError. */
  waitUntilRunning(id: string, options?: WaitOptions): Promise<Node>
  listKeyPairs(): Promise<KeyPair[]>
  importKeyPair(name: string, publicKey: string): Promise<KeyPair>
  /** Present when capabilities has 'startStopNode'. */
  startNode?(id: string): Promise<void>
  stopNode?(id: string): Promise<void>
  /** Present when capabilities has 'allRegions': the region ids this account can use. */
  listRegions?(): Promise<string[]>
  /** With region 'all', after a listing: the regions that answered. */
  readonly regionsListed?: string[]
  /** Release sockets, timers and pools. */
  close?(): Promise<void>
}

/** Everything a driver needs to know, resolved from flags, the mc profile and the environment. */
export interface ProviderSettings {
  provider: ProviderName
  profileName: string
  /** This provider's keys from the mc profile, without the `<provider>.` prefix. */
  values: Readonly<Record<string, string>>
  /** --region, else the profile, else the provider's own env/config conventions (driver decides). */
  region?: string
  /** --endpoint, else the profile's `<provider>.endpoint`. */
  endpoint?: string
  env: NodeJS.ProcessEnv
  homeDir: string
}

export interface DriverContext {
  log: DebugLog
  /** mc's data dir (token caches, keys). */
  dataDir: string
  cacheDir: string
  signal?: AbortSignal
  /** A warning for the user (stderr), such as TLS checks turned off; stderr when not given. */
  warn?: (text: string) => void
}

export interface CredentialReport {
  provider: ProviderName
  found: boolean
  /** Where they came from, e.g. "env AWS_ACCESS_KEY_ID", "~/.aws/credentials [prod]", "mc profile sandbox". */
  source?: string
  /** What was looked at, for the "none found" message. */
  lookedAt: string[]
}

export interface ProviderModule {
  createDriver(settings: ProviderSettings, context: DriverContext): Promise<CloudDriver>
}

export interface CredentialModule {
  /** Cheap: reads env and files only, never loads an SDK or touches the network. */
  detectCredentials(settings: ProviderSettings): CredentialReport
}

/** A key of the mc profile this cloud reads, as `<provider>.<name>`. */
export interface ProviderConfigKey {
  name: string
  description: string
  /** Secrets are masked by `mc config get/list` and redacted from debug logs. */
  secret?: boolean
}

/**
 * What the rest of mc knows about one cloud, exported by src/drivers/<cloud>/descriptor.ts and listed
 * once in src/drivers/registry.ts. Plain data and lazy imports only: mc loads every descriptor at
 * start-up, and a cloud's driver (which may pull an SDK) only on a path that talks to it.
 */
export interface ProviderDescriptor {
  name: ProviderName
  title: string
  /** The key of Node.extra this cloud's nodes fill (Rackspace shares OpenStack's). */
  extraKey: keyof NodeExtra
  /** Profile keys besides `proxy` and `caFile`, which every cloud has. */
  configKeys: ProviderConfigKey[]
  /** Prefixes of the environment variables its credential discovery reads (tests clear them). */
  envPrefixes: string[]
  /** Credential discovery: light, used by `mc providers` and before a driver loads. */
  credentials(): Promise<CredentialModule>
  /** The driver itself: only loaded on a path that talks to this cloud. */
  load(): Promise<ProviderModule>
}
