import {randomUUID} from 'node:crypto'

import {type ApiHandler, empty, header, isoSeconds, json, parseJsonBody, type SandboxRequest, type SandboxResponse} from '../http.js'
import {md5Fingerprint, parsePublicKey} from '../keys.js'
import {schedule} from '../lifecycle.js'
import {bodyViolation} from '../specs.js'
import type {KeyPairRecord, NodeRecord} from '../types.js'
import {privateAddress, type World} from '../world.js'
import {DO_IMAGES, DO_REGIONS, DO_SIZES, type DoImageSeed, doImage, type DoRegionSeed, type DoSizeSeed, PROBE_READY_TAG} from './catalog.js'
import {dropletIpv6, vpcUuid} from './emulator.js'

type Body = Record<string, unknown>

const SPEC = 'digitalocean-public.v2'
/** The hourly request budget DigitalOcean gives a token, sent on every answer. */
const HOURLY_LIMIT = 5000
/** How the real API writes its pagination links: absolute, on its own host. */
const API_ORIGIN = 'https://api.digitalocean.com'
const NAME = /^[a-zA-Z0-9]?[a-z0-9A-Z.-]*[a-z0-9A-Z]$/
const TAG = /^[\w:-]{1,255}$/

function problem(status: number, id: string, message: string, headers: Record<string, string> = {}): SandboxResponse {
  return json(status, {id, message, request_id: randomUUID()}, headers)
}

const notFound = () => problem(404, 'not_found', 'The resource you were accessing could not be found.')
const unprocessable = (message: string) => problem(422, 'unprocessable_entity', message)

function obj(value: unknown): Body | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined
}

/** DigitalOcean tags are strings; the sandbox keeps them as mc's {key: value} (split at the first ":"). */
function tagMap(tags: readonly string[]): Record<string, string> {
  return Object.fromEntries(tags.map((t) => (t.indexOf(':') > 0 ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, ''])))
}

function tagList(tags: Readonly<Record<string, string>>): string[] {
  return Object.entries(tags).map(([k, v]) => (v === '' ? k : `${k}:${v}`))
}

function regionJson(r: DoRegionSeed): Body {
  return {slug: r.slug, name: r.name, sizes: DO_SIZES.map((s) => s.slug), available: true, features: ['backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer']}
}

function sizeJson(s: DoSizeSeed): Body {
  return {
    slug: s.slug,
    memory: s.memory,
    vcpus: s.vcpus,
    disk: s.disk,
    transfer: s.transfer,
    price_monthly: s.priceMonthly,
    price_hourly: s.priceHourly,
    regions: DO_REGIONS.map((r) => r.slug),
    available: true,
    description: s.description,
    disk_info: [{type: 'local', size: {amount: s.disk, unit: 'gib'}}],
  }
}

function imageJson(i: DoImageSeed): Body {
  return {
    id: i.id,
    name: i.name,
    type: i.type,
    distribution: i.distribution,
    slug: i.slug,
    public: i.public,
    regions: DO_REGIONS.map((r) => r.slug),
    created_at: i.created,
    min_disk_size: i.minDisk,
    size_gigabytes: i.sizeGb,
    description: i.description,
    tags: [PROBE_READY_TAG],
    status: 'available',
  }
}

/**
 * DigitalOcean API v2: Droplets (with tags, user data and actions), sizes, images, regions, account SSH
 * keys and firewalls; page/per_page pagination with `links.pages` and `meta.total`; RateLimit-* headers on
 * every answer; Bearer tokens; `{"id", "message"}` errors. Every request body is checked against
 * DigitalOcean's OpenAPI description (specs/digitalocean-public.v2.yaml) first.
 */
export class DigitalOceanApi implements ApiHandler {
  readonly cloud = 'digitalocean' as const
  private used = 0

