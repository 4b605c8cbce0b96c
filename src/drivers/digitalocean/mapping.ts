import {isIPv4} from 'node:net'

import {ProviderError} from '../../core/errors.js'
import type {Image, KeyPair, Location, Node, NodeState, Size} from '../../core/model.js'
import {PROBE_READY_KEY, PROBE_READY_VALUE} from '../../core/probe-conventions.js'
import type {DoDroplet, DoImage, DoRegion, DoSize, DoSshKey} from './api-types.js'

declare module '../../core/model.js' {
  interface NodeExtra {
    digitalocean?: DigitalOceanNodeExtra
  }
}

export interface DigitalOceanNodeExtra {
  /** The image's own name ("12 x64") and distribution, as a Droplet carries them. */
  imageName?: string
  distribution?: string
  vcpus?: number
  memoryMb?: number
  diskGb?: number
  locked?: boolean
  vpcUuid?: string
  features: string[]
}

/** Every Droplet status in the spec; anything else becomes `unknown` and never fails a listing. */
const STATES = new Map<string, NodeState>([
  ['new', 'pending'],
  ['active', 'running'],
  ['off', 'stopped'],
  // Powered off and moved to cold storage: it will not come back by itself.
  ['archive', 'stopped'],
])

export function nodeState(status: string | undefined): NodeState {
  return (status && STATES.get(status)) || 'unknown'
}

/**
 * DigitalOcean tags are single words (letters, digits, "_", "-", ":"): mc's {key: value} tags travel as
 * "key:value", a bare tag as itself. The first ":" splits.
 */
export function parseTags(tags: readonly string[] | null | undefined): Record<string, string> {
  return Object.fromEntries(
    (tags ?? []).map((tag) => {
      const colon = tag.indexOf(':')
      return colon > 0 ? [tag.slice(0, colon), tag.slice(colon + 1)] : [tag, '']
    }),
  )
}

export function formatTags(tags: Readonly<Record<string, string>>): string[] {
  return Object.entries(tags).map(([key, value]) => (value === '' ? key : `${key}:${value}`))
}

/** An image's id as mc writes it: its slug when it has one (public distributions), else its number. */
export function imageId(image: DoImage | undefined): string {
  return image?.slug || (image?.id === undefined ? '' : String(image.id))
}

export function toNode(droplet: DoDroplet): Node {
  if (typeof droplet.id !== 'number') throw new ProviderError('DigitalOcean returned a Droplet without a numeric id')
  const v4 = droplet.networks?.v4 ?? []
  const v6 = droplet.networks?.v6 ?? []
  const addresses = (type: string) => v4.filter((n) => n.type === type && n.ip_address && isIPv4(n.ip_address)).map((n) => n.ip_address!)
  const status = droplet.status as string | undefined
  return {
    id: String(droplet.id),
    name: droplet.name ?? '',
    provider: 'digitalocean',
    region: droplet.region?.slug ?? '',
    state: nodeState(status),
    providerState: status ?? '',
    publicIps: [...addresses('public'), ...v6.flatMap((n) => (n.ip_address ? [n.ip_address] : []))],
    privateIps: addresses('private'),
    image: imageId(droplet.image),
    size: droplet.size_slug ?? droplet.size?.slug ?? '',
    createdAt: droplet.created_at,
    tags: parseTags(droplet.tags),
    extra: {
      digitalocean: {
        imageName: droplet.image?.name,
        distribution: droplet.image?.distribution,
        vcpus: droplet.vcpus,
        memoryMb: droplet.memory,
        diskGb: droplet.disk,
        locked: droplet.locked,
        vpcUuid: droplet.vpc_uuid,
        features: droplet.features ?? [],
      },
    },
  }
}

export function toSize(size: DoSize): Size {
  return {
    id: size.slug ?? '',
    name: size.description ? `${size.slug} (${size.description})` : (size.slug ?? ''),
    provider: 'digitalocean',
    vcpus: size.vcpus ?? 0,
    memoryMb: size.memory ?? 0,
    diskGb: size.disk,
    priceHourly: size.price_hourly,
    extra: {priceMonthly: size.price_monthly, transferTb: size.transfer, regions: size.regions ?? [], available: size.available},
  }
}

export function toImage(image: DoImage): Image {
  const tags = parseTags(image.tags)
  return {
    id: imageId(image),
    name: image.distribution && image.name && !image.name.startsWith(image.distribution) ? `${image.distribution} ${image.name}` : (image.name ?? imageId(image)),
    provider: 'digitalocean',
    os: image.distribution,
    public: image.public,
    createdAt: image.created_at,
    probeReady: tags[PROBE_READY_KEY] === PROBE_READY_VALUE,
    minDiskGb: image.min_disk_size ?? undefined,
    extra: {
      numericId: image.id,
      type: image.type,
      status: image.status,
      regions: image.regions ?? [],
      sizeGb: image.size_gigabytes ?? undefined,
      description: image.description,
      tags,
    },
  }
}

export function toLocation(region: DoRegion): Location {
  return {
    id: region.slug ?? '',
    name: region.name ?? region.slug ?? '',
    provider: 'digitalocean',
    kind: 'region',
    extra: {available: region.available, features: region.features ?? []},
  }
}

export function toKeyPair(key: DoSshKey): KeyPair {
  return {
    name: key.name ?? String(key.id ?? ''),
    provider: 'digitalocean',
    id: key.id === undefined ? undefined : String(key.id),
    publicKey: key.public_key,
    fingerprint: key.fingerprint,
  }
}
