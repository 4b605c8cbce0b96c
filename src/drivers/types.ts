import type {DebugLog} from '../core/log.js'
import type {
  CreateNodeRequest,
  Image,
  ImageFilter,
  KeyPair,
  Location,
  Node,
  NodeFilter,
  ProviderName,
  Size,
  WaitOptions,
} from '../core/model.js'

/** What a driver can do. Commands check these instead of catching "not implemented". */
export type Capability =
  | 'createNode'
  | 'destroyNode'
  | 'rebootNode'
  | 'startStopNode'
  | 'importKeyPair'
  | 'securityGroups'
  | 'userData'
  | 'tags'
  | 'allRegions'

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
