import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {OPENSTACK} from '../../src/sandbox/catalog.js'
import {novaSpecMaxVersion, novaViolations} from '../drivers/openstack/spec.js'
import {http, keystoneToken, openSandbox, type TestSandbox} from './helpers.js'
import {beyondKnownGaps} from './spec-gaps.js'

// The OpenStack cloud beyond Nova 2.1: Glance v2, Neutron v2.0 and Cinder v3 from the catalogue, and
// Nova's microversions up to the newest the compute spec describes, each answer held to that spec.

let box: TestSandbox
let token: string
let endpoint: (type: string, region?: string) => string
const auth = (more: Record<string, string> = {}) => ({'x-auth-token': token, ...more})
const at = (version: string) => auth({'openstack-api-version': `compute ${version}`})
const images = (query = '') => http(`${endpoint('image')}/v2/images${query}`, {headers: auth()})
const neutron = (path: string, init: {method?: string; json?: unknown} = {}) => http(`${endpoint('network')}/v2.0${path}`, {...init, headers: auth()})
const nova = (path: string, headers = auth(), init: {method?: string; json?: unknown} = {}) => http(`${endpoint('compute')}${path}`, {...init, headers})

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: 100, seedNodes: {openstack: 2}})
  ;({token, endpoint} = await keystoneToken(box.handle))
})

afterAll(async () => {
  await box?.close()
})

