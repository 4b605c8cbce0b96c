import {randomBytes, randomUUID} from 'node:crypto'

import {type NovaCloud, type NovaFlavor, type NovaImage, stableHex} from '../catalog.js'
import {empty, json, parseJsonBody, type SandboxRequest, type SandboxResponse} from '../http.js'
import {generateRsaKeyPair, md5Fingerprint, parsePublicKey} from '../keys.js'
import {schedule} from '../lifecycle.js'
import {bodyViolation, type Violation} from '../specs.js'
import type {KeyPairRecord, NodeRecord} from '../types.js'
import {privateAddress, type World} from '../world.js'
import {NOVA_MAX_VERSION} from './microversion.js'
import type {Neutron} from './neutron.js'

/** Where a Nova request lands: region, project and the URL prefix links are built from. */
export interface NovaScope {
  region: string
  tenantId: string
  userId: string
  /** Absolute URL of this region's compute endpoint, e.g. http://127.0.0.1:8774/compute/regionone/v2.1 */
  base: string
  /** The same without the version segment, for "bookmark" links. */
  bookmarkBase: string
  /** The negotiated microversion's minor number (2.x); Rackspace speaks 2.1 only. */
  microversion: number
}

type Body = Record<string, unknown>

/** Nova's error bodies: {"<kind>": {"code": N, "message": "..."}}. */
export function novaError(status: number, message: string): SandboxResponse {
  const kinds: Record<number, string> = {
    400: 'badRequest',
    401: 'unauthorized',
    403: 'forbidden',
    404: 'itemNotFound',
    405: 'badMethod',
    409: 'conflictingRequest',
    413: 'overLimit',
    415: 'badMediaType',
    429: 'overLimit',
    501: 'notImplemented',
    503: 'serviceUnavailable',
  }
  return json(status, {[kinds[status] ?? 'computeFault']: {code: status, message}})
}

/** What each internal status shows as (status, vm_state, task_state, power_state). */
const SHOWN: Record<string, [string, string, string | null, number]> = {
  BUILD: ['BUILD', 'building', 'spawning', 0],
  ACTIVE: ['ACTIVE', 'active', null, 1],
  REBOOT: ['REBOOT', 'active', 'reboot_started', 1],
  HARD_REBOOT: ['HARD_REBOOT', 'active', 'reboot_started_hard', 1],
  POWERING_OFF: ['ACTIVE', 'active', 'powering-off', 1],
  SHUTOFF: ['SHUTOFF', 'stopped', null, 4],
  POWERING_ON: ['SHUTOFF', 'stopped', 'powering-on', 4],
}

const MAX_LIMIT = 1000

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Nova's answer to a body its schema refuses (nova/api/validation/validators.py): the field, its value, jsonschema's words. */
function novaInvalid(v: Violation): SandboxResponse {
  const field = v.path.at(-1)
  return novaError(400, field === undefined ? v.message : `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v.value)}. ${v.message}`)
}

/**
 * Action schemas the generated spec gets wrong, left unchecked: it types addSecurityGroup and
 * removeSecurityGroup as null, where Nova (and the openstack CLI) use {"name": "<group>"}.
 */
const SPEC_GAP_ACTIONS = new Set(['#/components/schemas/ServersActionAddsecuritygroupRequest', '#/components/schemas/ServersActionRemovesecuritygroupRequest'])

/** The server action schema for the body's single key (`reboot`, `os-start`...), as Nova dispatches it. */
function actionVariant(variants: {ref: string; schema: Body}[], body: unknown): string | undefined {
  const keys = Object.keys(obj(body) ?? {})
  if (keys.length !== 1) return undefined
  const [action] = keys
  for (const {ref, schema} of variants) {
    const marked = obj(schema['x-openstack'])?.['action-name']
    const properties = Object.keys(obj(schema.properties) ?? {})
    if (marked === action || (marked === undefined && properties.length === 1 && properties[0] === action)) return SPEC_GAP_ACTIONS.has(ref) ? undefined : ref
  }
  return undefined
}

function obj(value: unknown): Body | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined
}

/**
 * The Nova compute API as version 2.1 (and Rackspace's v2, the same calls): servers with
 * limit/marker pagination and servers_links, actions, metadata, flavors, the image proxy and
 * keypairs, with Nova's error bodies.
 */
export class Nova {
  constructor(
    private readonly world: World,
    private readonly cloud: 'rackspace' | 'openstack',
    private readonly catalog: NovaCloud,
    /** The OpenStack cloud's security groups live in Neutron; Rackspace has none. */
    private readonly neutron?: Neutron,
  ) {}

