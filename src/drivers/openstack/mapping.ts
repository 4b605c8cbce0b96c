import {isIP} from 'node:net'

import type {Image, KeyPair, Node, NodeState, OpenStackNodeExtra, Size} from '../../core/model.js'
import {PROBE_READY_KEY, PROBE_READY_VALUE} from '../../core/probe-conventions.js'

/** The two flavours share Nova; only the provider name on the results differs. */
export type OpenStackFlavour = 'openstack' | 'rackspace'

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Nova sends ids as strings; old APIs (and the libcloud recordings) as integers. */
function idOf(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number') return String(value)
  return ''
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function optionalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value)
  return undefined
}

/**
 * Every Nova server status, mapped explicitly (compute API guide, "Server status"; Rackspace adds none
 * of its own). An unknown status is `unknown`, never an exception.
 */
const STATUS: Record<string, NodeState> = {
  ACTIVE: 'running',
  BUILD: 'pending',
  BUILDING: 'pending',
  REBUILD: 'pending',
  REBOOT: 'rebooting',
  HARD_REBOOT: 'rebooting',
  PASSWORD: 'running',
  RESIZE: 'pending',
  VERIFY_RESIZE: 'running',
  REVERT_RESIZE: 'pending',
  MIGRATING: 'running',
  RESCUE: 'pending',
  SHUTOFF: 'stopped',
  SUSPENDED: 'stopped',
  PAUSED: 'stopped',
  SHELVED: 'stopped',
  SHELVED_OFFLOADED: 'stopped',
  STOPPED: 'stopped',
  DELETED: 'terminated',
  SOFT_DELETED: 'terminated',
  ERROR: 'error',
  UNKNOWN: 'unknown',
}

/** Task states that say more than the status: an ACTIVE server being deleted is on its way out. */
const TASK_STATE: Record<string, NodeState> = {
  deleting: 'stopping',
  'soft-deleting': 'stopping',
  'powering-off': 'stopping',
  'powering-on': 'starting',
}

export function nodeState(status: unknown, taskState?: unknown): NodeState {
  const byTask = typeof taskState === 'string' ? TASK_STATE[taskState] : undefined
  if (byTask) return byTask
  return typeof status === 'string' ? (STATUS[status.toUpperCase()] ?? 'unknown') : 'unknown'
}

const PRIVATE_V4 = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./, /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./, /^169\.254\./, /^127\./]
const PRIVATE_V6 = [/^f[cd][0-9a-f]{2}:/i, /^fe[89ab][0-9a-f]:/i, /^fe[c-f][0-9a-f]:/i, /^::1$/]

function isPrivateIp(ip: string): boolean {
  return (isIP(ip) === 4 ? PRIVATE_V4 : PRIVATE_V6).some((re) => re.test(ip))
}

/**
 * Public or private, per address: a floating IP is public; the networks Rackspace (and many clouds)
 * call `public` and `private` (ServiceNet) mean what they say; any other network is judged by its range.
 */
export function splitAddresses(addresses: unknown, accessIps: unknown[]): {publicIps: string[]; privateIps: string[]} {
  const publicIps = new Set<string>()
  const privateIps = new Set<string>()
  if (isObject(addresses)) {
    for (const [network, entries] of Object.entries(addresses)) {
      if (!Array.isArray(entries)) continue
      for (const entry of entries) {
        if (!isObject(entry) || typeof entry.addr !== 'string' || isIP(entry.addr) === 0) continue
        const ip = entry.addr
        const label = network.toLowerCase()
        if (entry['OS-EXT-IPS:type'] === 'floating' || label === 'public') publicIps.add(ip)
        else if (label === 'private') privateIps.add(ip)
        else (isPrivateIp(ip) ? privateIps : publicIps).add(ip)
      }
    }
  }
  for (const ip of accessIps) {
    if (typeof ip === 'string' && isIP(ip) !== 0 && !privateIps.has(ip)) publicIps.add(ip)
  }
  return {publicIps: [...publicIps], privateIps: [...privateIps]}
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (isObject(value)) for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v)
  return out
}

