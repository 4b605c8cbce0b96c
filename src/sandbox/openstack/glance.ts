import {OPENSTACK, type NovaImage, stableHex} from '../catalog.js'
import {json, type SandboxRequest, type SandboxResponse} from '../http.js'
import {ADMIN_PROJECT} from './neutron.js'

/**
 * Glance (image v2) for the OpenStack cloud: the catalogue's images with Glance's fields, `limit` /
 * `marker` pagination answered with a `next` link, its filters (name, status, visibility, owner, tag,
 * os_hidden, the `in:` operator) and sorting (sort_key/sort_dir and `sort=key:dir`).
 */

type Body = Record<string, unknown>

export interface GlanceScope {
  /** Absolute URL of this region's image endpoint (no version). */
  base: string
}

const DEFAULT_LIMIT = 25
const MAX_LIMIT = 1000
const SORT_KEYS = new Set(['name', 'status', 'container_format', 'disk_format', 'size', 'id', 'created_at', 'updated_at', 'min_disk', 'min_ram', 'visibility', 'owner'])

/** Glance's errors as webob renders them for a JSON client. */
export function glanceError(status: number, title: string, message: string): SandboxResponse {
  return json(status, {code: `${status} ${title}`, title, message})
}

function imageJson(i: NovaImage): Body {
  const checksum = stableHex(`md5/${i.id}`, 32)
  return {
    id: i.id,
    name: i.name,
    status: 'active',
    visibility: 'public',
    protected: false,
    os_hidden: false,
    owner: ADMIN_PROJECT,
    checksum,
    os_hash_algo: 'sha512',
    os_hash_value: stableHex(`sha512/${i.id}`, 64) + stableHex(`sha512b/${i.id}`, 64),
    size: i.sizeBytes,
    virtual_size: i.sizeBytes * 5,
    min_disk: i.minDisk,
    min_ram: i.minRam,
    disk_format: 'qcow2',
    container_format: 'bare',
    created_at: i.created,
    updated_at: i.created,
    tags: [],
    self: `/v2/images/${i.id}`,
    file: `/v2/images/${i.id}/file`,
    schema: '/v2/schemas/image',
    // Image properties appear at the top level in Glance v2.
    ...i.metadata,
  }
}

/** `in:a,b` matches either; otherwise equality. */
function matches(value: unknown, wanted: string): boolean {
  const options = wanted.startsWith('in:') ? wanted.slice(3).split(',') : [wanted]
  return options.includes(String(value))
}

export class Glance {
  versions(scope: GlanceScope): SandboxResponse {
    const version = (id: string, status: string) => ({id, status, links: [{rel: 'self', href: `${scope.base}/v2/`}]})
    return json(300, {versions: [version('v2.16', 'CURRENT'), version('v2.15', 'SUPPORTED'), version('v2.9', 'SUPPORTED'), version('v2.0', 'SUPPORTED')]})
  }

  route(request: SandboxRequest, path: string): SandboxResponse {
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p))
    if (request.method !== 'GET') return glanceError(405, 'Method Not Allowed', 'The method is not allowed for this resource.')
    if (parts[0] === 'images' && parts.length === 1) return this.list(request)
    if (parts[0] === 'images' && parts.length === 2) {
      const image = OPENSTACK.images.find((i) => i.id === parts[1])
      return image ? json(200, imageJson(image)) : glanceError(404, 'Not Found', `No image found with ID ${parts[1]}`)
    }
    if (parts[0] === 'schemas' && (parts[1] === 'image' || parts[1] === 'images')) {
      return json(200, {name: parts[1], properties: {}, additionalProperties: {type: 'string'}, links: []})
    }
    return glanceError(404, 'Not Found', 'The resource could not be found.')
  }

  private list(request: SandboxRequest): SandboxResponse {
    const q = request.url.searchParams
    const rawLimit = q.get('limit')
    if (rawLimit !== null && !/^\d+$/.test(rawLimit)) return glanceError(400, 'Bad Request', 'limit param must be an integer')
    const limit = Math.min(rawLimit === null ? DEFAULT_LIMIT : Number(rawLimit), MAX_LIMIT)
    let sort: [string, number][] = []
    if (q.get('sort')) {
      for (const part of q.get('sort')!.split(',')) {
        const [key, dir = 'desc'] = part.split(':')
        if (!SORT_KEYS.has(key)) return glanceError(400, 'Bad Request', `Invalid sort key: ${key}. It must be one of the following: ${[...SORT_KEYS].join(', ')}.`)
        if (dir !== 'asc' && dir !== 'desc') return glanceError(400, 'Bad Request', `Invalid sort direction: ${dir}`)
        sort.push([key, dir === 'asc' ? 1 : -1])
      }
    } else {
      const keys = q.getAll('sort_key')
      const dirs = q.getAll('sort_dir')
      for (const [n, key] of keys.entries()) {
        if (!SORT_KEYS.has(key)) return glanceError(400, 'Bad Request', `Invalid sort key: ${key}. It must be one of the following: ${[...SORT_KEYS].join(', ')}.`)
        const dir = dirs[n] ?? dirs[0] ?? 'desc'
        if (dir !== 'asc' && dir !== 'desc') return glanceError(400, 'Bad Request', `Invalid sort direction: ${dir}`)
        sort.push([key, dir === 'asc' ? 1 : -1])
      }
    }
    if (sort.length === 0) sort = [['created_at', -1]]
    if (!sort.some(([k]) => k === 'id')) sort.push(['id', -1])
    const filters = [...q].filter(([k]) => !['limit', 'marker', 'sort', 'sort_key', 'sort_dir', 'member_status'].includes(k))
    const hidden = q.get('os_hidden') === 'true'
    let images = OPENSTACK.images
      .map((i) => imageJson(i))
      .filter((i) => i.os_hidden === hidden)
      .filter((i) =>
        filters.every(([key, value]) => {
          if (key === 'os_hidden') return true
          if (key === 'visibility' && value === 'all') return true
          if (key === 'tag') return (i.tags as string[]).includes(value)
          if (key === 'size_min') return Number(i.size) >= Number(value)
          if (key === 'size_max') return Number(i.size) <= Number(value)
          return matches(i[key], value)
        }),
      )
    images.sort((a, b) => {
      for (const [key, dir] of sort) {
        const x = a[key] as number | string
        const y = b[key] as number | string
        if (x < y) return -dir
        if (x > y) return dir
      }
      return 0
    })
    const marker = q.get('marker')
    if (marker !== null) {
      const at = images.findIndex((i) => i.id === marker)
      if (at === -1) return glanceError(400, 'Bad Request', `marker ${marker} could not be found.`)
      images = images.slice(at + 1)
    }
    const page = images.slice(0, limit)
    const body: Body = {images: page, first: `/v2/images${request.url.search}`, schema: '/v2/schemas/images'}
    if (images.length > limit && page.length > 0) {
      const next = new URLSearchParams(q)
      next.set('marker', String(page.at(-1)!.id))
      next.set('limit', String(limit))
      body.next = `/v2/images?${next.toString()}`
    }
    return json(200, body)
  }
}
