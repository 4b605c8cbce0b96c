import type {AvailabilityZone, Filter, Image as Ec2Image, Instance, InstanceTypeInfo, KeyPairInfo, Region} from '@aws-sdk/client-ec2'
import {isIP} from 'node:net'

import type {Ec2NodeExtra, Image, KeyPair, Location, Node, NodeFilter, NodeState, Size} from '../../core/model.js'
import {PROBE_READY_KEY, PROBE_READY_VALUE} from '../../core/probe-conventions.js'

/** EC2's instance states, each mapped explicitly; anything else is 'unknown'. */
const STATES: Record<string, NodeState> = {
  pending: 'pending',
  running: 'running',
  // On its way to terminated: a node going away, like a stopping one (providerState keeps the word).
  'shutting-down': 'stopping',
  stopping: 'stopping',
  stopped: 'stopped',
  terminated: 'terminated',
}

export function nodeState(ec2State: string | undefined): NodeState {
  return (ec2State && Object.hasOwn(STATES, ec2State) && STATES[ec2State]) || 'unknown'
}

/** EC2 states that map to a unified one, for a server-side `instance-state-name` filter. */
function ec2States(state: NodeState): string[] {
  return Object.keys(STATES).filter((s) => STATES[s] === state)
}

function present(value: string | undefined): value is string {
  return value !== undefined && value !== ''
}

/** An IPv6 address is private when it is unique-local (fc00::/7) or link-local (fe80::/10). */
function isPrivateIpv6(address: string): boolean {
  const first = address.split(':')[0]
  return first.length === 4 && /^(f[cd]|fe[89ab])/i.test(first)
}

/** Public and private addresses from the instance and every interface: IPv4 first, then IPv6, no repeats. */
function addresses(instance: Instance): {publicIps: string[]; privateIps: string[]} {
  const publicV4 = new Set<string>()
  const privateV4 = new Set<string>()
  const publicV6 = new Set<string>()
  const privateV6 = new Set<string>()
  const v4 = (set: Set<string>, ip: string | undefined) => present(ip) && isIP(ip) === 4 && set.add(ip)
  const v6 = (ip: string | undefined) => present(ip) && isIP(ip) === 6 && (isPrivateIpv6(ip) ? privateV6 : publicV6).add(ip)
  v4(publicV4, instance.PublicIpAddress)
  v4(privateV4, instance.PrivateIpAddress)
  v6(instance.Ipv6Address)
  for (const eni of instance.NetworkInterfaces ?? []) {
    v4(privateV4, eni.PrivateIpAddress)
    v4(publicV4, eni.Association?.PublicIp)
    for (const p of eni.PrivateIpAddresses ?? []) {
      v4(privateV4, p.PrivateIpAddress)
      v4(publicV4, p.Association?.PublicIp)
    }
    for (const a of eni.Ipv6Addresses ?? []) v6(a.Ipv6Address)
  }
  return {publicIps: [...publicV4, ...publicV6], privateIps: [...privateV4, ...privateV6]}
}

function tagMap(tags: {Key?: string; Value?: string}[] | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? ''
  return out
}

/**
 * A copy without undefined members, so JSON output and equality checks see only what EC2 reported.
 * Copied rather than `delete`d: deleting turns an object into a slow dictionary, which made each of
 * 10,000 listed nodes several times bigger and slower to print.
 */
function defined<T extends object>(value: T): T {
  const out: Partial<T> = {}
  for (const key of Object.keys(value) as (keyof T)[]) if (value[key] !== undefined) out[key] = value[key]
  return out as T
}

export function toNode(instance: Instance, region: string): Node {
  const tags = tagMap(instance.Tags)
  const extra: Ec2NodeExtra = defined({
    availabilityZone: instance.Placement?.AvailabilityZone || undefined,
    keyName: instance.KeyName || undefined,
    vpcId: instance.VpcId || undefined,
    subnetId: instance.SubnetId || undefined,
    securityGroups: (instance.SecurityGroups ?? []).map((g) => g.GroupId).filter((id) => present(id)),
    architecture: instance.Architecture || undefined,
    privateDnsName: instance.PrivateDnsName || undefined,
    publicDnsName: instance.PublicDnsName || undefined,
    stateReason: instance.StateReason?.Message || undefined,
  })
  return defined({
    id: instance.InstanceId ?? '',
    name: tags.Name ?? '',
    provider: 'ec2',
    region,
    state: nodeState(instance.State?.Name),
    providerState: instance.State?.Name ?? '',
    ...addresses(instance),
    image: instance.ImageId ?? '',
    size: instance.InstanceType ?? '',
    createdAt: instance.LaunchTime ? toIso(instance.LaunchTime) : undefined,
    tags,
    extra: {ec2: extra},
  })
}

