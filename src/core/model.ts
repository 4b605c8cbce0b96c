/** The unified model every driver maps its provider's objects into. */

/**
 * The registered clouds' names. Each cloud's descriptor (src/drivers/<cloud>/descriptor.ts) adds its
 * own by declaration merging, so this type follows src/drivers/registry.ts (which has the runtime list).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ProviderNames {}
export type ProviderName = keyof ProviderNames & string

export const NODE_STATES = ['pending', 'starting', 'running', 'rebooting', 'stopping', 'stopped', 'terminated', 'error', 'unknown'] as const
export type NodeState = (typeof NODE_STATES)[number]

export interface Ec2NodeExtra {
  availabilityZone?: string
  keyName?: string
  vpcId?: string
  subnetId?: string
  securityGroups: string[]
  architecture?: string
  privateDnsName?: string
  publicDnsName?: string
  stateReason?: string
}

export interface OpenStackNodeExtra {
  tenantId?: string
  userId?: string
  hostId?: string
  keyName?: string
  metadata: Record<string, string>
  accessIPv4?: string
  accessIPv6?: string
  taskState?: string
  powerState?: number
  flavorName?: string
}

export interface LinodeNodeExtra {
  label: string
  group?: string
  hypervisor?: string
  ipv6?: string
  vcpus?: number
  memoryMb?: number
  diskMb?: number
}

/**
 * Provider-specific fields, keyed by provider so a consumer knows which shape it reads. A cloud added
 * later declares its own key from its folder (declaration merging).
 */
export interface NodeExtra {
  ec2?: Ec2NodeExtra
  openstack?: OpenStackNodeExtra
  linode?: LinodeNodeExtra
}

export interface Node {
  id: string
  name: string
  provider: ProviderName
  /** Region (EC2 region, Nova region, Linode region) the node lives in. */
  region: string
  state: NodeState
  /** The provider's own status word, kept for humans and debugging. */
  providerState: string
  publicIps: string[]
  privateIps: string[]
  /** Always an id, never a provider object; '' only when the provider genuinely reports none (boot from volume). */
  image: string
  size: string
  createdAt?: string
  tags: Record<string, string>
  extra: NodeExtra
}

export interface Image {
  id: string
  name: string
  provider: ProviderName
  region?: string
  os?: string
  architecture?: string
  owner?: string
  public?: boolean
  createdAt?: string
  /** True when nodes from this image already carry the probe tools (sandbox images). */
  probeReady?: boolean
  /** The smallest root disk and memory a node from this image needs, where the cloud says (Glance minDisk/minRam). */
  minDiskGb?: number
  minMemoryMb?: number
  extra: Record<string, unknown>
}

export interface Size {
  id: string
  name: string
  provider: ProviderName
  vcpus: number
  memoryMb: number
  diskGb?: number
  /** USD per hour, when the provider publishes a price. */
  priceHourly?: number
  architecture?: string
  extra: Record<string, unknown>
}

export interface Location {
  id: string
  name: string
  provider: ProviderName
  kind: 'region' | 'zone'
  /** For a zone: the region it belongs to. */
  region?: string
  country?: string
  extra: Record<string, unknown>
}

export interface KeyPair {
  name: string
  provider: ProviderName
  fingerprint?: string
  publicKey?: string
  id?: string
}

export interface NodeFilter {
  states?: NodeState[]
  tags?: Record<string, string>
  /** Exact name, or a glob with `*`. */
  name?: string
}

export interface ImageFilter {
  owners?: string[]
  name?: string
}

export interface CreateNodeRequest {
  name: string
  image: string
  size: string
  /** A region or zone id, when it differs from the driver's region. */
  location?: string
  keyName?: string
  /** When set and `keyName` is not known to the cloud, the driver imports it under `keyName`. */
  publicKey?: string
  tags?: Record<string, string>
  userData?: string
  /** Open SSH (22/tcp) and ICMP to the node where the cloud has a firewall (EC2 security groups). */
  allowSshAndIcmp?: boolean
  /** Idempotency token, so a retried create never makes two nodes. */
  clientToken?: string
  networks?: string[]
}

export interface WaitOptions {
  timeoutMs?: number
  pollMs?: number
  signal?: AbortSignal
}
