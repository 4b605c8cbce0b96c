import {randomUUID} from 'node:crypto'

import {stableHex, stableUuid} from '../catalog.js'
import {empty, json, parseJsonBody, type SandboxRequest, type SandboxResponse} from '../http.js'
import type {NodeRecord} from '../types.js'
import type {World} from '../world.js'

/**
 * Neutron (networking v2.0) for the OpenStack cloud: the two networks every server joins (public and
 * private) with their subnets, a port per server and network, and security groups with rules, which
 * the project creates and deletes. Filters are field equality as Neutron's are; errors are
 * `{"NeutronError": {"type", "message", "detail"}}`.
 */

type Body = Record<string, unknown>

export interface NeutronScope {
  region: string
  projectId: string
  /** Absolute URL of this region's network endpoint (no version), e.g. http://127.0.0.1:8774/network/regionone */
  base: string
}

export interface RuleRecord {
  id: string
  direction: 'ingress' | 'egress'
  ethertype: 'IPv4' | 'IPv6'
  protocol: string | null
  port_range_min: number | null
  port_range_max: number | null
  remote_ip_prefix: string | null
  remote_group_id: string | null
  description: string
  createdAt: number
}

export interface NeutronGroupRecord {
  id: string
  name: string
  description: string
  projectId: string
  stateful: boolean
  rules: RuleRecord[]
  createdAt: number
  updatedAt: number
  revision: number
}

export function neutronError(status: number, type: string, message: string): SandboxResponse {
  return json(status, {NeutronError: {type, message, detail: ''}})
}

function obj(value: unknown): Body | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const EPOCH = Date.parse('2024-07-01T09:00:00Z')
/** The project that owns the cloud's shared resources (the external network, public images). */
export const ADMIN_PROJECT = stableHex('openstack/admin-project', 32)
const PROTOCOLS = new Set(['tcp', 'udp', 'icmp', 'ipv6-icmp', 'icmpv6', 'sctp', 'gre', 'esp', 'ah', 'any'])

/** The networks of a region: the external "public" one and the project's "private" one. */
function networks(region: string, projectId: string) {
  const make = (name: string, cidr: string, external: boolean, gateway: string) => {
    const id = stableUuid(`openstack/${region}/network/${name}`)
    const subnetId = stableUuid(`openstack/${region}/subnet/${name}`)
    return {id, name, cidr, external, gateway, subnetId}
  }
  return [make('public', '127.0.0.0/8', true, '127.0.0.1'), make('private', '10.0.0.0/16', false, '10.0.0.1')].map((n) => ({
    ...n,
    projectId: n.external ? ADMIN_PROJECT : projectId,
  }))
}

type NetworkInfo = ReturnType<typeof networks>[number]

/** Neutron's default security group of a project: egress open, ingress only from the group itself. */
function defaultGroup(region: string, projectId: string): NeutronGroupRecord {
  const id = stableUuid(`openstack/${region}/${projectId}/secgroup/default`)
  const rule = (direction: 'ingress' | 'egress', ethertype: 'IPv4' | 'IPv6'): RuleRecord => ({
    id: stableUuid(`${id}/${direction}/${ethertype}`),
    direction,
    ethertype,
    protocol: null,
    port_range_min: null,
    port_range_max: null,
    remote_ip_prefix: null,
    remote_group_id: direction === 'ingress' ? id : null,
    description: '',
    createdAt: EPOCH,
  })
  return {
    id,
    name: 'default',
    description: 'Default security group',
    projectId,
    stateful: true,
    rules: [rule('egress', 'IPv4'), rule('egress', 'IPv6'), rule('ingress', 'IPv4'), rule('ingress', 'IPv6')],
    createdAt: EPOCH,
    updatedAt: EPOCH,
    revision: 1,
  }
}

/** `?name=a&name=b` means either; `fields=` narrows each item to those keys (id always kept by Neutron only when asked). */
function filtered(items: Body[], query: URLSearchParams): Body[] {
  const wanted = new Map<string, string[]>()
  for (const [key, value] of query) {
    if (['fields', 'limit', 'marker', 'page_reverse', 'sort_key', 'sort_dir'].includes(key)) continue
    wanted.set(key, [...(wanted.get(key) ?? []), value])
  }
  const fields = query.getAll('fields')
  return items
    .filter((item) =>
      [...wanted].every(([key, values]) => {
        if (!(key in item)) return true
        const actual = item[key]
        if (key === 'fixed_ips') return true
        return values.some((v) => String(actual) === v || (typeof actual === 'boolean' && String(actual) === v.toLowerCase()))
      }),
    )
    .map((item) => (fields.length > 0 ? Object.fromEntries(Object.entries(item).filter(([k]) => fields.includes(k))) : item))
}