  async route(request: SandboxRequest, path: string, scope: NovaScope): Promise<SandboxResponse> {
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p))
    const m = request.method
    const [collection, id, sub, key] = parts
    const body = parseJsonBody(request.body)
    if (parts.length === 0 && m === 'GET') return this.versionDocument(scope)
    if ((m === 'POST' || m === 'PUT') && body !== undefined) {
      const violation = await bodyViolation({spec: 'openstack-compute-v2.96', path: `/v2.1${path}`, method: m, body, version: `2.${scope.microversion}`, variant: actionVariant})
      if (violation) return novaInvalid(violation)
    }
    switch (collection) {
      case 'servers': {
        if (id === undefined) {
          if (m === 'GET') return this.listServers(request, scope, false)
          if (m === 'POST') return this.createServer(body, scope)
        } else if (id === 'detail' && sub === undefined && m === 'GET') {
          return this.listServers(request, scope, true)
        } else if (sub === undefined) {
          if (m === 'GET') return this.showServer(id, scope)
          if (m === 'DELETE') return this.deleteServer(id, scope)
          if (m === 'PUT') return this.updateServer(id, body, scope)
        } else if (sub === 'action' && m === 'POST') {
          return this.action(id, body, scope)
        } else if (sub === 'metadata') {
          return this.metadata(m, id, key, body, scope)
        }
        break
      }
      case 'flavors': {
        if (m !== 'GET') break
        if (id === undefined || (id === 'detail' && sub === undefined)) return this.listFlavors(request, scope, id === 'detail')
        const flavor = this.catalog.flavors.find((f) => f.id === id)
        if (!flavor) return novaError(404, `Flavor ${id} could not be found.`)
        if (sub === undefined) return json(200, {flavor: this.flavorJson(flavor, scope)})
        if (sub === 'os-extra_specs' && parts.length <= 4) return this.extraSpecs(flavor, key)
        break
      }
      case 'limits': {
        if (m === 'GET' && id === undefined) return this.limits(scope)
        break
      }
      case 'os-security-groups': {
        if (m === 'GET' && id === undefined && scope.microversion < 36) return this.securityGroupsProxy(scope)
        break
      }
      case 'os-volumes': {
        if (m === 'GET' && scope.microversion < 36 && (id === undefined || (id === 'detail' && sub === undefined))) return json(200, {volumes: []})
        if (m === 'GET' && scope.microversion < 36 && id !== undefined && sub === undefined) return novaError(404, `Volume ${id} could not be found.`)
        break
      }
      case 'os-networks': {
        if (m === 'GET' && this.neutron && id === undefined && scope.microversion < 36) return this.networksProxy(scope)
        break
      }
      case 'os-networksv2': {
        if (m === 'GET' && this.cloud === 'rackspace' && id === undefined) return this.rackspaceNetworks()
        break
      }
      case 'images': {
        // Nova's image proxy is gone from 2.36: clients use Glance.
        if (m !== 'GET' || scope.microversion >= 36) break
        if (id === undefined || (id === 'detail' && sub === undefined)) return this.listImages(request, scope, id === 'detail')
        if (sub === undefined) {
          const image = this.catalog.images.find((i) => i.id === id)
          return image ? json(200, {image: this.imageJson(image, scope)}) : novaError(404, 'Image not found.')
        }
        break
      }
      case 'os-keypairs': {
        const forUser = this.keypairUser(request, scope)
        if (typeof forUser !== 'string') return forUser
        if (id === undefined && m === 'GET') return this.listKeypairs(request, scope)
        if (id === undefined && m === 'POST') return this.createKeypair(body, scope)
        if (id !== undefined && sub === undefined && m === 'GET') return this.showKeypair(id, scope)
        if (id !== undefined && sub === undefined && m === 'DELETE') return this.deleteKeypair(id, scope)
        break
      }
      case 'os-availability-zone': {
        if (m === 'GET' && id === undefined) return json(200, {availabilityZoneInfo: [{zoneName: 'nova', zoneState: {available: true}, hosts: null}]})
        break
      }
    }
    return novaError(404, 'The resource could not be found.')
  }

  private versionDocument(scope: NovaScope): SandboxResponse {
    const openstack = this.cloud === 'openstack'
    return json(200, {
      version: {
        id: openstack ? 'v2.1' : 'v2',
        status: 'CURRENT',
        version: openstack ? NOVA_MAX_VERSION : '',
        min_version: openstack ? '2.1' : '',
        updated: openstack ? '2013-07-23T11:33:21Z' : '2011-01-21T11:33:21Z',
        links: [
          {rel: 'self', href: `${scope.base}/`},
          {rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/'},
        ],
        'media-types': [{base: 'application/json', type: `application/vnd.openstack.compute+json;version=${openstack ? '2.1' : '2'}`}],
      },
    })
  }

  // ------------------------------------------------------------ servers

  private links(scope: NovaScope, kind: string, id: string) {
    return [
      {rel: 'self', href: `${scope.base}/${kind}/${id}`},
      {rel: 'bookmark', href: `${scope.bookmarkBase}/${kind}/${id}`},
    ]
  }

  /** Per node object and endpoint (links carry the client's host); see World.listNodes. */
  private readonly rendered = new WeakMap<NodeRecord, {base: string; detail: boolean; microversion: number; body: Body}>()

  private serverJson(n: NodeRecord, scope: NovaScope, detail: boolean): Body {
    const cached = this.rendered.get(n)
    if (cached && cached.base === scope.base && cached.detail === detail && cached.microversion === scope.microversion) return cached.body
    const body = detail ? this.versionedServer(n, this.renderServer(n, scope, detail), scope.microversion) : this.renderServer(n, scope, detail)
    // A building server's progress moves with the clock.
    if (n.status !== 'BUILD') this.rendered.set(n, {base: scope.base, detail, microversion: scope.microversion, body})
    return body
  }

  /** The fields each microversion adds to a server (those a project member sees; admin-only ones stay out). */
  private versionedServer(n: NodeRecord, body: Body, v: number): Body {
    if (v < 3) return body
    const out: Body = {...body}
    if (v >= 9) out.locked = false
    if (v >= 19) out.description = n.nova?.description ?? null
    if (v >= 26) out.tags = []
    if (v >= 47) {
      const f = this.catalog.flavors.find((x) => x.id === n.size)
      out.flavor = f ? {vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: f.ephemeral, swap: f.swap, original_name: f.name, extra_specs: f.extraSpecs ?? {}} : {}
    }
    if (v >= 63) out.trusted_image_certificates = null
    if (v >= 71) out.server_groups = []
    if (v >= 73) out.locked_reason = null
    if (v >= 96) out.pinned_availability_zone = null
    return out
  }

  private renderServer(n: NodeRecord, scope: NovaScope, detail: boolean): Body {
    const summary = {id: n.id, name: n.name, links: this.links(scope, 'servers', n.id)}
    if (!detail) return summary
    const [status, vmState, taskState, powerState] = SHOWN[n.status] ?? [n.status, 'error', null, 0]
    const nova = n.nova!
    const mac = `fa:16:3e:${stableHex(n.id, 6).match(/../g)!.join(':')}`
    const rackspace = this.cloud === 'rackspace'
    const addresses = rackspace
      ? {
          public: [
            {version: 4, addr: n.publicIp},
            {version: 6, addr: n.ipv6},
          ],
          private: [{version: 4, addr: n.privateIp}],
        }
      : {
          public: [{version: 4, addr: n.publicIp, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac}],
          private: [{version: 4, addr: n.privateIp, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': mac}],
        }
    const image = this.catalog.images.find((i) => i.id === n.image)
    return {
      ...summary,
      status,
      tenant_id: nova.tenantId,
      user_id: nova.userId,
      metadata: n.tags,
      hostId: nova.hostId,
      image: image ? {id: image.id, links: [{rel: 'bookmark', href: `${scope.bookmarkBase}/images/${image.id}`}]} : '',
      flavor: {id: n.size, links: [{rel: 'bookmark', href: `${scope.bookmarkBase}/flavors/${n.size}`}]},
      created: iso(n.createdAt),
      updated: iso(n.updatedAt),
      addresses,
      accessIPv4: rackspace ? n.publicIp : '',
      accessIPv6: rackspace ? n.ipv6 : '',
      'OS-DCF:diskConfig': rackspace ? 'AUTO' : 'MANUAL',
      progress: status === 'BUILD' ? Math.min(99, Math.floor(((this.world.now() - n.createdAt) / Math.max(1, this.world.settings.bootDelayMs)) * 100)) : 100,
      'OS-EXT-AZ:availability_zone': 'nova',
      config_drive: '',
      key_name: n.keyName ?? null,
      'OS-SRV-USG:launched_at': n.status === 'BUILD' || !nova.launchedAt ? null : new Date(nova.launchedAt).toISOString().replace('Z', '000'),
      'OS-SRV-USG:terminated_at': null,
      security_groups: nova.securityGroups.map((name) => ({name})),
      'OS-EXT-STS:task_state': taskState,
      'OS-EXT-STS:vm_state': vmState,
      'OS-EXT-STS:power_state': powerState,
      'os-extended-volumes:volumes_attached': [],
    }
  }

  private findServer(id: string, scope: NovaScope): NodeRecord | undefined {
    const n = this.world.getNode(this.cloud, id)
    return n && n.region === scope.region && n.nova?.tenantId === scope.tenantId ? n : undefined
  }

  private notFound(id: string): SandboxResponse {
    return novaError(404, `Instance ${id} could not be found.`)
  }

  /** limit and marker as Nova validates them; undefined limit means max_limit. */
  private pageParams(request: SandboxRequest): {limit: number; marker?: string} | SandboxResponse {
    const q = request.url.searchParams
    const rawLimit = q.get('limit')
    if (rawLimit !== null && !/^[0-9]*$/.test(rawLimit)) {
      return novaError(400, `Invalid input for query parameters limit. Value: ${rawLimit}. '${rawLimit}' does not match '^[0-9]*$'`)
    }
    const limit = rawLimit === null || rawLimit === '' ? MAX_LIMIT : Math.min(Number(rawLimit), MAX_LIMIT)
    return {limit, marker: q.get('marker') ?? undefined}
  }

  /** One page after the marker, with a "next" link when the page is full (Nova's rule). */
  private paginate<T extends {id: string}>(items: T[], request: SandboxRequest, scope: NovaScope, path: string): SandboxResponse | {page: T[]; links?: unknown[]} {
    const params = this.pageParams(request)
    if ('status' in params) return params
    let start = 0
    if (params.marker !== undefined) {
      const at = items.findIndex((i) => i.id === params.marker)
      if (at === -1) return novaError(400, `marker [${params.marker}] not found`)
      start = at + 1
    }
    const page = items.slice(start, start + params.limit)
    if (page.length === 0 || page.length < params.limit) return {page}
    const q = new URLSearchParams(request.url.searchParams)
    q.set('limit', String(params.limit))
    q.set('marker', page.at(-1)!.id)
    return {page, links: [{rel: 'next', href: `${scope.base}/${path}?${q.toString()}`}]}
  }

  private listServers(request: SandboxRequest, scope: NovaScope, detail: boolean): SandboxResponse {
    const q = request.url.searchParams
    let nodes = this.world
      .listNodes(this.cloud, scope.region)
      .map((e) => e.node)
      .filter((n) => n.nova?.tenantId === scope.tenantId)
    const name = q.get('name')
    if (name !== null) {
      let pattern: RegExp
      try {
        pattern = new RegExp(name)
      } catch {
        return novaError(400, `Invalid input for query parameters name. Value: ${name}.`)
      }
      nodes = nodes.filter((n) => pattern.test(n.name))
    }
    const status = q.get('status')
    if (status !== null) nodes = nodes.filter((n) => (SHOWN[n.status]?.[0] ?? n.status) === status.toUpperCase())
    const image = q.get('image')
    if (image !== null) nodes = nodes.filter((n) => n.image === image)
    const flavor = q.get('flavor')
    if (flavor !== null) nodes = nodes.filter((n) => n.size === flavor)
    const result = this.paginate(nodes, request, scope, detail ? 'servers/detail' : 'servers')
    if ('status' in result) return result
    return json(200, {servers: result.page.map((n) => this.serverJson(n, scope, detail)), ...(result.links ? {servers_links: result.links} : {})})
  }

  private showServer(id: string, scope: NovaScope): SandboxResponse {
    const n = this.findServer(id, scope)
    return n ? json(200, {server: this.serverJson(n, scope, true)}) : this.notFound(id)
  }

  private invalid(field: string, value: unknown, why: string): SandboxResponse {
    return novaError(400, `Invalid input for field/attribute ${field}. Value: ${JSON.stringify(value)}. ${why}`)
  }

  private async createServer(body: unknown, scope: NovaScope): Promise<SandboxResponse> {
    const server = obj(obj(body)?.server)
    if (!server) return this.invalid('server', body ?? null, "'server' is a required property")
    const {name} = server
    if (typeof name !== 'string') return this.invalid('server', server, "'name' is a required property")
    if (name.trim() === '' || name.length > 255) return this.invalid('name', name, 'Is not a valid server name')
    const {imageRef} = server
    const {flavorRef} = server
    if (flavorRef === undefined) return this.invalid('server', server, "'flavorRef' is a required property")
    if (typeof imageRef !== 'string' || imageRef === '') return novaError(400, 'Block Device Mapping is Invalid: You specified more local devices than the limit allows')
    const imageId = imageRef.split('/').pop()!
    const image = this.catalog.images.find((i) => i.id === imageId)
    if (!image) return novaError(400, `Image ${imageId} could not be found.`)
    const flavorId = String(flavorRef).split('/').pop()!
    const flavor = this.catalog.flavors.find((f) => f.id === flavorId)
    if (!flavor) return novaError(400, `Flavor ${flavorId} could not be found.`)
    if (flavor.disk > 0 && flavor.disk < image.minDisk) return novaError(400, "Flavor's disk is too small for requested image.")
    if (flavor.ram < image.minRam) return novaError(400, "Flavor's memory is too small for requested image.")
    const keyName = server.key_name
    let authorizedKeys: string[] = []
    if (keyName !== undefined && keyName !== null) {
      const key = typeof keyName === 'string' ? this.world.store.get<KeyPairRecord>(this.cloud, 'keypair', `${scope.region}/${keyName}`) : undefined
      if (!key) return novaError(400, 'Invalid key_name provided.')
      authorizedKeys = [key.publicKey]
    }
    const metadata: Record<string, string> = {}
    const rawMetadata = server.metadata
    if (rawMetadata !== undefined) {
      const m = obj(rawMetadata)
      if (!m) return this.invalid('metadata', rawMetadata, 'is not of type object')
      for (const [k, v] of Object.entries(m)) {
        if (typeof v !== 'string') return this.invalid(`metadata/${k}`, v, `${JSON.stringify(v)} is not of type 'string'`)
        if (k.length > 255 || v.length > 255) return this.invalid(`metadata/${k}`, v, 'is too long')
        metadata[k] = v
      }
    }
    const asked = Array.isArray(server.security_groups) ? server.security_groups.map((g) => String(obj(g)?.name ?? '')) : ['default']
    const unknownGroup = asked.find((g) => this.groupName(g, scope) === undefined)
    if (unknownGroup !== undefined) return novaError(400, `Security group ${unknownGroup} not found for project ${scope.tenantId}.`)
    // Named by name or id; Nova shows names.
    const groups = [...new Set(asked.map((g) => this.groupName(g, scope)!))]
    const networksProblem = this.checkNetworks(server.networks, scope)
    if (networksProblem) return networksProblem
    const {description} = server
    if (description !== undefined && (scope.microversion < 19 || (description !== null && (typeof description !== 'string' || description.length > 255)))) {
      return this.invalid(
        'description',
        description,
        scope.microversion < 19 ? "Additional properties are not allowed ('description' was unexpected)" : 'is not a valid description',
      )
    }
    const userData = server.user_data
    if (userData !== undefined && (typeof userData !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(userData))) {
      return this.invalid('user_data', userData, 'is not a base64-encoded string')
    }
    const now = this.world.now()
    const n = this.world.store.nextCounter(`${this.cloud}.address`, 1)
    const adminPass = randomBytes(9).toString('base64url')
    const record: NodeRecord = schedule(
      {
        cloud: this.cloud,
        id: randomUUID(),
        region: scope.region,
        zone: 'nova',
        name,
        image: image.id,
        size: flavor.id,
        status: 'BUILD',
        transitions: [],
        createdAt: now,
        updatedAt: now,
        tags: metadata,
        keyName: typeof keyName === 'string' ? keyName : undefined,
        authorizedKeys,
        password: adminPass,
        publicIp: '127.0.0.1',
        privateIp: privateAddress('10.0', n),
        ipv6: `2001:4800:7818:104:be76:4eff:fe00:${(n % 65_536).toString(16)}`,
        nova: {
          tenantId: scope.tenantId,
          userId: scope.userId,
          hostId: stableHex(`${scope.tenantId}/host-${n % 7}`, 56),
          securityGroups: groups,
          userData: userData as string | undefined,
          launchedAt: now + this.world.settings.bootDelayMs,
          ...(typeof description === 'string' ? {description} : {}),
        },
      },
      now,
      [['ACTIVE', this.world.settings.bootDelayMs]],
    )
    const launched = await this.world.launchNode(record)
    const links = this.links(scope, 'servers', launched.id)
    return json(
      202,
      {server: {id: launched.id, links, 'OS-DCF:diskConfig': this.cloud === 'rackspace' ? 'AUTO' : 'MANUAL', security_groups: groups.map((g) => ({name: g})), adminPass}},
      {location: links[0].href},
    )
  }

  private groupName(nameOrId: string, scope: NovaScope): string | undefined {
    if (nameOrId === 'default') return nameOrId
    return this.neutron?.findGroup(scope.region, scope.tenantId, nameOrId)?.name
  }

  /** From 2.37 `networks` is required: "auto", "none" or a list of {uuid} / {port} / {fixed_ip}. */
  private checkNetworks(networks: unknown, scope: NovaScope): SandboxResponse | undefined {
    if (networks === undefined) {
      return scope.microversion >= 37 ? this.invalid('server', null, "'networks' is a required property") : undefined
    }
    if (networks === 'auto' || networks === 'none') {
      return scope.microversion >= 37 ? undefined : this.invalid('networks', networks, "is not of type 'array'")
    }
    if (!Array.isArray(networks)) return this.invalid('networks', networks, "is not of type 'array'")
    if (this.cloud === 'rackspace') return undefined
    const known = this.neutron?.networkIds(scope.region) ?? []
    for (const entry of networks) {
      const uuid = obj(entry)?.uuid
      if (uuid !== undefined && (typeof uuid !== 'string' || !known.includes(uuid))) return novaError(400, `Network ${String(uuid)} could not be found.`)
    }
    return undefined
  }

  private async deleteServer(id: string, scope: NovaScope): Promise<SandboxResponse> {
    if (!this.findServer(id, scope)) return this.notFound(id)
    await this.world.removeNode(this.cloud, id)
    return empty(204)
  }

  private updateServer(id: string, body: unknown, scope: NovaScope): SandboxResponse {
    const n = this.findServer(id, scope)
    if (!n) return this.notFound(id)
    const server = obj(obj(body)?.server)
    if (!server) return this.invalid('server', body ?? null, "'server' is a required property")
    const updated = {...n, name: typeof server.name === 'string' ? server.name : n.name, updatedAt: this.world.now()}
    this.world.saveNode(updated)
    return json(200, {server: this.serverJson(updated, scope, true)})
  }

  private conflict(action: string, n: NodeRecord): SandboxResponse {
    const [, vmState, taskState] = SHOWN[n.status] ?? ['', 'error', null]
    const why = taskState ? `task_state ${taskState}` : `vm_state ${vmState}`
    return novaError(409, `Cannot '${action}' instance ${n.id} while it is in ${why}`)
  }

  private action(id: string, body: unknown, scope: NovaScope): SandboxResponse {
    const n = this.findServer(id, scope)
    if (!n) return this.notFound(id)
    const request = obj(body)
    const name = request ? Object.keys(request)[0] : undefined
    const now = this.world.now()
    const delay = this.world.settings.bootDelayMs
    switch (name) {
      case 'reboot': {
        const type = String(obj(request!.reboot)?.type ?? '').toUpperCase()
        if (type !== 'SOFT' && type !== 'HARD') return this.invalid('type', obj(request!.reboot)?.type ?? null, "is not one of ['SOFT', 'HARD', 'soft', 'hard']")
        if (n.status !== 'ACTIVE' && !(type === 'HARD' && n.status === 'SHUTOFF')) return this.conflict('reboot', n)
        this.world.saveNode(schedule({...n, status: type === 'HARD' ? 'HARD_REBOOT' : 'REBOOT'}, now, [['ACTIVE', delay]]))
        return empty(202)
      }
      case 'os-stop': {
        if (n.status !== 'ACTIVE') return this.conflict('stop', n)
        this.world.saveNode(schedule({...n, status: 'POWERING_OFF'}, now, [['SHUTOFF', delay]]))
        return empty(202)
      }
      case 'os-start': {
        if (n.status !== 'SHUTOFF') return this.conflict('start', n)
        this.world.saveNode(schedule({...n, status: 'POWERING_ON'}, now, [['ACTIVE', delay]]))
        return empty(202)
      }
      case 'addSecurityGroup':
      case 'removeSecurityGroup': {
        if (!this.neutron) break
        const group = obj(request![name])?.name
        if (typeof group !== 'string' || group === '') return this.invalid('name', group ?? null, "is not of type 'string'")
        const found = group === 'default' ? {name: 'default'} : this.neutron.findGroup(scope.region, scope.tenantId, group)
        if (!found) return novaError(404, `Security group ${group} not found for project ${scope.tenantId}.`)
        const groups = n.nova!.securityGroups
        const has = groups.includes(found.name)
        if (name === 'addSecurityGroup' && has) return novaError(400, `Security group ${found.name} is already associated with the instance ${n.id}`)
        if (name === 'removeSecurityGroup' && !has) return novaError(400, `Security group ${found.name} not associated with the instance ${n.id}`)
        const next = name === 'addSecurityGroup' ? [...groups, found.name] : groups.filter((g) => g !== found.name)
        this.world.saveNode({...n, nova: {...n.nova!, securityGroups: next}, updatedAt: now})
        return empty(202)
      }
    }
    return novaError(400, `There is no such action: ${name ?? ''}`)
  }

  private metadata(method: string, id: string, key: string | undefined, body: unknown, scope: NovaScope): SandboxResponse {
    const n = this.findServer(id, scope)
    if (!n) return this.notFound(id)
    const save = (tags: Record<string, string>) => this.world.saveNode({...n, tags, updatedAt: this.world.now()})
    const strings = (value: unknown): Record<string, string> | undefined => {
      const o = obj(value)
      if (!o || Object.values(o).some((v) => typeof v !== 'string')) return undefined
      return o as Record<string, string>
    }
    if (key === undefined) {
      if (method === 'GET') return json(200, {metadata: n.tags})
      const given = strings(obj(body)?.metadata)
      if (!given) return novaError(400, 'Malformed request body')
      if (method === 'POST') {
        const merged = {...n.tags, ...given}
        save(merged)
        return json(200, {metadata: merged})
      }
      if (method === 'PUT') {
        save(given)
        return json(200, {metadata: given})
      }
    } else {
      if (method === 'GET') return key in n.tags ? json(200, {meta: {[key]: n.tags[key]}}) : novaError(404, 'Metadata item was not found')
      if (method === 'DELETE') {
        if (!(key in n.tags)) return novaError(404, 'Metadata item was not found')
        const rest = {...n.tags}
        delete rest[key]
        save(rest)
        return empty(204)
      }
      if (method === 'PUT') {
        const meta = strings(obj(body)?.meta)
        if (!meta || Object.keys(meta).length !== 1) return novaError(400, 'Request body contains too many items')
        if (!(key in meta)) return novaError(400, 'Request body and URI mismatch')
        save({...n.tags, ...meta})
        return json(200, {meta})
      }
    }
    return novaError(405, 'The method specified is not allowed for this resource.')
  }

  // ------------------------------------------------------------ flavors and images

  private flavorJson(f: NovaFlavor, scope: NovaScope): Body {
    return {
      id: f.id,
      name: f.name,
      ram: f.ram,
      disk: f.disk,
      vcpus: f.vcpus,
      // An empty string for "no swap" until 2.75 made it 0.
      swap: f.swap === 0 && scope.microversion < 75 ? '' : f.swap,
      ...(scope.microversion >= 55 ? {description: null} : {}),
      ...(scope.microversion >= 61 ? {extra_specs: f.extraSpecs ?? {}} : {}),
      'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
      'OS-FLV-DISABLED:disabled': false,
      'os-flavor-access:is_public': true,
      rxtx_factor: f.rxtxFactor,
      ...(f.extraSpecs ? {'OS-FLV-WITH-EXT-SPECS:extra_specs': f.extraSpecs} : {}),
      links: this.links(scope, 'flavors', f.id),
    }
  }

  private extraSpecs(f: NovaFlavor, key: string | undefined): SandboxResponse {
    const specs = f.extraSpecs ?? {}
    if (key === undefined) return json(200, {extra_specs: specs})
    return key in specs ? json(200, {[key]: specs[key]}) : novaError(404, `Flavor ${f.id} has no extra specs with key ${key}.`)
  }

  /** The project's quotas and what its servers use of them (rate limits are no longer reported). */
  private limits(scope: NovaScope): SandboxResponse {
    const servers = this.world
      .listNodes(this.cloud, scope.region)
      .map((e) => e.node)
      .filter((n) => n.nova?.tenantId === scope.tenantId)
    const flavors = servers.map((n) => this.catalog.flavors.find((f) => f.id === n.size))
    const absolute: Record<string, number> = {
      maxImageMeta: 128,
      maxPersonality: 5,
      maxPersonalitySize: 10_240,
      maxSecurityGroupRules: 20,
      maxSecurityGroups: 10,
      maxServerGroupMembers: 10,
      maxServerGroups: 10,
      maxServerMeta: 128,
      maxTotalCores: 20,
      maxTotalFloatingIps: 10,
      maxTotalInstances: 10,
      maxTotalKeypairs: 100,
      maxTotalRAMSize: 51_200,
      totalCoresUsed: flavors.reduce((sum, f) => sum + (f?.vcpus ?? 0), 0),
      totalFloatingIpsUsed: 0,
      totalInstancesUsed: servers.length,
      totalRAMUsed: flavors.reduce((sum, f) => sum + (f?.ram ?? 0), 0),
      totalSecurityGroupsUsed: 1,
      totalServerGroupsUsed: 0,
    }
    // 2.36 dropped the network proxies' limits, 2.57 personality (injected files).
    if (scope.microversion >= 36) {
      for (const k of ['maxSecurityGroupRules', 'maxSecurityGroups', 'maxTotalFloatingIps', 'totalFloatingIpsUsed', 'totalSecurityGroupsUsed']) delete absolute[k]
    }
    if (scope.microversion >= 57) {
      delete absolute.maxPersonality
      delete absolute.maxPersonalitySize
    }
    return json(200, {limits: {rate: [], absolute}})
  }

  /** Nova's os-security-groups proxy (before 2.36): Neutron's groups in Nova's shape; Rackspace has none. */
  private securityGroupsProxy(scope: NovaScope): SandboxResponse {
    if (!this.neutron) return json(200, {security_groups: []})
    const groups = this.neutron.listGroups(scope.region, scope.tenantId)
    return json(200, {
      security_groups: groups.map((g) => ({
        id: g.id,
        name: g.name,
        description: g.description,
        tenant_id: g.projectId,
        rules: g.rules
          .filter((r) => r.direction === 'ingress' && r.ethertype === 'IPv4')
          .map((r) => ({
            id: r.id,
            parent_group_id: g.id,
            ip_protocol: r.protocol,
            from_port: r.port_range_min ?? (r.protocol === 'icmp' ? -1 : null),
            to_port: r.port_range_max ?? (r.protocol === 'icmp' ? -1 : null),
            ip_range: r.remote_ip_prefix ? {cidr: r.remote_ip_prefix} : {},
            group: r.remote_group_id ? {name: groups.find((x) => x.id === r.remote_group_id)?.name ?? '', tenant_id: g.projectId} : {},
          })),
      })),
    })
  }

  /** Nova's os-networks proxy (before 2.36): Neutron's networks as nova-network described them. */
  private networksProxy(scope: NovaScope): SandboxResponse {
    const networks = this.neutron!.networkSummaries(scope.region, scope.tenantId)
    return json(200, {networks: networks.map((n) => ({id: n.id, label: n.name, cidr: n.cidr, project_id: n.projectId}))})
  }

  /** Rackspace Cloud Networks: the public Internet and ServiceNet, with their documented fixed ids. */
  private rackspaceNetworks(): SandboxResponse {
    return json(200, {
      networks: [
        {id: '00000000-0000-0000-0000-000000000000', label: 'public'},
        {id: '11111111-1111-1111-1111-111111111111', label: 'private', cidr: '10.0.0.0/16'},
      ],
    })
  }

  private listFlavors(request: SandboxRequest, scope: NovaScope, detail: boolean): SandboxResponse {
    const q = request.url.searchParams
    const minDisk = Number(q.get('minDisk') ?? 0)
    const minRam = Number(q.get('minRam') ?? 0)
    const flavors = this.catalog.flavors.filter((f) => f.disk >= minDisk && f.ram >= minRam)
    const result = this.paginate(flavors, request, scope, detail ? 'flavors/detail' : 'flavors')
    if ('status' in result) return result
    return json(200, {
      flavors: result.page.map((f) => (detail ? this.flavorJson(f, scope) : {id: f.id, name: f.name, links: this.links(scope, 'flavors', f.id)})),
      ...(result.links ? {flavors_links: result.links} : {}),
    })
  }

  private imageJson(i: NovaImage, scope: NovaScope): Body {
    return {
      id: i.id,
      name: i.name,
      status: 'ACTIVE',
      progress: 100,
      minDisk: i.minDisk,
      minRam: i.minRam,
      created: i.created,
      updated: i.created,
      metadata: i.metadata,
      'OS-EXT-IMG-SIZE:size': i.sizeBytes,
      links: [...this.links(scope, 'images', i.id), {rel: 'alternate', type: 'application/vnd.openstack.image', href: `${scope.bookmarkBase}/images/${i.id}`}],
    }
  }

  private listImages(request: SandboxRequest, scope: NovaScope, detail: boolean): SandboxResponse {
    const q = request.url.searchParams
    const name = q.get('name')
    const status = q.get('status')
    const images = this.catalog.images.filter((i) => (name === null || i.name === name) && (status === null || status.toUpperCase() === 'ACTIVE'))
    const result = this.paginate(images, request, scope, detail ? 'images/detail' : 'images')
    if ('status' in result) return result
    return json(200, {
      images: result.page.map((i) => (detail ? this.imageJson(i, scope) : {id: i.id, name: i.name, links: this.links(scope, 'images', i.id)})),
      ...(result.links ? {images_links: result.links} : {}),
    })
  }

  // ------------------------------------------------------------ keypairs (per user and region)

  private keypairJson(k: KeyPairRecord, scope: NovaScope, full: boolean): Body {
    // 2.2 added the key type (ssh or x509).
    const base = {name: k.name, public_key: k.publicKey, fingerprint: k.fingerprint, ...(scope.microversion >= 2 ? {type: 'ssh'} : {})}
    if (!full) return base
    return {
      ...base,
      user_id: scope.userId,
      id: Number(k.id),
      created_at: new Date(k.createdAt).toISOString().replace('Z', '000'),
      deleted: false,
      deleted_at: null,
      updated_at: null,
    }
  }

  /**
   * `?user_id=` (2.10 and later) names whose key pairs: a project member may name only themselves, as
   * Nova's default policy says; the user's own id is what every request without it means.
   */
  private keypairUser(request: SandboxRequest, scope: NovaScope): string | SandboxResponse {
    const userId = request.url.searchParams.get('user_id')
    if (userId === null || scope.microversion < 10 || userId === scope.userId) return scope.userId
    return novaError(403, `Policy doesn't allow os_compute_api:os-keypairs:index to be performed.`)
  }

  private listKeypairs(request: SandboxRequest, scope: NovaScope): SandboxResponse {
    const keys = this.world.store.list<KeyPairRecord>(this.cloud, 'keypair', scope.region).map((e) => e.value)
    if (scope.microversion < 35) return json(200, {keypairs: keys.map((k) => ({keypair: this.keypairJson(k, scope, false)}))})
    // 2.35: limit and marker (the marker is a key pair's name).
    const paged = this.paginate(
      keys.map((k) => ({...k, id: k.name})),
      request,
      scope,
      'os-keypairs',
    )
    if ('status' in paged) return paged
    return json(200, {keypairs: paged.page.map((k) => ({keypair: this.keypairJson(k, scope, false)})), ...(paged.links ? {keypairs_links: paged.links} : {})})
  }

  private createKeypair(body: unknown, scope: NovaScope): SandboxResponse {
    const keypair = obj(obj(body)?.keypair)
    if (!keypair) return this.invalid('keypair', body ?? null, "'keypair' is a required property")
    const {name} = keypair
    if (typeof name !== 'string') return this.invalid('keypair', keypair, "'name' is a required property")
    // 2.92 lets names carry '@' and '.' (the body schema checks the rest).
    const safe = scope.microversion >= 92 ? /^[a-zA-Z0-9 @._-]{1,255}$/ : /^[a-zA-Z0-9 _-]{1,255}$/
    if (!safe.test(name)) return novaError(400, 'Keypair data is invalid: Keypair name contains unsafe characters')
    const id = `${scope.region}/${name}`
    if (this.world.store.get(this.cloud, 'keypair', id)) return novaError(409, `Key pair '${name}' already exists.`)
    let publicKey: string
    let privateKey: string | undefined
    if (keypair.type !== undefined && (scope.microversion < 2 || (keypair.type !== 'ssh' && keypair.type !== 'x509'))) {
      return this.invalid('type', keypair.type, scope.microversion < 2 ? "Additional properties are not allowed ('type' was unexpected)" : "is not one of ['ssh', 'x509']")
    }
    if (keypair.public_key === undefined && scope.microversion >= 92) return this.invalid('keypair', keypair, "'public_key' is a required property")
    if (keypair.public_key === undefined) {
      ;({publicKey, privateKey} = generateRsaKeyPair(`Generated-by-Nova`))
    } else {
      if (typeof keypair.public_key !== 'string') return this.invalid('public_key', keypair.public_key, "is not of type 'string'")
      publicKey = keypair.public_key.trim()
    }
    const parsed = parsePublicKey(publicKey)
    if (!parsed) return novaError(400, 'Keypair data is invalid: failed to generate fingerprint')
    const record: KeyPairRecord = {
      name,
      publicKey,
      fingerprint: md5Fingerprint(parsed),
      type: parsed.kind,
      createdAt: this.world.now(),
      id: String(this.world.store.nextCounter(`${this.cloud}.keypair`, 1)),
    }
    this.world.store.insert(this.cloud, 'keypair', id, scope.region, record)
    return json(200, {keypair: {...this.keypairJson(record, scope, false), user_id: scope.userId, ...(privateKey ? {private_key: privateKey} : {})}})
  }

  private showKeypair(name: string, scope: NovaScope): SandboxResponse {
    const k = this.world.store.get<KeyPairRecord>(this.cloud, 'keypair', `${scope.region}/${name}`)
    return k ? json(200, {keypair: this.keypairJson(k, scope, true)}) : novaError(404, `Keypair ${name} not found for user ${scope.userId}`)
  }

  private deleteKeypair(name: string, scope: NovaScope): SandboxResponse {
    return this.world.store.remove(this.cloud, 'keypair', `${scope.region}/${name}`) ? empty(202) : novaError(404, `Keypair ${name} not found for user ${scope.userId}`)
  }
}
