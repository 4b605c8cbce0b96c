import {createHash} from 'node:crypto'
import {isIPv4} from 'node:net'

import {ProviderError} from '../../core/errors.js'
import type {Image, KeyPair, Location, Node, NodeState, Size} from '../../core/model.js'
import {PROBE_READY_KEY, PROBE_READY_VALUE} from '../../core/probe-conventions.js'
import type {LinodeImage, LinodeInstance, LinodeRegion, LinodeSshKey, LinodeType} from './api-types.js'

/**
 * Every status in the spec's enum, plus `resizing`, which the live API reports but the spec omits.
 * Anything else becomes `unknown`: Linode adds statuses, and a listing must not fail on one.
 */
const STATES = new Map<string, NodeState>([
  ['provisioning', 'pending'],
  ['booting', 'starting'],
  ['running', 'running'],
  ['rebooting', 'rebooting'],
  ['shutting_down', 'stopping'],
  ['offline', 'stopped'],
  ['stopped', 'stopped'],
  // Busy with a disk or host operation: on its way to another state, like EC2's pending.
  ['busy', 'pending'],
  ['migrating', 'pending'],
  ['rebuilding', 'pending'],
  ['cloning', 'pending'],
  ['restoring', 'pending'],
  ['resizing', 'pending'],
  // Being deleted: it will not come back.
  ['deleting', 'terminated'],
  // Powered off by Linode over an unpaid bill: needs a person, not a retry.
  ['billing_suspension', 'error'],
])

export function nodeState(status: string | undefined): NodeState {
  return (status && STATES.get(status)) || 'unknown'
}

/** Linode tags are plain strings: "key=value" becomes tags[key] = value, a bare "foo" tags.foo = ''. */
export function parseTags(tags: readonly string[] | undefined): Record<string, string> {
  // fromEntries makes own properties even for a tag named "__proto__".
  return Object.fromEntries(
    (tags ?? []).map((tag) => {
      const eq = tag.indexOf('=')
      return eq > 0 ? [tag.slice(0, eq), tag.slice(eq + 1)] : [tag, '']
    }),
  )
}

/** The inverse of parseTags: an empty value is written as a bare tag. */
export function formatTags(tags: Readonly<Record<string, string>>): string[] {
  return Object.entries(tags).map(([key, value]) => (value === '' ? key : `${key}=${value}`))
}

const PRIVATE_V4 = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./]

/** Linode lists public and private (192.168.128.0/17) IPv4 addresses in one array. */
function isPrivateIpv4(ip: string): boolean {
  return PRIVATE_V4.some((re) => re.test(ip))
}

/** Linode timestamps are UTC without a zone ("2018-01-01T00:01:01"); Date.parse would read them as local time. */
export function linodeTime(value: string | null | undefined): string | undefined {
  if (!value) return undefined
  const zoned = /(?:Z|[+-]\d\d:?\d\d)$/i.test(value) ? value : `${value}Z`
  const ms = Date.parse(zoned)
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString()
}

export function toNode(instance: LinodeInstance): Node {
  if (typeof instance.id !== 'number') throw new ProviderError('Linode returned an instance without a numeric id')
  const ipv4 = (instance.ipv4 ?? []).filter((ip) => isIPv4(ip))
  const status = instance.status as string | undefined
  // The SLAAC address, without the prefix length Linode appends. Public like every driver's IPv6.
  const ipv6 = instance.ipv6?.split('/')[0] || undefined
  return {
    id: String(instance.id),
    name: instance.label ?? '',
    provider: 'linode',
    region: instance.region ?? '',
    state: nodeState(status),
    providerState: status ?? '',
    publicIps: [...ipv4.filter((ip) => !isPrivateIpv4(ip)), ...(ipv6 ? [ipv6] : [])],
    privateIps: ipv4.filter((ip) => isPrivateIpv4(ip)),
    image: instance.image ?? '',
    size: instance.type ?? '',
    createdAt: linodeTime(instance.created),
    tags: parseTags(instance.tags),
    extra: {
      linode: {
        label: instance.label ?? '',
        group: instance.group || undefined,
        hypervisor: instance.hypervisor,
        ipv6,
        vcpus: instance.specs?.vcpus,
        memoryMb: instance.specs?.memory,
        diskMb: instance.specs?.disk,
      },
    },
  }
}

export function toSize(type: LinodeType): Size {
  return {
    id: type.id ?? '',
    name: type.label ?? type.id ?? '',
    provider: 'linode',
    vcpus: type.vcpus ?? 0,
    memoryMb: type.memory ?? 0,
    // Linode reports disk in MB.
    diskGb: type.disk === undefined ? undefined : type.disk / 1024,
    priceHourly: type.price?.hourly ?? undefined,
    extra: {
      class: type.class,
      gpus: type.gpus,
      transferGb: type.transfer,
      networkOutMbps: type.network_out,
      priceMonthly: type.price?.monthly ?? undefined,
      successor: type.successor ?? undefined,
      regionPrices: type.region_prices?.map((p) => ({region: p.id, hourly: p.hourly, monthly: p.monthly})),
    },
  }
}

export function toImage(image: LinodeImage): Image {
  const tags = parseTags(image.tags)
  return {
    id: image.id ?? '',
    name: image.label ?? image.id ?? '',
    provider: 'linode',
    os: image.vendor ?? undefined,
    owner: image.created_by,
    public: image.is_public,
    createdAt: linodeTime(image.created),
    probeReady: tags[PROBE_READY_KEY] === PROBE_READY_VALUE,
    extra: {
      tags,
      type: image.type,
      status: image.status,
      deprecated: image.deprecated,
      eol: linodeTime(image.eol),
      sizeMb: image.size,
      description: image.description ?? undefined,
      capabilities: image.capabilities,
    },
  }
}

export function toLocation(region: LinodeRegion): Location {
  return {
    id: region.id ?? '',
    name: region.label ?? region.id ?? '',
    provider: 'linode',
    kind: 'region',
    country: region.country?.toUpperCase(),
    extra: {status: region.status, siteType: region['site-type'], capabilities: region.capabilities},
  }
}

/** OpenSSH's SHA256 fingerprint of a public key line, when the line holds a well-formed key blob. */
export function sshFingerprint(publicKey: string | undefined): string | undefined {
  const [type, data] = publicKey?.trim().split(/\s+/) ?? []
  if (!type || !data || !/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined
  const blob = Buffer.from(data, 'base64')
  // A key blob starts with its own type as a length-prefixed string.
  if (blob.length < 4 || blob.subarray(4, 4 + blob.readUInt32BE(0)).toString('latin1') !== type) return undefined
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

export function toKeyPair(key: LinodeSshKey): KeyPair {
  return {
    name: key.label || String(key.id ?? ''),
    provider: 'linode',
    id: key.id === undefined ? undefined : String(key.id),
    publicKey: key.ssh_key,
    fingerprint: sshFingerprint(key.ssh_key),
  }
}