export class Neutron {
  constructor(private readonly world: World) {}

  /** GET /network/<region>/: the version list Neutron answers at its root. */
  versions(scope: NeutronScope): SandboxResponse {
    return json(200, {versions: [{id: 'v2.0', status: 'CURRENT', links: [{rel: 'self', href: `${scope.base}/v2.0/`}]}]})
  }

  route(request: SandboxRequest, path: string, scope: NeutronScope): SandboxResponse {
    const parts = path
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p.replace(/\.json$/, '')))
    const m = request.method
    const [collection, id] = parts
    if (parts.length === 0 && m === 'GET') {
      const resources = ['networks', 'subnets', 'ports', 'security-groups', 'security-group-rules'].map((name) => ({
        name: name.replace(/s$/, ''),
        collection: name,
        links: [{rel: 'self', href: `${scope.base}/v2.0/${name}`}],
      }))
      return json(200, {resources})
    }
    if (parts.length > 2) return this.notFound(path)
    const body = parseJsonBody(request.body)
    switch (collection) {
      case 'networks': {
        if (m !== 'GET') break
        return this.read(
          request,
          'network',
          this.networks(scope).map((n) => this.networkJson(n)),
          id,
        )
      }
      case 'subnets': {
        if (m !== 'GET') break
        return this.read(
          request,
          'subnet',
          this.networks(scope).map((n) => this.subnetJson(n)),
          id,
        )
      }
      case 'ports': {
        if (m !== 'GET') break
        return this.read(request, 'port', this.ports(scope), id)
      }
      case 'security-groups': {
        if (m === 'GET')
          return this.read(
            request,
            'security_group',
            this.groups(scope).map((g) => this.groupJson(g)),
            id,
          )
        if (m === 'POST' && id === undefined) return this.createGroup(body, scope)
        if (m === 'DELETE' && id !== undefined) return this.deleteGroup(id, scope)
        if (m === 'PUT' && id !== undefined) return this.updateGroup(id, body, scope)
        break
      }
      case 'security-group-rules': {
        if (m === 'GET')
          return this.read(
            request,
            'security_group_rule',
            this.groups(scope).flatMap((g) => g.rules.map((r) => this.ruleJson(r, g))),
            id,
          )
        if (m === 'POST' && id === undefined) return this.createRule(body, scope)
        if (m === 'DELETE' && id !== undefined) return this.deleteRule(id, scope)
        break
      }
      default: {
        return this.notFound(path)
      }
    }
    return neutronError(405, 'HTTPMethodNotAllowed', 'The method is not allowed for this resource.')
  }

  networkIds(region: string): string[] {
    return networks(region, '').map((n) => n.id)
  }

  networkSummaries(region: string, projectId: string): {id: string; name: string; cidr: string; projectId: string}[] {
    return networks(region, projectId)
  }

  listGroups(region: string, projectId: string): NeutronGroupRecord[] {
    return this.groups({region, projectId})
  }

  /** The security groups a server may name at create: by name or id, in its project and region. */
  findGroup(region: string, projectId: string, nameOrId: string): NeutronGroupRecord | undefined {
    const groups = this.groups({region, projectId})
    return groups.find((g) => g.id === nameOrId) ?? groups.find((g) => g.name === nameOrId)
  }

  // ------------------------------------------------------------ reading

  private notFound(path: string): SandboxResponse {
    return neutronError(404, 'HTTPNotFound', `The resource could not be found: ${path}`)
  }

  private read(request: SandboxRequest, kind: string, items: Body[], id: string | undefined): SandboxResponse {
    const plural = kind.endsWith('y') ? `${kind.slice(0, -1)}ies` : `${kind}s`
    if (id !== undefined) {
      const item = items.find((i) => i.id === id)
      if (!item) {
        const type = kind
          .split('_')
          .map((w) => w[0].toUpperCase() + w.slice(1))
          .join('')
        return neutronError(
          404,
          `${type}NotFound`,
          `${kind === 'security_group_rule' ? 'Security group rule' : kind === 'security_group' ? 'Security group' : type} ${id} could not be found.`,
        )
      }
      return json(200, {[kind]: filtered([item], new URLSearchParams(request.url.searchParams.getAll('fields').map((f): [string, string] => ['fields', f])))[0]})
    }
    const q = request.url.searchParams
    let selected = filtered(items, q)
    const limit = q.get('limit')
    const marker = q.get('marker')
    let links: unknown[] | undefined
    if (marker !== null) {
      const at = selected.findIndex((i) => i.id === marker)
      selected = at === -1 ? [] : selected.slice(at + 1)
    }
    if (limit !== null && /^\d+$/.test(limit) && Number(limit) > 0 && selected.length > Number(limit)) {
      selected = selected.slice(0, Number(limit))
      const next = new URLSearchParams(q)
      next.set('marker', String(selected.at(-1)!.id))
      links = [{rel: 'next', href: `${request.url.origin}${request.url.pathname}?${next.toString()}`}]
    }
    return json(200, {[plural]: selected, ...(links ? {[`${plural}_links`]: links} : {})})
  }

  private networks(scope: Pick<NeutronScope, 'region' | 'projectId'>): NetworkInfo[] {
    return networks(scope.region, scope.projectId)
  }

  private stamps(createdAt: number, updatedAt: number, revision: number): Body {
    return {created_at: iso(createdAt), updated_at: iso(updatedAt), revision_number: revision, tags: []}
  }

  private networkJson(n: NetworkInfo): Body {
    return {
      id: n.id,
      name: n.name,
      description: '',
      status: 'ACTIVE',
      admin_state_up: true,
      shared: false,
      'router:external': n.external,
      subnets: [n.subnetId],
      project_id: n.projectId,
      tenant_id: n.projectId,
      mtu: 1450,
      port_security_enabled: true,
      availability_zone_hints: [],
      availability_zones: ['nova'],
      ipv4_address_scope: null,
      ipv6_address_scope: null,
      is_default: n.external,
      l2_adjacency: true,
      ...this.stamps(EPOCH, EPOCH, 1),
    }
  }

  private subnetJson(n: NetworkInfo): Body {
    const [prefix] = n.cidr.split('/')
    const octets = prefix.split('.')
    return {
      id: n.subnetId,
      name: `${n.name}-subnet`,
      description: '',
      network_id: n.id,
      project_id: n.projectId,
      tenant_id: n.projectId,
      ip_version: 4,
      cidr: n.cidr,
      gateway_ip: n.gateway,
      enable_dhcp: !n.external,
      allocation_pools: [{start: `${octets[0]}.${octets[1]}.0.2`, end: n.external ? '127.255.255.254' : '10.0.255.254'}],
      dns_nameservers: [],
      host_routes: [],
      ipv6_address_mode: null,
      ipv6_ra_mode: null,
      subnetpool_id: null,
      segment_id: null,
      service_types: [],
      ...this.stamps(EPOCH, EPOCH, 0),
    }
  }

  /** One port per server and network, carrying the address Nova shows for it. */
  private ports(scope: NeutronScope): Body[] {
    const nets = this.networks(scope)
    return this.world
      .listNodes('openstack', scope.region)
      .map((e) => e.node)
      .filter((n) => n.nova?.tenantId === scope.projectId && n.status !== 'DELETED')
      .flatMap((node) => nets.map((net) => this.portJson(node, net, scope)))
  }

  private portJson(node: NodeRecord, net: NetworkInfo, scope: NeutronScope): Body {
    const id = stableUuid(`port/${node.id}/${net.name}`)
    const groups = (node.nova?.securityGroups ?? ['default']).map((g) => this.findGroup(scope.region, scope.projectId, g)?.id).filter(Boolean)
    return {
      id,
      name: '',
      description: '',
      network_id: net.id,
      project_id: scope.projectId,
      tenant_id: scope.projectId,
      mac_address: `fa:16:3e:${id.slice(0, 6).match(/../g)!.join(':')}`,
      admin_state_up: true,
      status: node.status === 'BUILD' ? 'DOWN' : 'ACTIVE',
      device_id: node.id,
      device_owner: 'compute:nova',
      fixed_ips: [{subnet_id: net.subnetId, ip_address: net.external ? node.publicIp : node.privateIp}],
      allowed_address_pairs: [],
      extra_dhcp_opts: [],
      security_groups: groups,
      port_security_enabled: true,
      binding_vnic_type: 'normal',
      'binding:vnic_type': 'normal',
      ...this.stamps(node.createdAt, node.updatedAt, 2),
    }
  }

  // ------------------------------------------------------------ security groups

  private groups(scope: Pick<NeutronScope, 'region' | 'projectId'>): NeutronGroupRecord[] {
    const own = this.world.store
      .list<NeutronGroupRecord>('openstack', 'secgroup', scope.region)
      .map((e) => e.value)
      .filter((g) => g.projectId === scope.projectId)
    const stored = own.find((g) => g.name === 'default')
    return stored ? own : [defaultGroup(scope.region, scope.projectId), ...own]
  }

  private save(scope: NeutronScope, group: NeutronGroupRecord, fresh: boolean): void {
    if (fresh) this.world.store.insert('openstack', 'secgroup', group.id, scope.region, group)
    else this.world.store.update('openstack', 'secgroup', group.id, scope.region, group)
  }

  private ruleJson(r: RuleRecord, g: NeutronGroupRecord): Body {
    return {
      id: r.id,
      security_group_id: g.id,
      direction: r.direction,
      ethertype: r.ethertype,
      protocol: r.protocol,
      port_range_min: r.port_range_min,
      port_range_max: r.port_range_max,
      remote_ip_prefix: r.remote_ip_prefix,
      remote_group_id: r.remote_group_id,
      remote_address_group_id: null,
      normalized_cidr: r.remote_ip_prefix,
      description: r.description,
      project_id: g.projectId,
      tenant_id: g.projectId,
      belongs_to_default_sg: g.name === 'default',
      ...this.stamps(r.createdAt, r.createdAt, 0),
    }
  }

  private groupJson(g: NeutronGroupRecord): Body {
    return {
      id: g.id,
      name: g.name,
      description: g.description,
      project_id: g.projectId,
      tenant_id: g.projectId,
      stateful: g.stateful,
      shared: false,
      security_group_rules: g.rules.map((r) => this.ruleJson(r, g)),
      ...this.stamps(g.createdAt, g.updatedAt, g.revision),
    }
  }

  private badRequest(message: string): SandboxResponse {
    return neutronError(400, 'HTTPBadRequest', message)
  }

  private createGroup(body: unknown, scope: NeutronScope): SandboxResponse {
    const given = obj(obj(body)?.security_group)
    if (!given) return this.badRequest('Resource body required')
    const {name = '', description = ''} = given
    if (typeof name !== 'string' || name.length > 255) return this.badRequest(`Invalid input for name. Reason: '${String(name)}' is not a valid string.`)
    if (typeof description !== 'string' || description.length > 255)
      return this.badRequest(`Invalid input for description. Reason: '${String(description)}' is not a valid string.`)
    if (name === 'default') return neutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.')
    const now = this.world.now()
    const id = randomUUID()
    const egress = (ethertype: 'IPv4' | 'IPv6'): RuleRecord => ({
      id: randomUUID(),
      direction: 'egress',
      ethertype,
      protocol: null,
      port_range_min: null,
      port_range_max: null,
      remote_ip_prefix: null,
      remote_group_id: null,
      description: '',
      createdAt: now,
    })
    const group: NeutronGroupRecord = {
      id,
      name,
      description,
      projectId: scope.projectId,
      stateful: given.stateful !== false,
      rules: [egress('IPv4'), egress('IPv6')],
      createdAt: now,
      updatedAt: now,
      revision: 1,
    }
    this.save(scope, group, true)
    return json(201, {security_group: this.groupJson(group)})
  }

  private updateGroup(id: string, body: unknown, scope: NeutronScope): SandboxResponse {
    const group = this.groups(scope).find((g) => g.id === id)
    if (!group) return neutronError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`)
    const given = obj(obj(body)?.security_group)
    if (!given) return this.badRequest('Resource body required')
    const updated = {
      ...group,
      name: typeof given.name === 'string' ? given.name : group.name,
      description: typeof given.description === 'string' ? given.description : group.description,
      updatedAt: this.world.now(),
      revision: group.revision + 1,
    }
    this.save(scope, updated, !this.world.store.get('openstack', 'secgroup', id))
    return json(200, {security_group: this.groupJson(updated)})
  }

  private deleteGroup(id: string, scope: NeutronScope): SandboxResponse {
    const group = this.groups(scope).find((g) => g.id === id)
    if (!group) return neutronError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`)
    if (group.name === 'default') return neutronError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.')
    const inUse = this.world
      .listNodes('openstack', scope.region)
      .some((e) => e.node.nova?.tenantId === scope.projectId && e.node.nova.securityGroups.some((g) => g === group.name || g === group.id))
    if (inUse) return neutronError(409, 'SecurityGroupInUse', `Security Group ${id} in use.`)
    this.world.store.remove('openstack', 'secgroup', id)
    return empty(204)
  }

  private createRule(body: unknown, scope: NeutronScope): SandboxResponse {
    const given = obj(obj(body)?.security_group_rule)
    if (!given) return this.badRequest('Resource body required')
    const groupId = given.security_group_id
    if (typeof groupId !== 'string') return this.badRequest("Failed to parse request. Required attribute 'security_group_id' not specified")
    const {direction} = given
    if (direction !== 'ingress' && direction !== 'egress') {
      return this.badRequest(`Invalid input for direction. Reason: ${String(direction)} is not in valid_values.`)
    }
    const ethertype = given.ethertype ?? 'IPv4'
    if (ethertype !== 'IPv4' && ethertype !== 'IPv6')
      return neutronError(400, 'SecurityGroupRuleInvalidEtherType', `Security group rule for ethertype '${String(ethertype)}' not supported. Allowed values are ['IPv4', 'IPv6'].`)
    let protocol = given.protocol ?? null
    if (protocol !== null) {
      protocol = String(protocol).toLowerCase()
      if (!PROTOCOLS.has(protocol as string) && !/^\d{1,3}$/.test(protocol as string)) {
        return neutronError(
          400,
          'SecurityGroupRuleInvalidProtocol',
          `Security group rule protocol ${String(given.protocol)} not supported. Only protocol values [None, 'ah', 'any', 'esp', 'gre', 'icmp', 'icmpv6', 'ipv6-icmp', 'sctp', 'tcp', 'udp'] and integer representations [0 to 255] are supported.`,
        )
      }
      if (protocol === 'any') protocol = null
    }
    const port = (key: string): number | null | SandboxResponse => {
      const value = given[key]
      if (value === undefined || value === null) return null
      const n = Number(value)
      if (!Number.isInteger(n) || n < 0 || n > 65_535) return this.badRequest(`Invalid input for ${key}. Reason: '${String(value)}' is not a valid port number.`)
      return n
    }
    const min = port('port_range_min')
    if (typeof min === 'object' && min !== null) return min
    const max = port('port_range_max')
    if (typeof max === 'object' && max !== null) return max
    if ((min !== null || max !== null) && protocol === null) {
      return neutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.')
    }
    if ((protocol === 'tcp' || protocol === 'udp') && min !== null && max !== null && min > max) {
      return neutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max')
    }
    const prefix = given.remote_ip_prefix ?? null
    if (prefix !== null && (typeof prefix !== 'string' || !/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(prefix))) {
      return this.badRequest(`Invalid input for remote_ip_prefix. Reason: '${String(prefix)}' is not a valid IP subnet.`)
    }
    const group = this.groups(scope).find((g) => g.id === groupId)
    if (!group) return neutronError(404, 'SecurityGroupNotFound', `Security group ${groupId} does not exist`)
    const rule: RuleRecord = {
      id: randomUUID(),
      direction,
      ethertype,
      protocol: protocol as string | null,
      port_range_min: min,
      port_range_max: max,
      remote_ip_prefix: prefix as string | null,
      remote_group_id: typeof given.remote_group_id === 'string' ? given.remote_group_id : null,
      description: typeof given.description === 'string' ? given.description : '',
      createdAt: this.world.now(),
    }
    const same = group.rules.find((r) =>
      (['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'] as const).every((k) => r[k] === rule[k]),
    )
    if (same) return neutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${same.id}.`)
    const updated = {...group, rules: [...group.rules, rule], updatedAt: rule.createdAt, revision: group.revision + 1}
    this.save(scope, updated, !this.world.store.get('openstack', 'secgroup', group.id))
    return json(201, {security_group_rule: this.ruleJson(rule, updated)})
  }

  private deleteRule(id: string, scope: NeutronScope): SandboxResponse {
    const group = this.groups(scope).find((g) => g.rules.some((r) => r.id === id))
    if (!group) return neutronError(404, 'SecurityGroupRuleNotFound', `Security group rule ${id} does not exist`)
    const updated = {...group, rules: group.rules.filter((r) => r.id !== id), updatedAt: this.world.now(), revision: group.revision + 1}
    this.save(scope, updated, !this.world.store.get('openstack', 'secgroup', group.id))
    return empty(204)
  }
}
