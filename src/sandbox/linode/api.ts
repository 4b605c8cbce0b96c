import {
  LINODE_IMAGES,
  LINODE_REGIONS,
  LINODE_TYPES,
  type LinodeImage,
  type LinodeRegion,
  type LinodeType,
  PROBE_READY_KEY,
  PROBE_READY_VALUE,
  stableHex,
  stableUuid,
} from '../catalog.js'
import {type ApiHandler, header, json, parseJsonBody, type SandboxRequest, type SandboxResponse} from '../http.js'
import {parsePublicKey} from '../keys.js'
import {schedule} from '../lifecycle.js'
import {bodyViolation, type Violation} from '../specs.js'
import type {KeyPairRecord, NodeRecord} from '../types.js'
import {privateAddress, type World} from '../world.js'

type Body = Record<string, unknown>

function errors(status: number, reason: string, field?: string, headers: Record<string, string> = {}): SandboxResponse {
  return json(status, {errors: [field === undefined ? {reason} : {reason, field}]}, headers)
}

const notFound = () => errors(404, 'Not found')

/** Linode's answer to a body its spec refuses: the field (dotted, as Linode names nested ones) and why. */
function linodeInvalid(v: Violation): SandboxResponse {
  const named = v.missing ?? v.unexpected
  const path = named === undefined ? v.path : [...v.path, named]
  const field = path.join('.')
  const reason = v.missing === undefined ? v.message : `${v.missing} is required`
  return errors(400, reason, field === '' ? undefined : field)
}

/** Linode's timestamps: UTC, seconds, no zone designator. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19)
}

function obj(value: unknown): Body | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined
}

const LABEL = /^[a-zA-Z]((?!--|__|\.\.)[a-zA-Z0-9-_.])+$/
const PROBE_TAG = `${PROBE_READY_KEY}=${PROBE_READY_VALUE}`

/** The account behind the token: no balance, no promotions, every capability the sandbox emulates. */
function accountJson(token: string): Body {
  return {
    company: 'mc sandbox',
    email: 'sandbox@example.invalid',
    first_name: 'Sandbox',
    last_name: 'User',
    address_1: '249 Arch St',
    address_2: '',
    city: 'Philadelphia',
    state: 'PA',
    zip: '19106',
    country: 'US',
    phone: '215-555-1212',
    tax_id: '',
    balance: 0,
    balance_uninvoiced: 0,
    billing_source: 'linode',
    capabilities: ['Linodes', 'NodeBalancers', 'Block Storage', 'Object Storage'],
    active_since: '2018-01-01T00:01:01',
    active_promotions: [],
    credit_card: {last_four: '1111', expiry: '11/2030'},
    euuid: stableUuid(`linode/account/${token}`).toUpperCase(),
  }
}

/** A Linode's disks (its image's filesystem and a swap disk) and the one config profile that boots them. */
function instanceParts(n: NodeRecord): {disks: Body[]; configs: Body[]; volumes: Body[]} {
  const type = LINODE_TYPES.find((t) => t.id === n.size)
  const image = LINODE_IMAGES.find((i) => i.id === n.image)
  const base = Number(n.id) * 4
  const swapSize = 512
  const created = stamp(n.createdAt)
  const disk = (id: number, label: string, filesystem: string, size: number) => ({id, label, status: 'ready', size, filesystem, created, updated: created})
  const disks = [disk(base + 1, `${image?.label ?? 'Linux'} Disk`, 'ext4', (type?.disk ?? 25_600) - swapSize), disk(base + 2, `${swapSize} MB Swap Image`, 'swap', swapSize)]
  const none = null
  const config = {
    id: base + 3,
    label: `My ${image?.label ?? 'Linux'} Disk Profile`,
    comments: '',
    kernel: 'linode/grub2',
    memory_limit: 0,
    root_device: '/dev/sda',
    run_level: 'default',
    virt_mode: 'paravirt',
    devices: {sda: {disk_id: base + 1, volume_id: null}, sdb: {disk_id: base + 2, volume_id: null}, sdc: none, sdd: none, sde: none, sdf: none, sdg: none, sdh: none},
    helpers: {updatedb_disabled: true, distro: true, modules_dep: true, network: true, devtmpfs_automount: true},
    interfaces: [],
  }
  return {disks, configs: [config], volumes: []}
}