  constructor(private readonly world: World) {}

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const token = header(request, 'authorization')?.replace(/^Bearer\s+/i, '')
    if (token !== this.world.credentials.digitalocean.token) return this.withBudget(problem(401, 'Unauthorized', 'Unable to authenticate you'))
    const body = parseJsonBody(request.body)
    if ((request.method === 'POST' || request.method === 'PUT') && request.body.trim() !== '') {
      if (body === undefined) return this.withBudget(problem(400, 'bad_request', 'The request body is not valid JSON.'))
      const violation = await bodyViolation({
        spec: SPEC,
        path: request.path,
        method: request.method,
        body,
        // POST /v2/droplets is one Droplet ("name") or several ("names").
        variant: (variants, b) => (obj(b)?.names === undefined ? variants[0]?.ref : variants[1]?.ref),
      })
      if (violation) {
        const field = [...violation.path, violation.missing ?? violation.unexpected].filter(Boolean).join('.')
        return this.withBudget(unprocessable(`${field ? `${field}: ` : ''}${violation.missing === undefined ? violation.message : 'is required'}`))
      }
    }
    return this.withBudget(await this.route(request, body))
  }

  warm(): void {
    this.droplets()
  }

  throttled(): SandboxResponse {
    const reset = Math.ceil(this.world.now() / 1000) + 1
    return problem(429, 'too_many_requests', 'API Rate limit exceeded.', {'ratelimit-limit': String(HOURLY_LIMIT), 'ratelimit-remaining': '0', 'ratelimit-reset': String(reset)})
  }

  unavailable(): SandboxResponse {
    return problem(500, 'server_error', 'Server was unable to give you a response.')
  }

  private withBudget(response: SandboxResponse): SandboxResponse {
    this.used = Math.min(this.used + 1, HOURLY_LIMIT)
    const reset = Math.ceil(this.world.now() / 3_600_000) * 3600
    return {
      ...response,
      headers: {...response.headers, 'ratelimit-limit': String(HOURLY_LIMIT), 'ratelimit-remaining': String(HOURLY_LIMIT - this.used), 'ratelimit-reset': String(reset)},
    }
  }

  private async route(request: SandboxRequest, body: unknown): Promise<SandboxResponse> {
    const m = request.method
    const parts = request.path.split('/').filter(Boolean).slice(1)
    const [collection, id, sub] = parts
    switch (collection) {
      case 'account': {
        if (id === undefined && m === 'GET') return json(200, {account: this.account()})
        if (id === 'keys') return this.keys(request, parts[2], body)
        break
      }
      case 'droplets': {
        if (id === undefined) {
          if (m === 'GET') return this.page(request, 'droplets', this.droplets(request.url.searchParams.get('tag_name') ?? undefined))
          if (m === 'POST') return this.createDroplet(obj(body) ?? {})
          break
        }
        const node = /^\d+$/.test(id) ? this.world.getNode('digitalocean', id) : undefined
        if (!node) return notFound()
        if (sub === undefined && m === 'GET') return json(200, {droplet: this.dropletJson(node)})
        if (sub === undefined && m === 'DELETE') {
          await this.world.removeNode('digitalocean', node.id)
          return empty(204)
        }
        if (sub === 'actions' && m === 'POST') return this.action(node, obj(body) ?? {})
        break
      }
      case 'sizes': {
        if (id === undefined && m === 'GET')
          return this.page(
            request,
            'sizes',
            DO_SIZES.map((s) => sizeJson(s)),
          )
        break
      }
      case 'regions': {
        if (id === undefined && m === 'GET')
          return this.page(
            request,
            'regions',
            DO_REGIONS.map((r) => regionJson(r)),
          )
        break
      }
      case 'images': {
        if (m !== 'GET') break
        if (id !== undefined) {
          const image = doImage(id)
          return image ? json(200, {image: imageJson(image)}) : notFound()
        }
        const q = request.url.searchParams
        const type = q.get('type')
        const own = q.get('private') === 'true'
        const images = DO_IMAGES.filter((i) => (!own || !i.public) && (!type || (type === 'distribution' ? i.type === 'base' : i.type === type)))
        return this.page(
          request,
          'images',
          images.map((i) => imageJson(i)),
        )
      }
      case 'firewalls': {
        return this.firewalls(request, id, sub, body)
      }
    }
    return problem(
      m === 'GET' ? 404 : 405,
      m === 'GET' ? 'not_found' : 'method_not_allowed',
      m === 'GET' ? 'The resource you were accessing could not be found.' : 'Method Not Allowed',
    )
  }

  /** page (from 1) and per_page (1..200, default 20), with DigitalOcean's links and meta. */
  private page(request: SandboxRequest, key: string, items: Body[]): SandboxResponse {
    const q = request.url.searchParams
    const page = Number(q.get('page') ?? '1')
    const perPage = Number(q.get('per_page') ?? '20')
    if (!Number.isInteger(page) || page < 1) return unprocessable('page must be a positive integer')
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200) return unprocessable('per_page must be between 1 and 200')
    const last = Math.max(1, Math.ceil(items.length / perPage))
    const link = (n: number) => {
      const url = new URL(`${API_ORIGIN}${request.path}`)
      for (const [k, v] of q) if (k !== 'page') url.searchParams.set(k, v)
      url.searchParams.set('page', String(n))
      return url.href
    }
    const pages: Record<string, string> = {}
    if (page > 1) Object.assign(pages, {first: link(1), prev: link(page - 1)})
    if (page < last) Object.assign(pages, {next: link(page + 1), last: link(last)})
    return json(200, {[key]: items.slice((page - 1) * perPage, page * perPage), links: {pages}, meta: {total: items.length}})
  }

  private account(): Body {
    return {
      droplet_limit: 25,
      floating_ip_limit: 3,
      volume_limit: 100,
      email: 'sandbox@example.invalid',
      email_verified: true,
      uuid: vpcUuid('account'),
      status: 'active',
      status_message: '',
      team: {uuid: vpcUuid('team'), name: 'mc sandbox'},
    }
  }

  // ------------------------------------------------------------ Droplets

  private droplets(tagName?: string): Body[] {
    return this.world
      .listNodes('digitalocean')
      .filter((e) => tagName === undefined || tagList(e.node.tags).includes(tagName))
      .map((e) => this.dropletJson(e.node))
  }

  private readonly rendered = new WeakMap<NodeRecord, Body>()

  private dropletJson(n: NodeRecord): Body {
    let body = this.rendered.get(n)
    if (body === undefined) {
      body = this.renderDroplet(n)
      this.rendered.set(n, body)
    }
    return body
  }

  private renderDroplet(n: NodeRecord): Body {
    const size = DO_SIZES.find((s) => s.slug === n.size)!
    const image = doImage(n.image)
    const region = DO_REGIONS.find((r) => r.slug === n.region)!
    const v4 = [{ip_address: n.publicIp, netmask: '255.0.0.0', gateway: '127.0.0.1', type: 'public'}]
    if (n.privateIp) v4.push({ip_address: n.privateIp, netmask: '255.255.0.0', gateway: '0.0.0.0', type: 'private'})
    return {
      id: Number(n.id),
      name: n.name,
      memory: size.memory,
      vcpus: size.vcpus,
      disk: size.disk,
      locked: false,
      status: n.status,
      kernel: null,
      created_at: isoSeconds(n.createdAt),
      features: ['droplet_agent', ...(n.ipv6 ? ['ipv6'] : []), ...(n.privateIp ? ['private_networking'] : [])],
      backup_ids: [],
      next_backup_window: null,
      snapshot_ids: [],
      image: image ? imageJson(image) : {},
      volume_ids: [],
      size: sizeJson(size),
      size_slug: n.size,
      networks: {v4, v6: n.ipv6 ? [{ip_address: n.ipv6, netmask: 64, gateway: '2604:a880:800:10::1', type: 'public'}] : []},
      region: regionJson(region),
      tags: tagList(n.tags),
      vpc_uuid: n.digitalocean?.vpcUuid,
    }
  }

  private async createDroplet(body: Body): Promise<SandboxResponse> {
    if (body.names !== undefined) return unprocessable('The sandbox creates one Droplet per request: send "name".')
    const {name, region = 'nyc3', size} = body
    if (typeof name !== 'string' || !NAME.test(name)) return unprocessable('Name is invalid. Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)')
    if (typeof region !== 'string' || !DO_REGIONS.some((r) => r.slug === region)) return unprocessable('Region is not available')
    if (typeof size !== 'string' || !DO_SIZES.some((s) => s.slug === size)) return unprocessable('Size is not available in this region.')
    const image = doImage(body.image as number | string)
    if (!image) return unprocessable('You specified an invalid image for Droplet creation.')
    const tags = (body.tags ?? []) as string[]
    if (tags.some((t) => !TAG.test(t))) return unprocessable('Tag names may only contain letters, numbers, colons, dashes and underscores, at most 255 characters.')
    const keys = this.world.store.list<KeyPairRecord>('digitalocean', 'keypair').map((e) => e.value)
    const authorizedKeys: string[] = []
    for (const ref of (body.ssh_keys ?? []) as (number | string)[]) {
      const key = keys.find((k) => k.id === String(ref) || k.fingerprint === String(ref))
      if (!key) return unprocessable(`ssh_keys ${String(ref)} is not a key of this account.`)
      authorizedKeys.push(key.publicKey)
    }
    const id = this.world.store.nextCounter('digitalocean.id', 410_000_000)
    const now = this.world.now()
    const record: NodeRecord = schedule(
      {
        cloud: 'digitalocean',
        id: String(id),
        region,
        name,
        image: image.slug ?? String(image.id),
        size,
        status: 'new',
        transitions: [],
        createdAt: now,
        updatedAt: now,
        tags: tagMap(tags),
        authorizedKeys,
        publicIp: '127.0.0.1',
        privateIp: privateAddress('10.108', id % 60_000),
        ipv6: body.ipv6 === true ? dropletIpv6(String(id)) : undefined,
        digitalocean: {vpcUuid: vpcUuid(region), userData: typeof body.user_data === 'string' ? body.user_data : undefined},
      },
      now,
      [['active', this.world.settings.bootDelayMs]],
    )
    const launched = await this.world.launchNode(record)
    return json(202, {droplet: this.dropletJson(launched), links: {actions: [{id: this.actionId(), rel: 'create', href: `${API_ORIGIN}/v2/actions/${this.actionId()}`}]}})
  }

  private actionId(): number {
    return this.world.store.nextCounter('digitalocean.action', 2_000_000_000)
  }

  /** Power actions: a reboot keeps the Droplet "active", as on DigitalOcean; off and on take a boot delay. */
  private action(node: NodeRecord, body: Body): SandboxResponse {
    const type = body.type as string
    const now = this.world.now()
    const delay = this.world.settings.bootDelayMs
    if (node.status === 'new') return unprocessable('Droplet is currently being created; try again when it is active.')
    switch (type) {
      case 'reboot':
      case 'power_cycle': {
        if (node.status !== 'active') return unprocessable('Droplet is off: power it on instead.')
        break
      }
      case 'power_off':
      case 'shutdown': {
        if (node.status === 'active') this.world.saveNode(schedule(node, now, [['off', Math.round(delay / 2)]]))
        break
      }
      case 'power_on': {
        if (node.status === 'off') this.world.saveNode(schedule(node, now, [['active', delay]]))
        break
      }
      default: {
        return unprocessable(`The sandbox does not emulate the "${type}" action.`)
      }
    }
    const started = isoSeconds(now)
    return json(201, {
      action: {
        id: this.actionId(),
        status: 'in-progress',
        type,
        started_at: started,
        completed_at: null,
        resource_id: Number(node.id),
        resource_type: 'droplet',
        region: regionJson(DO_REGIONS.find((r) => r.slug === node.region)!),
        region_slug: node.region,
      },
    })
  }

  // ------------------------------------------------------------ SSH keys

  private storedKeys(): KeyPairRecord[] {
    return this.world.store.list<KeyPairRecord>('digitalocean', 'keypair').map((e) => e.value)
  }

  /** Firewalls are kept as DigitalOcean's own JSON, under the store's security-group kind. */
  private storedFirewalls(): Body[] {
    return this.world.store.list<Body>('digitalocean', 'secgroup').map((e) => e.value)
  }

  private keyJson(k: KeyPairRecord): Body {
    return {id: Number(k.id), fingerprint: k.fingerprint, public_key: k.publicKey, name: k.name}
  }

  private keys(request: SandboxRequest, ref: string | undefined, raw: unknown): SandboxResponse {
    const m = request.method
    if (ref === undefined) {
      if (m === 'GET')
        return this.page(
          request,
          'ssh_keys',
          this.storedKeys().map((k) => this.keyJson(k)),
        )
      if (m !== 'POST') return problem(405, 'method_not_allowed', 'Method Not Allowed')
      const body = obj(raw) ?? {}
      const parsed = typeof body.public_key === 'string' ? parsePublicKey(body.public_key) : undefined
      if (!parsed) return unprocessable('Key invalid, key should be of the format `type key [comment]`')
      const fingerprint = md5Fingerprint(parsed)
      if (this.storedKeys().some((k) => k.fingerprint === fingerprint)) return unprocessable('SSH Key is already in use on your account')
      const record: KeyPairRecord = {
        name: String(body.name),
        publicKey: (body.public_key as string).trim(),
        fingerprint,
        type: parsed.kind,
        createdAt: this.world.now(),
        id: String(this.world.store.nextCounter('digitalocean.sshkey', 41_000_001)),
      }
      this.world.store.insert('digitalocean', 'keypair', record.id, '', record)
      return json(201, {ssh_key: this.keyJson(record)})
    }
    const key = this.storedKeys().find((k) => k.id === ref || k.fingerprint === ref)
    if (!key) return notFound()
    if (m === 'GET') return json(200, {ssh_key: this.keyJson(key)})
    if (m === 'DELETE') {
      this.world.store.remove('digitalocean', 'keypair', key.id)
      return empty(204)
    }
    return problem(405, 'method_not_allowed', 'Method Not Allowed')
  }

  // ------------------------------------------------------------ firewalls

  private firewalls(request: SandboxRequest, id: string | undefined, sub: string | undefined, raw: unknown): SandboxResponse {
    const m = request.method
    if (id === undefined) {
      if (m === 'GET') return this.page(request, 'firewalls', this.storedFirewalls())
      if (m !== 'POST') return problem(405, 'method_not_allowed', 'Method Not Allowed')
      const body = obj(raw) ?? {}
      if (this.storedFirewalls().some((f) => f.name === body.name)) return unprocessable('A firewall with this name already exists.')
      const firewall: Body = {
        id: randomUUID(),
        name: body.name,
        status: 'succeeded',
        created_at: isoSeconds(this.world.now()),
        pending_changes: [],
        inbound_rules: body.inbound_rules ?? [],
        outbound_rules: body.outbound_rules ?? [],
        droplet_ids: body.droplet_ids ?? [],
        tags: body.tags ?? [],
      }
      this.world.store.insert('digitalocean', 'secgroup', firewall.id as string, '', firewall)
      return json(202, {firewall})
    }
    const firewall = this.storedFirewalls().find((f) => f.id === id)
    if (!firewall) return notFound()
    if (sub === undefined && m === 'GET') return json(200, {firewall})
    if (sub === undefined && m === 'DELETE') {
      this.world.store.remove('digitalocean', 'secgroup', id)
      return empty(204)
    }
    if (sub === 'droplets' && m === 'POST') {
      const ids = (obj(raw)?.droplet_ids ?? []) as number[]
      const missing = ids.find((d) => !this.world.getNode('digitalocean', String(d)))
      if (missing !== undefined) return unprocessable(`Droplet ${missing} was not found.`)
      const current = (firewall.droplet_ids ?? []) as number[]
      this.world.store.update('digitalocean', 'secgroup', id, '', {...firewall, droplet_ids: [...new Set([...current, ...ids])]})
      return empty(204)
    }
    return problem(405, 'method_not_allowed', 'Method Not Allowed')
  }
}