describe('the Keystone catalogue', () => {
  it('lists Glance, Neutron and Cinder beside Nova in both regions, and each root answers its version document', async () => {
    for (const region of OPENSTACK.regions) {
      for (const type of ['compute', 'image', 'network', 'volumev3', 'block-storage']) expect(endpoint(type, region)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    }
    expect(endpoint('volumev3')).toBe(endpoint('block-storage'))
    expect(endpoint('volumev3')).toMatch(/\/volume\/regionone\/v3\/[0-9a-f]{32}$/)
    const glance = await http(endpoint('image'))
    expect(glance.status).toBe(300)
    expect(glance.body.versions[0]).toMatchObject({id: 'v2.16', status: 'CURRENT', links: [{rel: 'self', href: `${endpoint('image')}/v2/`}]})
    const neutron = await http(endpoint('network'))
    expect(neutron.body.versions).toEqual([{id: 'v2.0', status: 'CURRENT', links: [{rel: 'self', href: `${endpoint('network')}/v2.0/`}]}])
    const cinder = await http(endpoint('volumev3').replace(/\/v3\/.*$/, '/'))
    expect(cinder.body.versions[0]).toMatchObject({id: 'v3.0', status: 'CURRENT', min_version: '3.0'})
    const unauthenticated = await http(`${endpoint('network')}/v2.0/networks`)
    expect(unauthenticated.status).toBe(401)
    expect(unauthenticated.body.error).toMatchObject({code: 401, title: 'Unauthorized'})
  })
})

describe('Glance v2', () => {
  it('pages with limit and a next link that carries the marker, newest first by default', async () => {
    const first = await images('?limit=3')
    expect(first.status).toBe(200)
    expect(first.body.images).toHaveLength(3)
    const created = first.body.images.map((i: {created_at: string}) => i.created_at)
    expect([...created].sort().reverse()).toEqual(created)
    expect(first.body.next).toMatch(/^\/v2\/images\?/)
    const next = new URL(first.body.next, 'http://x').searchParams
    expect(next.get('marker')).toBe(first.body.images[2].id)
    const second = await images(`?${next.toString()}`)
    expect(second.body.images).toHaveLength(OPENSTACK.images.length - 3)
    expect(second.body.next).toBeUndefined()
    expect(new Set([...first.body.images, ...second.body.images].map((i: {id: string}) => i.id)).size).toBe(OPENSTACK.images.length)
  })

  it('filters (name, in:, os_distro, visibility) and sorts (sort_key/sort_dir and sort=)', async () => {
    const byName = await images('?name=cirros-0.6.2-x86_64-disk')
    expect(byName.body.images.map((i: {name: string}) => i.name)).toEqual(['cirros-0.6.2-x86_64-disk'])
    expect(byName.body.images[0]).toMatchObject({
      status: 'active',
      visibility: 'public',
      disk_format: 'qcow2',
      container_format: 'bare',
      os_distro: 'cirros',
      self: `/v2/images/${byName.body.images[0].id}`,
    })
    const either = await images('?name=in:cirros-0.6.2-x86_64-disk,debian-12-genericcloud-amd64&sort_key=name&sort_dir=asc')
    expect(either.body.images.map((i: {name: string}) => i.name)).toEqual(['cirros-0.6.2-x86_64-disk', 'debian-12-genericcloud-amd64'])
    expect((await images('?os_distro=ubuntu&sort=name:desc')).body.images.map((i: {name: string}) => i.name)).toEqual([
      'ubuntu-24.04-server-cloudimg-amd64',
      'ubuntu-22.04-server-cloudimg-amd64',
    ])
    expect((await images('?visibility=private')).body.images).toEqual([])
    const badSort = await images('?sort_key=colour')
    expect(badSort.status).toBe(400)
    expect(badSort.body).toMatchObject({code: '400 Bad Request', title: 'Bad Request'})
  })

  it('shows one image, and answers 404 as Glance does', async () => {
    const {id} = OPENSTACK.images[0]
    expect((await http(`${endpoint('image')}/v2/images/${id}`, {headers: auth()})).body).toMatchObject({id, min_disk: OPENSTACK.images[0].minDisk})
    const missing = await http(`${endpoint('image')}/v2/images/00000000-0000-4000-a000-000000000000`, {headers: auth()})
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({code: '404 Not Found', title: 'Not Found', message: 'No image found with ID 00000000-0000-4000-a000-000000000000'})
  })
})

describe('Neutron v2.0', () => {
  it('lists the public and private networks with their subnets, filtered by field', async () => {
    const {networks} = (await neutron('/networks')).body
    expect(networks.map((n: {name: string}) => n.name)).toEqual(['public', 'private'])
    expect(networks[0]).toMatchObject({status: 'ACTIVE', 'router:external': true, admin_state_up: true})
    const {subnets} = (await neutron(`/subnets?network_id=${networks[1].id}`)).body
    expect(subnets).toEqual([expect.objectContaining({id: networks[1].subnets[0], cidr: '10.0.0.0/16', ip_version: 4})])
    expect((await neutron('/networks?router:external=true&fields=id&fields=name')).body.networks).toEqual([{id: networks[0].id, name: 'public'}])
    const missing = await neutron('/networks/00000000-0000-4000-a000-000000000000')
    expect(missing.status).toBe(404)
    expect(missing.body.NeutronError).toMatchObject({type: 'NetworkNotFound', detail: ''})
  })

  it("has a port per server and network carrying the server's addresses", async () => {
    const {servers} = (await http(`${endpoint('compute')}/servers/detail`, {headers: auth()})).body
    const server = servers[0]
    const {ports} = (await neutron(`/ports?device_id=${server.id}`)).body
    expect(ports.map((p: {fixed_ips: {ip_address: string}[]}) => p.fixed_ips[0].ip_address).sort()).toEqual(
      [server.addresses.public[0].addr, server.addresses.private[0].addr].sort(),
    )
    expect(ports[0]).toMatchObject({device_owner: 'compute:nova', status: 'ACTIVE'})
  })

  it('creates security groups and rules, refuses duplicates and bad rules with Neutron errors, and keeps a group in use', async () => {
    const {security_groups: before} = (await neutron('/security-groups')).body
    expect(before.map((g: {name: string}) => g.name)).toEqual(['default'])
    const created = await neutron('/security-groups', {method: 'POST', json: {security_group: {name: 'web', description: 'HTTP'}}})
    expect(created.status).toBe(201)
    const group = created.body.security_group
    expect(group.security_group_rules.map((r: {direction: string; ethertype: string}) => `${r.direction}/${r.ethertype}`)).toEqual(['egress/IPv4', 'egress/IPv6'])
    const rule = {security_group_id: group.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0'}
    const added = await neutron('/security-group-rules', {method: 'POST', json: {security_group_rule: rule}})
    expect(added.status).toBe(201)
    const again = await neutron('/security-group-rules', {method: 'POST', json: {security_group_rule: rule}})
    expect(again.status).toBe(409)
    expect(again.body.NeutronError).toEqual({
      type: 'SecurityGroupRuleExists',
      message: `Security group rule already exists. Rule id is ${added.body.security_group_rule.id}.`,
      detail: '',
    })
    const bad = await neutron('/security-group-rules', {method: 'POST', json: {security_group_rule: {...rule, direction: 'sideways'}}})
    expect(bad.status).toBe(400)
    expect(bad.body.NeutronError.type).toBe('HTTPBadRequest')
    const noProtocol = await neutron('/security-group-rules', {method: 'POST', json: {security_group_rule: {...rule, protocol: undefined}}})
    expect(noProtocol.body.NeutronError.type).toBe('SecurityGroupProtocolRequiredWithPorts')

    // A server may join it by name; then the group cannot be deleted.
    const server = await http(`${endpoint('compute')}/servers`, {
      method: 'POST',
      headers: auth(),
      json: {server: {name: 'in-web', imageRef: OPENSTACK.images[3].id, flavorRef: '1', security_groups: [{name: 'web'}]}},
    })
    expect(server.status).toBe(202)
    expect(server.body.server.security_groups).toEqual([{name: 'web'}])
    const inUse = await neutron(`/security-groups/${group.id}`, {method: 'DELETE'})
    expect(inUse.status).toBe(409)
    expect(inUse.body.NeutronError.type).toBe('SecurityGroupInUse')
    const unknown = await http(`${endpoint('compute')}/servers`, {
      method: 'POST',
      headers: auth(),
      json: {server: {name: 'in-none', imageRef: OPENSTACK.images[3].id, flavorRef: '1', security_groups: [{name: 'nope'}]}},
    })
    expect(unknown.status).toBe(400)
    await http(`${endpoint('compute')}/servers/${server.body.server.id}`, {method: 'DELETE', headers: auth()})
    expect((await neutron(`/security-groups/${group.id}`, {method: 'DELETE'})).status).toBe(204)
    expect((await neutron(`/security-groups/${group.id}`)).status).toBe(404)
  })
})

describe('Cinder v3', () => {
  it('lists no volumes, answers 404 for one, limits, and 403 for another project', async () => {
    const base = endpoint('volumev3')
    expect((await http(`${base}/volumes/detail`, {headers: auth()})).body).toEqual({volumes: []})
    const missing = await http(`${base}/volumes/00000000-0000-4000-a000-000000000000`, {headers: auth()})
    expect(missing.status).toBe(404)
    expect(missing.body.itemNotFound.code).toBe(404)
    expect((await http(`${base}/limits`, {headers: auth()})).body.limits.absolute).toMatchObject({maxTotalVolumes: 10, totalVolumesUsed: 0})
    expect((await http(base.replace(/v3\/[0-9a-f]+$/, 'v3/someone-else/volumes'), {headers: auth()})).status).toBe(403)
  })
})

describe('Nova microversions', () => {
  it('advertises 2.1 to the maximum of the compute spec, and negotiates through either header', async () => {
    const max = novaSpecMaxVersion()
    expect(max).toBe('2.96')
    const versions = await http(endpoint('compute').replace(/\/v2\.1$/, '/'))
    expect(versions.body.versions.find((v: {id: string}) => v.id === 'v2.1')).toMatchObject({min_version: '2.1', version: max})
    expect((await nova('/', auth())).body.version).toMatchObject({min_version: '2.1', version: max})
    const plain = await nova('/servers')
    expect(plain.headers.get('openstack-api-version')).toBe('compute 2.1')
    const legacy = await nova('/servers', auth({'x-openstack-nova-api-version': '2.47'}))
    expect(legacy.headers.get('x-openstack-nova-api-version')).toBe('2.47')
    expect(legacy.headers.get('openstack-api-version')).toBe('compute 2.47')
    // The generic header wins over the legacy one.
    const both = await nova('/servers', auth({'openstack-api-version': 'compute 2.79', 'x-openstack-nova-api-version': '2.47'}))
    expect(both.headers.get('openstack-api-version')).toBe('compute 2.79')
    expect((await nova('/servers', at('latest'))).headers.get('openstack-api-version')).toBe(`compute ${max}`)
    const tooNew = await nova('/servers', at('2.97'))
    expect(tooNew.status).toBe(406)
    expect(tooNew.body.computeFault.message).toBe(`Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is ${max}.`)
    const malformed = await nova('/servers', at('two'))
    expect(malformed.status).toBe(400)
    expect(malformed.body.badRequest.message).toMatch(/is of invalid format/)
  })

  it('shapes servers as 2.1, 2.47 (flavor inside the server), 2.79 and the maximum say, each held to its spec variant', async () => {
    const {servers} = (await nova('/servers')).body
    const {id} = servers[0]
    const shown: Record<string, {server: Record<string, unknown>}> = {}
    for (const version of ['2.1', '2.47', '2.79', '2.96']) {
      const res = await nova(`/servers/${id}`, at(version))
      expect(res.status).toBe(200)
      shown[version] = res.body
      expect(beyondKnownGaps(novaViolations('ServerShowResponse', res.body, version))).toEqual([])
      expect(beyondKnownGaps(novaViolations('ServersDetailResponse', (await nova('/servers/detail', at(version))).body, version))).toEqual([])
    }
    expect(shown['2.1'].server.flavor).toMatchObject({id: '2', links: [expect.objectContaining({rel: 'bookmark'})]})
    expect(shown['2.1'].server).not.toHaveProperty('locked')
    expect(shown['2.47'].server.flavor).toEqual({vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0, original_name: 'm1.small', extra_specs: {}})
    expect(shown['2.79'].server).toMatchObject({locked: false, description: null, tags: [], server_groups: [], locked_reason: null})
    expect(shown['2.96'].server).toMatchObject({pinned_availability_zone: null})
    expect(shown['2.79'].server).not.toHaveProperty('pinned_availability_zone')
  })

  it('flavors: extra specs, descriptions from 2.55, extra_specs inline from 2.61, swap 0 from 2.75', async () => {
    expect((await nova('/flavors/1/os-extra_specs')).body).toEqual({extra_specs: {}})
    expect((await nova('/flavors/nope/os-extra_specs')).status).toBe(404)
    const old = (await nova('/flavors/1', at('2.1'))).body.flavor
    expect(old.swap).toBe('')
    expect(old).not.toHaveProperty('description')
    const newer = (await nova('/flavors/1', at('2.75'))).body.flavor
    expect(newer).toMatchObject({swap: 0, description: null, extra_specs: {}})
    expect(beyondKnownGaps(novaViolations('FlavorShowResponse', {flavor: newer}, '2.75'))).toEqual([])
    expect(beyondKnownGaps(novaViolations('FlavorsDetailResponse', (await nova('/flavors/detail', at('2.96'))).body, '2.96'))).toEqual([])
  })

  it('limits count the project servers; network limits go at 2.36', async () => {
    const {limits} = (await nova('/limits')).body
    expect(limits.rate).toEqual([])
    expect(limits.absolute).toMatchObject({maxTotalInstances: 10, totalInstancesUsed: 2, totalCoresUsed: 2, totalRAMUsed: 4096, maxSecurityGroups: 10})
    expect(beyondKnownGaps(novaViolations('LimitsListResponse', (await nova('/limits')).body))).toEqual([])
    expect((await nova('/limits', at('2.57'))).body.limits.absolute).not.toHaveProperty('maxSecurityGroups')
  })

  it('key pairs by user (2.10): yours by your id, another user is refused; type from 2.2; paged from 2.35', async () => {
    const created = await nova('/os-keypairs', at('2.2'), {method: 'POST', json: {keypair: {name: 'kp-one', type: 'ssh'}}})
    expect(created.status).toBe(200)
    expect(created.body.keypair).toMatchObject({name: 'kp-one', type: 'ssh'})
    await nova('/os-keypairs', auth(), {method: 'POST', json: {keypair: {name: 'kp-two'}}})
    const me = await userId()
    // The openstack CLI resolves --user through Keystone: a user may read their own record only.
    expect((await http(`${box.handle.endpoints.openstack}/users/${me}`, {headers: auth()})).body.user).toMatchObject({id: me, name: 'demo'})
    expect((await http(`${box.handle.endpoints.openstack}/users/someone-else`, {headers: auth()})).status).toBe(403)
    const {keypairs} = (await nova(`/os-keypairs?user_id=${me}`, at('2.10'))).body
    expect(keypairs.map((k: {keypair: {name: string}}) => k.keypair.name)).toEqual(['kp-one', 'kp-two'])
    const other = await nova('/os-keypairs?user_id=someone-else', at('2.10'))
    expect(other.status).toBe(403)
    expect(other.body.forbidden.message).toMatch(/os-keypairs/)
    const paged = (await nova('/os-keypairs?limit=1', at('2.35'))).body
    expect(paged.keypairs).toHaveLength(1)
    expect(paged.keypairs_links[0].href).toContain('marker=kp-one')
    expect((await nova('/os-keypairs', at('2.92'), {method: 'POST', json: {keypair: {name: 'kp-three'}}})).status).toBe(400)
  })

  it('server actions reboot, os-stop and os-start; the image proxy ends at 2.36; networks are required from 2.37', async () => {
    const {servers} = (await nova('/servers?status=ACTIVE')).body
    const {id} = servers[0]
    const act = (body: unknown) => nova(`/servers/${id}/action`, auth(), {method: 'POST', json: body})
    // The clock is held (Date only) so that the reboot is still under way when it is looked at.
    const start = Date.now()
    vi.useFakeTimers({toFake: ['Date'], now: start})
    try {
      expect((await act({reboot: {type: 'SOFT'}})).status).toBe(202)
      expect((await nova(`/servers/${id}`)).body.server.status).toBe('REBOOT')
      const busy = await act({'os-stop': null})
      expect(busy.status).toBe(409)
      expect(busy.body.conflictingRequest.message).toContain('task_state reboot_started')
      vi.setSystemTime(start + 1000)
      expect((await act({'os-stop': null})).status).toBe(202)
      vi.setSystemTime(start + 2000)
      expect((await nova(`/servers/${id}`)).body.server.status).toBe('SHUTOFF')
      expect((await act({'os-start': null})).status).toBe(202)
      vi.setSystemTime(start + 3000)
      expect((await nova(`/servers/${id}`)).body.server.status).toBe('ACTIVE')
    } finally {
      vi.useRealTimers()
    }
    expect((await nova('/images', at('2.35'))).status).toBe(200)
    expect((await nova('/images', at('2.36'))).status).toBe(404)
    const bare = {name: 'nets', imageRef: OPENSTACK.images[3].id, flavorRef: 'c1'}
    const missing = await nova('/servers', at('2.37'), {method: 'POST', json: {server: bare}})
    expect(missing.status).toBe(400)
    expect(missing.body.badRequest.message).toContain("'networks' is a required property")
    const auto = await nova('/servers', at('2.37'), {method: 'POST', json: {server: {...bare, networks: 'auto'}}})
    expect(auto.status).toBe(202)
    const wrongNet = await nova('/servers', at('2.37'), {method: 'POST', json: {server: {...bare, networks: [{uuid: '00000000-0000-4000-a000-000000000000'}]}}})
    expect(wrongNet.status).toBe(400)
    await nova(`/servers/${auto.body.server.id}`, auth(), {method: 'DELETE'})
  })
})

async function userId(): Promise<string> {
  const res = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {headers: {'x-auth-token': token, 'x-subject-token': token}})
  return res.body.token.user.id
}