export function serverToNode(server: Json, provider: OpenStackFlavour, region: string): Node {
  const metadata = stringMap(server.metadata)
  const flavor = isObject(server.flavor) ? server.flavor : {}
  const image = isObject(server.image) ? server.image : {}
  const accessIPv4 = optionalString(server.accessIPv4)
  const accessIPv6 = optionalString(server.accessIPv6)
  const extra: OpenStackNodeExtra = {
    tenantId: optionalString(server.tenant_id),
    userId: optionalString(server.user_id),
    hostId: optionalString(server.hostId),
    keyName: optionalString(server.key_name),
    metadata,
    accessIPv4,
    accessIPv6,
    taskState: optionalString(server['OS-EXT-STS:task_state']),
    powerState: optionalNumber(server['OS-EXT-STS:power_state']),
    flavorName: optionalString(flavor.original_name) ?? optionalString(flavor.name),
  }
  const created = optionalString(server.created)
  return {
    id: idOf(server.id),
    name: typeof server.name === 'string' ? server.name : '',
    provider,
    region,
    state: nodeState(server.status, server['OS-EXT-STS:task_state']),
    providerState: typeof server.status === 'string' ? server.status : '',
    ...splitAddresses(server.addresses, [accessIPv4, accessIPv6]),
    // A server booted from a volume has `image: ""`: no image id to report.
    image: idOf(image.id),
    size: idOf(flavor.id),
    createdAt: created && !Number.isNaN(Date.parse(created)) ? new Date(created).toISOString() : undefined,
    tags: {...metadata},
    extra: {openstack: Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as OpenStackNodeExtra},
  }
}

/** A fault's message, for the error when a server lands in ERROR. */
export function serverFault(server: Json): string | undefined {
  const fault = isObject(server.fault) ? server.fault : undefined
  if (!fault) return undefined
  const message = optionalString(fault.message)
  const details = optionalString(fault.details)
  return details && details !== message ? `${message ?? 'fault'}: ${details}` : message
}

export function flavorToSize(flavor: Json, provider: OpenStackFlavour): Size {
  const extraSpecs = flavor['OS-FLV-WITH-EXT-SPECS:extra_specs'] ?? flavor.extra_specs
  const extra = {
    swapMb: optionalNumber(flavor.swap),
    ephemeralGb: optionalNumber(flavor['OS-FLV-EXT-DATA:ephemeral']),
    rxtxFactor: optionalNumber(flavor.rxtx_factor),
    isPublic: typeof flavor['os-flavor-access:is_public'] === 'boolean' ? flavor['os-flavor-access:is_public'] : undefined,
    disabled: typeof flavor['OS-FLV-DISABLED:disabled'] === 'boolean' ? flavor['OS-FLV-DISABLED:disabled'] : undefined,
    extraSpecs: isObject(extraSpecs) ? stringMap(extraSpecs) : undefined,
  }
  return {
    id: idOf(flavor.id),
    name: typeof flavor.name === 'string' ? flavor.name : idOf(flavor.id),
    provider,
    vcpus: optionalNumber(flavor.vcpus) ?? 0,
    memoryMb: optionalNumber(flavor.ram) ?? 0,
    diskGb: optionalNumber(flavor.disk),
    extra: Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
  }
}

/** Image metadata keys that name the operating system: Glance's, then Rackspace's. */
const OS_KEYS = ['os_distro', 'org.openstack__1__os_distro', 'os_type', 'org.openstack__1__os_type']

export function imageToImage(image: Json, provider: OpenStackFlavour, region: string): Image {
  const metadata = stringMap(image.metadata)
  const osKey = OS_KEYS.find((k) => metadata[k])
  const created = optionalString(image.created)
  const imageType = metadata.image_type
  const extra = {
    status: optionalString(image.status),
    progress: optionalNumber(image.progress),
    serverId: isObject(image.server) ? idOf(image.server.id) : undefined,
    metadata,
  }
  return {
    id: idOf(image.id),
    name: typeof image.name === 'string' ? image.name : '',
    minDiskGb: optionalNumber(image.minDisk),
    minMemoryMb: optionalNumber(image.minRam),
    provider,
    region,
    os: osKey ? metadata[osKey] : undefined,
    architecture: metadata.architecture || undefined,
    owner: metadata.owner_id || metadata.owner || undefined,
    // Rackspace marks its own images `base` and customers' `snapshot`; elsewhere visibility is not in Nova's view.
    public: imageType === 'base' ? true : imageType === 'snapshot' ? false : undefined,
    createdAt: created && !Number.isNaN(Date.parse(created)) ? new Date(created).toISOString() : undefined,
    probeReady: metadata[PROBE_READY_KEY] === PROBE_READY_VALUE,
    extra: Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)),
  }
}

export function keypairToKeyPair(keypair: Json, provider: OpenStackFlavour): KeyPair {
  return {
    name: typeof keypair.name === 'string' ? keypair.name : '',
    provider,
    fingerprint: optionalString(keypair.fingerprint),
    publicKey: optionalString(keypair.public_key)?.trim(),
  }
}