/** X-Filter: field equality (tags: membership), +and, +or, +contains, +neq, +gt/+gte/+lt/+lte, +order_by/+order. */
function filterMatches(item: Body, filter: Body): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '+order_by' || key === '+order') return true
    if (key === '+and') return Array.isArray(condition) && condition.every((c) => filterMatches(item, obj(c) ?? {}))
    if (key === '+or') return Array.isArray(condition) && condition.some((c) => filterMatches(item, obj(c) ?? {}))
    const value = item[key]
    const test = (expected: unknown): boolean => {
      const ops = obj(expected)
      if (ops) {
        return Object.entries(ops).every(([op, operand]) => {
          switch (op) {
            case '+contains': {
              return Array.isArray(value) ? value.some((v) => String(v).includes(String(operand))) : String(value ?? '').includes(String(operand))
            }
            case '+neq': {
              return Array.isArray(value) ? !value.includes(operand) : value !== operand
            }
            case '+gt': {
              return Number(value) > Number(operand)
            }
            case '+gte': {
              return Number(value) >= Number(operand)
            }
            case '+lt': {
              return Number(value) < Number(operand)
            }
            case '+lte': {
              return Number(value) <= Number(operand)
            }
            default: {
              return false
            }
          }
        })
      }
      return Array.isArray(value) ? value.includes(expected) : value === expected
    }
    return test(condition)
  })
}

/**
 * Linode API v4: instances, types, regions, images and profile SSH keys, with page/pages/page_size
 * pagination, X-Filter, Bearer tokens and Linode's {"errors": [...]} bodies.
 */
export class LinodeApi implements ApiHandler {
  readonly cloud = 'linode' as const