function toIso(value: Date | string): string | undefined {
  const date = value instanceof Date ? value : new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

/** EC2 filter values treat `*` and `?` as wildcards and `\` as escape; mc's name glob has only `*`. */
function ec2Glob(glob: string): string {
  return glob.replaceAll(/[\\?]/g, String.raw`\$&`)
}

/**
 * Server-side filters for a NodeFilter, so EC2 sends only matching instances. A state with no EC2
 * equivalent (starting, rebooting, error, unknown) disables the state filter: the service layer
 * filters again on the unified model anyway.
 */
export function instanceFilters(filter: NodeFilter = {}): Filter[] {
  const filters: Filter[] = []
  if (filter.states && filter.states.length > 0) {
    const names = filter.states.map((s) => ec2States(s))
    if (names.every((n) => n.length > 0)) filters.push({Name: 'instance-state-name', Values: names.flat()})
  }
  for (const [key, value] of Object.entries(filter.tags ?? {})) {
    filters.push({Name: `tag:${key}`, Values: [ec2Glob(value).replaceAll('*', String.raw`\*`)]})
  }
  if (filter.name) filters.push({Name: 'tag:Name', Values: [ec2Glob(filter.name)]})
  return filters
}

export function toImage(image: Ec2Image, region: string): Image {
  const tags = tagMap(image.Tags)
  return defined({
    id: image.ImageId ?? '',
    name: image.Name ?? '',
    provider: 'ec2',
    region,
    os: image.PlatformDetails || image.Platform || undefined,
    architecture: image.Architecture || undefined,
    owner: image.ImageOwnerAlias || image.OwnerId || undefined,
    public: image.Public,
    createdAt: image.CreationDate ? toIso(image.CreationDate) : undefined,
    probeReady: tags[PROBE_READY_KEY] === PROBE_READY_VALUE || undefined,
    extra: defined({
      description: image.Description || undefined,
      tags: Object.keys(tags).length > 0 ? tags : undefined,
      state: image.State || undefined,
      ownerId: image.OwnerId || undefined,
      rootDeviceType: image.RootDeviceType || undefined,
      virtualizationType: image.VirtualizationType || undefined,
      hypervisor: image.Hypervisor || undefined,
    }),
  })
}

/** The one architecture a size is usually chosen for: 64-bit x86 or Arm over the rest. */
function primaryArchitecture(list: string[] | undefined): string | undefined {
  if (!list || list.length === 0) return undefined
  return list.find((a) => a === 'x86_64') ?? list.find((a) => a === 'arm64') ?? list[0]
}

export function toSize(info: InstanceTypeInfo): Size {
  return defined({
    id: info.InstanceType ?? '',
    name: info.InstanceType ?? '',
    provider: 'ec2',
    vcpus: info.VCpuInfo?.DefaultVCpus ?? 0,
    memoryMb: info.MemoryInfo?.SizeInMiB ?? 0,
    diskGb: info.InstanceStorageInfo?.TotalSizeInGB,
    architecture: primaryArchitecture(info.ProcessorInfo?.SupportedArchitectures),
    extra: defined({
      supportedArchitectures: info.ProcessorInfo?.SupportedArchitectures,
      currentGeneration: info.CurrentGeneration,
      burstable: info.BurstablePerformanceSupported,
      networkPerformance: info.NetworkInfo?.NetworkPerformance,
      hypervisor: info.Hypervisor,
    }),
  })
}

export function regionLocation(region: Region): Location {
  return {
    id: region.RegionName ?? '',
    name: region.RegionName ?? '',
    provider: 'ec2',
    kind: 'region',
    extra: defined({endpoint: region.Endpoint || undefined, optInStatus: region.OptInStatus || undefined}),
  }
}

export function zoneLocation(zone: AvailabilityZone): Location {
  return {
    id: zone.ZoneName ?? '',
    name: zone.ZoneName ?? '',
    provider: 'ec2',
    kind: 'zone',
    region: zone.RegionName,
    extra: defined({zoneId: zone.ZoneId || undefined, state: zone.State || undefined, zoneType: zone.ZoneType || undefined}),
  }
}

export function toKeyPair(key: KeyPairInfo): KeyPair {
  return defined({
    name: key.KeyName ?? '',
    provider: 'ec2',
    fingerprint: key.KeyFingerprint?.trim() || undefined,
    publicKey: key.PublicKey || undefined,
    id: key.KeyPairId || undefined,
  })
}