  constructor(private readonly world: World) {}

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const match = /^\/(v4|v4beta)(\/.*)?$/.exec(request.path)
    if (!match) return notFound()
    const path = match[2] ?? '/'
    const authorization = header(request, 'authorization')
    const token = authorization?.replace(/^(Bearer|token)\s+/i, '')
    const authenticated = token !== undefined && token === this.world.credentials.linode.token
    if (authorization !== undefined && !authenticated) return errors(401, 'Invalid Token')
    const isPublic = request.method === 'GET' && /^\/(regions|linode\/types|images)(\/|$)/.test(path)
    if (!authenticated && !isPublic) return errors(401, 'Invalid Token')
    let filter: Body = {}
    const xFilter = header(request, 'x-filter')
    if (xFilter !== undefined) {
      try {
        filter = obj(JSON.parse(xFilter)) ?? {}
      } catch {
        return errors(400, 'The filter is not valid JSON', 'X-Filter')
      }
    }
    return this.route(request, path, filter, authenticated)
  }

  warm(): void {
    this.instances()
  }

  throttled(): SandboxResponse {
    return errors(429, 'Too many requests', undefined, {'retry-after': '1', 'x-ratelimit-limit': '800', 'x-ratelimit-remaining': '0'})
  }

  unavailable(): SandboxResponse {
    return errors(500, 'An unexpected error occurred. Please try again later.')
  }

  private async route(request: SandboxRequest, path: string, filter: Body, authenticated: boolean): Promise<SandboxResponse> {
    const m = request.method
    const body = () => parseJsonBody(request.body)
    const parts = path.split('/').filter(Boolean)
    if ((m === 'POST' || m === 'PUT') && body() !== undefined) {
      const violation = await bodyViolation({spec: 'linode-openapi', path: `/v4${path}`, method: m, body: body()})
      if (violation) return linodeInvalid(violation)
    }
    if (parts[0] === 'linode' && parts[1] === 'instances') {
      const id = parts[2]
      if (id === undefined) {
        if (m === 'GET') return this.paginate(request, this.instances(), filter)
        if (m === 'POST') return this.createInstance(body())
      } else {
        const node = this.findInstance(id)
        if (!node) return notFound()
        if (parts.length === 3) {
          if (m === 'GET') return json(200, this.instanceJson(node))
          if (m === 'PUT') return this.updateInstance(node, body())
          if (m === 'DELETE') {
            await this.world.removeNode('linode', node.id)
            return json(200, {})
          }
        } else if (parts.length === 4 && m === 'POST' && ['boot', 'reboot', 'shutdown'].includes(parts[3])) {
          return this.power(node, parts[3] as 'boot' | 'reboot' | 'shutdown')
        } else if (parts.length <= 5 && m === 'GET' && ['disks', 'configs', 'volumes'].includes(parts[3])) {
          return this.collection(request, instanceParts(node)[parts[3] as 'disks' | 'configs' | 'volumes'], parts[4], filter, true)
        }
      }
      return errors(405, 'Method Not Allowed')
    }
    if (m !== 'GET' && parts[0] !== 'profile') return errors(405, 'Method Not Allowed')
    switch (parts[0]) {
      case 'linode': {
        if (parts[1] === 'types')
          return this.collection(
            request,
            LINODE_TYPES.map((t) => typeJson(t)),
            parts[2],
            filter,
          )
        break
      }
      case 'regions': {
        return this.collection(
          request,
          LINODE_REGIONS.map((r) => regionJson(r)),
          parts[1],
          filter,
        )
      }
      case 'account': {
        if (parts.length === 1) return json(200, accountJson(this.world.credentials.linode.token))
        break
      }
      case 'volumes': {
        // Sandbox Linodes boot from their own disks: the account has no Block Storage volumes.
        return this.collection(request, [], parts[1], filter, true)
      }
      case 'images': {
        // Image ids contain a slash: /images/linode/debian12.
        const id = parts.length > 1 ? parts.slice(1).join('/') : undefined
        return this.collection(
          request,
          LINODE_IMAGES.map((i) => imageJson(i)),
          id,
          authenticated ? filter : {...filter, is_public: true},
        )
      }
      case 'profile': {
        if (parts.length === 1 && m === 'GET') return json(200, this.profile())
        if (parts[1] === 'sshkeys') return this.sshKeys(request, parts[2], body(), filter)
        break
      }
    }
    return notFound()
  }

  /** page (from 1) and page_size (25..500, default 100) as Linode validates them. */
  private paginate(request: SandboxRequest, items: Body[], filter: Body): SandboxResponse {
    const q = request.url.searchParams
    const page = Number(q.get('page') ?? '1')
    const size = Number(q.get('page_size') ?? '100')
    if (!Number.isInteger(page) || page < 1) return errors(400, 'Must be an integer greater than or equal to 1', 'page')
    if (!Number.isInteger(size) || size < 25 || size > 500) return errors(400, 'Must be a value between 25 and 500', 'page_size')
    let selected = items.filter((i) => filterMatches(i, filter))
    const orderBy = filter['+order_by']
    if (typeof orderBy === 'string') {
      const dir = filter['+order'] === 'desc' ? -1 : 1
      selected = [...selected].sort((a, b) => (String(a[orderBy]) < String(b[orderBy]) ? -dir : String(a[orderBy]) > String(b[orderBy]) ? dir : 0))
    }
    const pages = Math.max(1, Math.ceil(selected.length / size))
    return json(200, {data: selected.slice((page - 1) * size, page * size), page, pages, results: selected.length})
  }

  private collection(request: SandboxRequest, items: Body[], id: string | undefined, filter: Body, numericIds = false): SandboxResponse {
    if (id === undefined) return this.paginate(request, items, filter)
    const item = items.find((i) => (numericIds ? String(i.id) : i.id) === id)
    return item ? json(200, item) : notFound()
  }

  // ------------------------------------------------------------ instances

  private instances(): Body[] {
    return this.world.listNodes('linode').map((e) => this.instanceJson(e.node))
  }

  private findInstance(id: string): NodeRecord | undefined {
    return /^\d+$/.test(id) ? this.world.getNode('linode', id) : undefined
  }

  /** Per node object; see World.listNodes. */
  private readonly rendered = new WeakMap<NodeRecord, Body>()

  private instanceJson(n: NodeRecord): Body {
    let body = this.rendered.get(n)
    if (body === undefined) {
      body = this.renderInstance(n)
      this.rendered.set(n, body)
    }
    return body
  }

  private renderInstance(n: NodeRecord): Body {
    const type = LINODE_TYPES.find((t) => t.id === n.size)!
    const l = n.linode!
    return {
      id: Number(n.id),
      label: n.name,
      group: l.group,
      status: n.status,
      created: stamp(n.createdAt),
      updated: stamp(n.updatedAt),
      type: n.size,
      ipv4: n.privateIp ? [n.publicIp, n.privateIp] : [n.publicIp],
      ipv6: n.ipv6,
      image: n.image || null,
      region: n.region,
      specs: {disk: type.disk, memory: type.memory, vcpus: type.vcpus, gpus: 0, transfer: type.transfer},
      alerts: {cpu: type.vcpus * 90, network_in: 10, network_out: 10, transfer_quota: 80, io: 10_000},
      backups: {enabled: false, available: false, schedule: {day: null, window: null}, last_successful: null},
      hypervisor: 'kvm',
      watchdog_enabled: l.watchdog,
      tags: n.linodeTags ?? [],
      host_uuid: stableUuid(`linode-host/${n.id}`),
      has_user_data: l.hasUserData,
      placement_group: null,
      lke_cluster_id: null,
      capabilities: [],
    }
  }

  private async createInstance(raw: unknown): Promise<SandboxResponse> {
    const body = obj(raw)
    if (!body) return errors(400, 'Invalid JSON')
    const {region} = body
    const typeId = body.type
    if (typeof region !== 'string') return errors(400, 'region is required', 'region')
    if (typeof typeId !== 'string') return errors(400, 'type is required', 'type')
    if (!LINODE_REGIONS.some((r) => r.id === region)) return errors(400, 'region is not valid', 'region')
    if (!LINODE_TYPES.some((t) => t.id === typeId)) return errors(400, 'A valid plan type by that ID was not found', 'type')
    const {image} = body
    if (image !== undefined && image !== null) {
      if (typeof image !== 'string' || !LINODE_IMAGES.some((i) => i.id === image)) return errors(400, 'image is not valid', 'image')
      if (typeof body.root_pass !== 'string') return errors(400, 'root_pass is required when deploying from an image', 'root_pass')
    }
    const rootPass = body.root_pass
    if (rootPass !== undefined) {
      if (typeof rootPass !== 'string' || rootPass.length < 7 || rootPass.length > 128) return errors(400, 'Length must be 7-128 characters', 'root_pass')
      if (new Set(rootPass).size < 6) return errors(400, 'Password does not meet strength requirement.', 'root_pass')
    }
    const keys = body.authorized_keys ?? []
    if (!Array.isArray(keys) || keys.some((k) => typeof k !== 'string' || !parsePublicKey(k))) return errors(400, 'Invalid SSH key', 'authorized_keys')
    const users = body.authorized_users ?? []
    if (!Array.isArray(users) || users.some((u) => u !== 'sandbox')) return errors(400, 'Username not found', 'authorized_users')
    const tags = body.tags ?? []
    if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string' || t.length < 3 || t.length > 50)) return errors(400, 'Length must be 3-50 characters', 'tags')
    const id = this.world.store.nextCounter('linode.id', 51_000_000)
    const label = body.label ?? `linode${id}`
    if (typeof label !== 'string' || label.length < 3 || label.length > 64 || !LABEL.test(label)) {
      return errors(400, 'Label must begin and end with a letter or number, and may only contain letters, numbers, hyphens, dashes, underscores, and periods.', 'label')
    }
    if (this.world.listNodes('linode').some((e) => e.node.name === label)) return errors(400, 'Label must be unique among your linodes', 'label')
    // authorized_users puts the user's profile keys on the node.
    const profileKeys = users.length > 0 ? this.world.store.list<KeyPairRecord>('linode', 'keypair').map((e) => e.value.publicKey) : []
    const now = this.world.now()
    const delay = this.world.settings.bootDelayMs
    const booted = body.booted !== false && image !== undefined && image !== null
    const record: NodeRecord = schedule(
      {
        cloud: 'linode',
        id: String(id),
        region,
        name: label,
        image: typeof image === 'string' ? image : '',
        size: typeId,
        status: 'provisioning',
        transitions: [],
        createdAt: now,
        updatedAt: now,
        tags: {},
        linodeTags: [...new Set(tags as string[])].sort(),
        authorizedKeys: [...(keys as string[]), ...profileKeys],
        password: typeof rootPass === 'string' ? rootPass : undefined,
        publicIp: '127.0.0.1',
        privateIp: body.private_ip === true ? privateAddress('192.168', id % 60_000) : '',
        ipv6: `2600:3c03::f03c:95ff:fe${stableHex(String(id), 2)}:${stableHex(`${id}/v6`, 4)}/128`,
        linode: {group: typeof body.group === 'string' ? body.group : '', watchdog: true, hasUserData: Boolean(obj(body.metadata)?.user_data)},
      },
      now,
      booted
        ? [
            ['booting', Math.round(delay / 2)],
            ['running', delay],
          ]
        : [['offline', Math.round(delay / 2)]],
    )
    const launched = await this.world.launchNode(record)
    return json(200, this.instanceJson(launched))
  }

  private updateInstance(node: NodeRecord, raw: unknown): SandboxResponse {
    const body = obj(raw)
    if (!body) return errors(400, 'Invalid JSON')
    let updated = {...node, updatedAt: this.world.now()}
    if (body.label !== undefined) {
      if (typeof body.label !== 'string' || !LABEL.test(body.label) || body.label.length > 64) return errors(400, 'Label is invalid', 'label')
      if (this.world.listNodes('linode').some((e) => e.node.name === body.label && e.node.id !== node.id)) return errors(400, 'Label must be unique among your linodes', 'label')
      updated = {...updated, name: body.label}
    }
    if (body.tags !== undefined) {
      if (!Array.isArray(body.tags) || body.tags.some((t) => typeof t !== 'string')) return errors(400, 'tags must be a list of strings', 'tags')
      updated = {...updated, linodeTags: [...new Set(body.tags as string[])].sort()}
    }
    if (typeof body.group === 'string') updated = {...updated, linode: {...updated.linode!, group: body.group}}
    if (typeof body.watchdog_enabled === 'boolean') updated = {...updated, linode: {...updated.linode!, watchdog: body.watchdog_enabled}}
    this.world.saveNode(updated)
    return json(200, this.instanceJson(updated))
  }

  private power(node: NodeRecord, action: 'boot' | 'reboot' | 'shutdown'): SandboxResponse {
    const busy = !['running', 'offline'].includes(node.status)
    if (busy) return errors(400, 'Linode busy.')
    const now = this.world.now()
    const delay = this.world.settings.bootDelayMs
    if (action === 'shutdown') {
      if (node.status === 'running') this.world.saveNode(schedule({...node, status: 'shutting_down'}, now, [['offline', delay]]))
    } else if (action === 'boot') {
      if (node.status === 'offline') this.world.saveNode(schedule({...node, status: 'booting'}, now, [['running', delay]]))
    } else {
      this.world.saveNode(schedule({...node, status: 'rebooting'}, now, [['running', delay]]))
    }
    return json(200, {})
  }

  // ------------------------------------------------------------ profile

  private profile(): Body {
    return {
      uid: 7_654_321,
      username: 'sandbox',
      email: 'sandbox@example.invalid',
      timezone: 'UTC',
      email_notifications: true,
      ip_whitelist_enabled: false,
      lish_auth_method: 'keys_only',
      authorized_keys: null,
      two_factor_auth: false,
      restricted: false,
      verified_phone_number: null,
      authentication_type: 'password',
      referrals: {code: stableHex('referral', 40), url: `https://www.linode.com/?r=${stableHex('referral', 40)}`, total: 0, completed: 0, pending: 0, credit: 0},
    }
  }

  private sshKeyJson(k: KeyPairRecord): Body {
    return {id: Number(k.id), label: k.name, ssh_key: k.publicKey, created: stamp(k.createdAt)}
  }

  private sshKeys(request: SandboxRequest, id: string | undefined, raw: unknown, filter: Body): SandboxResponse {
    const m = request.method
    const all = () => this.world.store.list<KeyPairRecord>('linode', 'keypair').map((e) => e.value)
    if (id === undefined) {
      if (m === 'GET')
        return this.paginate(
          request,
          all().map((k) => this.sshKeyJson(k)),
          filter,
        )
      if (m === 'POST') {
        const body = obj(raw)
        const sshKey = body?.ssh_key
        const parsed = typeof sshKey === 'string' ? parsePublicKey(sshKey) : undefined
        if (!parsed) return errors(400, 'SSH Key key-type must be ssh-dss, ssh-rsa, ecdsa-sha2-nistp, or ssh-ed25519.', 'ssh_key')
        const label = typeof body?.label === 'string' ? body.label : ''
        if (label.length > 64) return errors(400, 'Length must be 0-64 characters', 'label')
        const record: KeyPairRecord = {
          name: label,
          publicKey: (sshKey as string).trim(),
          fingerprint: '',
          type: parsed.kind,
          createdAt: this.world.now(),
          id: String(this.world.store.nextCounter('linode.sshkey', 100_001)),
        }
        this.world.store.insert('linode', 'keypair', record.id, '', record)
        return json(200, this.sshKeyJson(record))
      }
      return errors(405, 'Method Not Allowed')
    }
    const key = this.world.store.get<KeyPairRecord>('linode', 'keypair', id)
    if (!key) return notFound()
    if (m === 'GET') return json(200, this.sshKeyJson(key))
    if (m === 'DELETE') {
      this.world.store.remove('linode', 'keypair', id)
      return json(200, {})
    }
    if (m === 'PUT') {
      const label = obj(raw)?.label
      if (typeof label !== 'string') return errors(400, 'label is required', 'label')
      const updated = {...key, name: label}
      this.world.store.update('linode', 'keypair', id, '', updated)
      return json(200, this.sshKeyJson(updated))
    }
    return errors(405, 'Method Not Allowed')
  }
}

function typeJson(t: LinodeType): Body {
  return {
    id: t.id,
    label: t.label,
    class: t.class,
    disk: t.disk,
    memory: t.memory,
    vcpus: t.vcpus,
    gpus: 0,
    network_out: t.networkOut,
    transfer: t.transfer,
    price: {hourly: t.hourly, monthly: t.monthly},
    region_prices: [],
    addons: {backups: {price: {hourly: t.backupsHourly, monthly: t.backupsMonthly}, region_prices: []}},
    successor: null,
  }
}

function regionJson(r: LinodeRegion): Body {
  return {
    id: r.id,
    label: r.label,
    country: r.country,
    capabilities: ['Linodes', 'Backups', 'NodeBalancers', 'Block Storage', 'Cloud Firewall', 'Vlans', 'Metadata', 'Placement Groups'],
    status: 'ok',
    resolvers: {ipv4: '173.230.145.5,173.230.147.5,173.230.155.5', ipv6: '2600:3c03::5,2600:3c03::6,2600:3c03::7'},
    placement_group_limits: {maximum_pgs_per_customer: null, maximum_linodes_per_pg: 5},
    'site-type': 'core',
  }
}

function imageJson(i: LinodeImage): Body {
  return {
    id: i.id,
    label: i.label,
    description: null,
    created: i.created,
    updated: i.created,
    created_by: 'linode',
    deprecated: false,
    is_public: true,
    size: i.size,
    total_size: i.size,
    status: 'available',
    type: 'manual',
    vendor: i.vendor,
    eol: i.eol,
    expiry: null,
    capabilities: ['cloud-init'],
    regions: [],
    tags: [PROBE_TAG],
  }
}
