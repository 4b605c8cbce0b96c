import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {NotFoundError, ProviderError, RateLimitError, TimeoutError, TransientError, ValidationError} from '../../../src/core/errors.js'
import {openNovaDriver} from '../../../src/drivers/openstack/flavour.js'
import {openStackConfig} from '../../../src/drivers/openstack/index.js'
import type {NovaDriver} from '../../../src/drivers/openstack/driver.js'
import {RACKSPACE_PUBLIC_NET, RACKSPACE_SERVICENET, rackspaceConfig} from '../../../src/drivers/rackspace/index.js'
import {FakeCloud, KEYSTONE_USER, MODERN_IMAGE_ID, RACKSPACE_USER, type RecordedRequest} from './fake-cloud.js'
import {FAST, type Sandbox, sandboxDir, settings} from './helpers.js'

type Json = Record<string, unknown>

const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl mc-probe'

let cloud: FakeCloud
let box: Sandbox

async function rackspace(extra: {pageSize?: number; region?: string} = {}): Promise<NovaDriver> {
  const config = rackspaceConfig(
    settings('rackspace', {region: extra.region ?? 'ORD', endpoint: cloud.identity, env: {RAX_USERNAME: RACKSPACE_USER.username, RAX_API_KEY: RACKSPACE_USER.apiKey}}),
  )
  return openNovaDriver(config, box.context(), {...FAST, pageSize: extra.pageSize})
}

async function openstack(): Promise<NovaDriver> {
  const config = openStackConfig(
    settings('openstack', {
      env: {OS_AUTH_URL: `${cloud.identity}/v3`, OS_USERNAME: KEYSTONE_USER.username, OS_PASSWORD: KEYSTONE_USER.password, OS_PROJECT_NAME: 'admin'},
    }),
  )
  return openNovaDriver(config, box.context(), FAST)
}

function calls(method: string, path: string | RegExp): RecordedRequest[] {
  return cloud.computeRequests().filter((r) => r.method === method && (typeof path === 'string' ? r.path === path : path.test(r.path)))
}

beforeAll(async () => {
  cloud = await new FakeCloud().start()
})
afterAll(async () => {
  await cloud.stop()
})
beforeEach(() => {
  box = sandboxDir()
  cloud.requests.length = 0
})
afterEach(() => {
  box.cleanup()
  // Every body the driver sent, and every body the fake made up, held to the Nova 2.1 schema.
  expect(cloud.violations).toEqual([])
})

describe('listings', () => {
  it('follows servers_links page by page, with limit and marker, whatever host the link names', async () => {
    const driver = await rackspace({pageSize: 1})
    const nodes = await driver.listNodes()
    expect(nodes.map((n) => n.id)).toEqual(['12065', '12064'])
    const pages = calls('GET', '/servers/detail')
    expect(pages.map((p) => [p.query.get('limit'), p.query.get('marker')])).toEqual([
      ['1', null],
      ['1', '12065'],
      ['1', '12064'],
    ])
    // The links name nova-internal.invalid; every request still went to the catalogue's endpoint.
    expect(new Set(pages.map((p) => p.endpoint))).toEqual(new Set(['ord.servers.api.rackspacecloud.com/v2/1337']))
  })

  it('pages through flavors and images as well', async () => {
    const driver = await rackspace({pageSize: 3})
    expect(await driver.listSizes()).toHaveLength(8)
    expect(calls('GET', '/flavors/detail')).toHaveLength(3)
    const images = await driver.listImages()
    expect(images.map((i) => i.id)).toContain(MODERN_IMAGE_ID)
    expect(calls('GET', '/images/detail').length).toBeGreaterThan(3)
  })

  it("stops with an error when Nova's next link does not advance", async () => {
    const driver = await rackspace()
    const page = {servers: [{id: 'a', name: 'a', status: 'ACTIVE'}], servers_links: [{rel: 'next', href: 'http://x/servers/detail?marker=a&limit=1'}]}
    cloud.fail({path: /^\/servers\/detail$/, status: 200, body: page, headers: {'content-type': 'application/json'}, times: 2})
    await expect(driver.listNodes()).rejects.toThrow("Nova's pagination of /servers/detail does not advance (next marker a).")
  })

  it('filters nodes by state, tag and name glob', async () => {
    const driver = await rackspace()
    expect((await driver.listNodes({states: ['running']})).map((n) => n.name)).toEqual(['lc-test'])
    expect((await driver.listNodes({name: 'lc-*'})).map((n) => n.name)).toEqual(['lc-test-2', 'lc-test'])
    expect(await driver.listNodes({tags: {role: 'probe'}})).toEqual([])
  })

  it('filters images by name glob and owner', async () => {
    const driver = await rackspace()
    expect((await driver.listImages({name: 'Ubuntu 22.04*'})).map((i) => i.id)).toEqual([MODERN_IMAGE_ID])
    expect(await driver.listImages({owners: ['self']})).toEqual([])
    cloud
      .state('ord.servers.api.rackspacecloud.com/v2/1337')
      .images.push(
        {id: 'snap-1', name: 'my snapshot', status: 'ACTIVE', metadata: {image_type: 'snapshot'}},
        {id: 'other-1', name: 'shared', status: 'ACTIVE', metadata: {owner_id: '9999'}},
        {id: 'gone-1', name: 'deleted', status: 'DELETED', metadata: {image_type: 'snapshot'}},
      )
    expect((await driver.listImages({owners: ['self']})).map((i) => i.id)).toEqual(['snap-1'])
    expect((await driver.listImages({owners: ['9999']})).map((i) => i.id)).toEqual(['other-1'])
    expect((await driver.listImages({owners: ['self'], name: 'shared'})).map((i) => i.id)).toEqual([])
  })

  it('lists key pairs, locations and regions; Rackspace names its regions', async () => {
    const driver = await rackspace()
    expect((await driver.listKeyPairs()).map((k) => k.name)).toEqual(['key1', 'key2'])
    expect(await driver.listRegions()).toEqual(['DFW', 'HKG', 'IAD', 'ORD', 'SYD'])
    const locations = await driver.listLocations()
    expect(locations.find((l) => l.id === 'ORD')).toEqual({id: 'ORD', name: 'Chicago', provider: 'rackspace', kind: 'region', country: 'US', extra: {}})
    expect(locations.map((l) => l.country)).toEqual(['US', 'HK', 'US', 'US', 'AU'])
  })
})

describe('errors', () => {
  it('a missing server is a NotFoundError naming it and the region', async () => {
    const driver = await rackspace()
    const error = await driver.getNode('nope').catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as Error).message).toBe('Server "nope" was not found in ORD (Nova: Instance nope could not be found.).')
    await expect(driver.destroyNode('nope')).rejects.toBeInstanceOf(NotFoundError)
    await expect(driver.rebootNode('nope')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('retries 413 overLimit after its Retry-After, then succeeds', async () => {
    const driver = await rackspace()
    cloud.fail({path: /^\/flavors\/detail$/, status: 413, body: {overLimit: {code: 413, message: 'OverLimit Retry...', details: 'Error Details...', retryAfter: '0'}}, times: 2})
    expect(await driver.listSizes()).toHaveLength(8)
    expect(calls('GET', '/flavors/detail')).toHaveLength(3)
  })

  it("gives up on 429 with a RateLimitError carrying the server's wait", async () => {
    const driver = await rackspace()
    cloud.fail({path: /^\/os-keypairs$/, status: 429, headers: {'retry-after': '0'}, body: {overLimit: {code: 429, message: 'Rate limit exceeded'}}, times: 5})
    const error = await driver.listKeyPairs().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as RateLimitError).retryAfterMs).toBe(0)
    expect((error as Error).message).toBe('Nova is rate-limiting GET /os-keypairs (HTTP 429: Rate limit exceeded).')
    expect(calls('GET', '/os-keypairs')).toHaveLength(5)
  })

  it('an exhausted quota (413 without Retry-After) is not retried', async () => {
    const driver = await rackspace()
    cloud.fail({
      method: 'POST',
      path: /^\/servers$/,
      status: 413,
      body: {overLimit: {code: 413, message: 'Quota exceeded for instances: Requested 1, but already used 10 of 10 instances'}},
    })
    const error = await driver.createNode({name: 'q', image: MODERN_IMAGE_ID, size: '2'}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).not.toBeInstanceOf(RateLimitError)
    expect((error as Error).message).toMatch(/quota exceeded: Quota exceeded for instances/)
    expect(calls('POST', '/servers')).toHaveLength(1)
  })

  it("retries a GET after a 503, then surfaces Nova's message", async () => {
    const driver = await rackspace()
    const fault = {computeFault: {code: 500, message: 'The server has either erred or is incapable of performing the requested operation.'}}
    cloud.fail({path: /^\/servers\/12064$/, status: 500, body: fault})
    expect((await driver.getNode('12064')).id).toBe('12064')
    cloud.fail({path: /^\/servers\/12064$/, status: 500, body: fault, times: 5})
    const error = await driver.getNode('12064').catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(TransientError)
    expect((error as Error).message).toBe(
      'Nova failed GET /servers/12064 (HTTP 500 computeFault: The server has either erred or is incapable of performing the requested operation.)',
    )
  })

  it("any other refusal is a ProviderError with Nova's message, not retried", async () => {
    const driver = await rackspace()
    cloud.fail({method: 'POST', path: /^\/servers$/, status: 400, body: {badRequest: {code: 400, message: 'Invalid flavorRef provided.'}}})
    const error = await driver.createNode({name: 'b', image: MODERN_IMAGE_ID, size: '2'}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({status: 400, providerCode: 'badRequest', message: 'Nova refused POST /servers (HTTP 400 badRequest: Invalid flavorRef provided.)'})
    expect(calls('POST', '/servers')).toHaveLength(1)
  })

  it('a 403 forbidden is a ProviderError too', async () => {
    const driver = await rackspace()
    cloud.fail({path: /^\/servers\/detail$/, status: 403, body: {forbidden: {code: 403, message: "Policy doesn't allow os_compute_api:servers:detail to be performed."}}})
    await expect(driver.listNodes()).rejects.toThrow(/HTTP 403 forbidden: Policy doesn't allow/)
  })
})

describe('create, wait, reboot, destroy (Rackspace)', () => {
  it('creates on the public and ServiceNet networks with tags, user data and an imported key', async () => {
    const driver = await rackspace()
    const node = await driver.createNode({
      name: 'probe-ord-1',
      image: MODERN_IMAGE_ID,
      size: '2',
      keyName: 'mc-probe',
      publicKey: PUBLIC_KEY,
      tags: {'mc-fleet': 'edge', 'mc-ssh-port': '22'},
      userData: '#cloud-config\npackages: [mtr-tiny]\n',
    })
    expect(node).toMatchObject({name: 'probe-ord-1', provider: 'rackspace', region: 'ORD', state: 'pending', providerState: 'BUILD', image: MODERN_IMAGE_ID, size: '2'})
    expect(node.tags).toEqual({'mc-fleet': 'edge', 'mc-ssh-port': '22'})
    const [keypair] = calls('POST', '/os-keypairs')
    expect(keypair.body).toEqual({keypair: {name: 'mc-probe', public_key: PUBLIC_KEY}})
    const [create] = calls('POST', '/servers')
    expect(create.body).toEqual({
      server: {
        name: 'probe-ord-1',
        imageRef: MODERN_IMAGE_ID,
        flavorRef: '2',
        metadata: {'mc-fleet': 'edge', 'mc-ssh-port': '22'},
        user_data: Buffer.from('#cloud-config\npackages: [mtr-tiny]\n').toString('base64'),
        config_drive: true,
        networks: [{uuid: RACKSPACE_PUBLIC_NET}, {uuid: RACKSPACE_SERVICENET}],
        key_name: 'mc-probe',
      },
    })

    const running = await driver.waitUntilRunning(node.id, {pollMs: 5})
    expect(running).toMatchObject({state: 'running', providerState: 'ACTIVE', publicIps: ['198.51.100.23', '2001:db8:1::23'], privateIps: ['10.176.4.23']})
    expect(running.extra.openstack).toMatchObject({keyName: 'mc-probe', accessIPv4: '198.51.100.23'})
    expect((await driver.listNodes()).map((n) => n.id)).toContain(node.id)

    await driver.rebootNode(node.id)
    await driver.rebootNode(node.id, {hard: true})
    expect(calls('POST', `/servers/${node.id}/action`).map((r) => r.body)).toEqual([{reboot: {type: 'SOFT'}}, {reboot: {type: 'HARD'}}])
    expect((await driver.getNode(node.id)).state).toBe('rebooting')

    await driver.destroyNode(node.id)
    await expect(driver.getNode(node.id)).rejects.toBeInstanceOf(NotFoundError)
  })

  it('does not import a key the cloud already has, and sends the networks it is given', async () => {
    const driver = await rackspace()
    await driver.createNode({name: 'n', image: MODERN_IMAGE_ID, size: '2', keyName: 'key1', publicKey: PUBLIC_KEY, networks: [RACKSPACE_PUBLIC_NET]})
    expect(calls('POST', '/os-keypairs')).toHaveLength(0)
    expect((calls('POST', '/servers')[0].body as {server: Json}).server).toMatchObject({key_name: 'key1', networks: [{uuid: RACKSPACE_PUBLIC_NET}]})
  })

  it('a client token makes a repeated create return the first server', async () => {
    const driver = await rackspace()
    const first = await driver.createNode({name: 'idem', image: MODERN_IMAGE_ID, size: '2', clientToken: 'tok-1'})
    const again = await driver.createNode({name: 'idem', image: MODERN_IMAGE_ID, size: '2', clientToken: 'tok-1'})
    expect(again.id).toBe(first.id)
    expect(calls('POST', '/servers')).toHaveLength(1)
    expect(first.tags['mc-client-token']).toBe('tok-1')
    // The lookup narrows by exact name with Nova's regex filter.
    expect(calls('GET', '/servers/detail')[0].query.get('name')).toBe('^idem$')
    await driver.destroyNode(first.id)
  })

  it('with a client token, a create whose answer was lost is retried without making two servers', async () => {
    const driver = await rackspace()
    cloud.fail({method: 'POST', path: /^\/servers$/, status: 503, body: {serviceUnavailable: {code: 503, message: 'Service Unavailable'}}})
    const node = await driver.createNode({name: 'retry-me', image: MODERN_IMAGE_ID, size: '2', clientToken: 'tok-2'})
    expect(calls('POST', '/servers')).toHaveLength(2)
    expect((await driver.listNodes({name: 'retry-me'})).map((n) => n.id)).toEqual([node.id])
    await driver.destroyNode(node.id)
  })

  it('without a client token, a failed create is not sent twice', async () => {
    const driver = await rackspace()
    cloud.fail({method: 'POST', path: /^\/servers$/, status: 503, body: {serviceUnavailable: {code: 503, message: 'Service Unavailable'}}})
    await expect(driver.createNode({name: 'once', image: MODERN_IMAGE_ID, size: '2'})).rejects.toBeInstanceOf(TransientError)
    expect(calls('POST', '/servers')).toHaveLength(1)
  })

  it('rejects tags Nova would refuse, before sending anything', async () => {
    const driver = await rackspace()
    const error = await driver.createNode({name: 'n', image: MODERN_IMAGE_ID, size: '2', tags: {'bad/key': 'x', ok: 'y'.repeat(256)}}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).fields.map((f) => f.field)).toEqual(['tags.bad/key', 'tags.ok'])
    expect(calls('POST', '/servers')).toHaveLength(0)
  })

  it('asks for --region when the location is another region of this cloud', async () => {
    const driver = await rackspace()
    await expect(driver.createNode({name: 'n', image: MODERN_IMAGE_ID, size: '2', location: 'dfw'})).rejects.toThrow('pass --region dfw')
    await expect(driver.createNode({name: '', image: MODERN_IMAGE_ID, size: '2'})).rejects.toBeInstanceOf(ValidationError)
  })

  it('waiting on a server that lands in ERROR fails with its fault', async () => {
    const driver = await rackspace()
    const errored = {server: {id: 'e1', name: 'e', status: 'ERROR', fault: {code: 500, message: 'No valid host was found.', details: 'There are not enough hosts available.'}}}
    cloud.fail({path: /^\/servers\/e1$/, status: 200, body: errored, headers: {'content-type': 'application/json'}})
    await expect(driver.waitUntilRunning('e1', {pollMs: 5})).rejects.toThrow(
      'Server "e1" went to ERROR while building: No valid host was found.: There are not enough hosts available..',
    )
  })

  it('waiting too long is a TimeoutError', async () => {
    const driver = await rackspace()
    await expect(driver.waitUntilRunning('12065', {pollMs: 5, timeoutMs: 30})).rejects.toBeInstanceOf(TimeoutError)
  })

  it('a delete whose first answer was lost counts as done when the retry finds the server gone', async () => {
    const driver = await rackspace()
    const node = await driver.createNode({name: 'gone', image: MODERN_IMAGE_ID, size: '2'})
    // The first DELETE "fails" after Nova acted on it: the fake deletes, then answers 503 next time.
    cloud.state('ord.servers.api.rackspacecloud.com/v2/1337').servers.splice(
      cloud.state('ord.servers.api.rackspacecloud.com/v2/1337').servers.findIndex((s) => s.id === node.id),
      1,
    )
    cloud.fail({method: 'DELETE', path: /^\/servers\//, status: 503, body: {serviceUnavailable: {code: 503, message: 'try again'}}})
    await driver.destroyNode(node.id)
    expect(calls('DELETE', `/servers/${node.id}`)).toHaveLength(2)
  })

  it("imports a key pair; a duplicate name is Nova's conflict", async () => {
    const driver = await rackspace()
    const key = await driver.importKeyPair('laptop', `${PUBLIC_KEY}\n`)
    expect(key).toEqual({name: 'laptop', provider: 'rackspace', fingerprint: '97:10:a6:e7:92:65:7e:69:fe:e6:81:8f:39:3c:8f:5a', publicKey: PUBLIC_KEY})
    await expect(driver.importKeyPair('laptop', PUBLIC_KEY)).rejects.toThrow("Nova refused POST /os-keypairs (HTTP 409 conflictingRequest: Key pair 'laptop' already exists.)")
  })

  it('declares what Rackspace can do: no start/stop, no security groups', async () => {
    const driver = await rackspace()
    expect([...driver.capabilities].sort()).toEqual(['allRegions', 'createNode', 'destroyNode', 'importKeyPair', 'rebootNode', 'tags', 'userData'])
    expect(driver.startNode).toBeUndefined()
  })
})

describe('OpenStack flavour', () => {
  it('creates without Rackspace networks or config drive, and can start and stop', async () => {
    const driver = await openstack()
    expect(driver.capabilities.has('startStopNode')).toBe(true)
    const node = await driver.createNode({name: 'os-1', image: MODERN_IMAGE_ID, size: '1', userData: 'x', location: 'nova-az2'})
    expect((calls('POST', '/servers')[0].body as {server: Json}).server).toEqual({
      name: 'os-1',
      imageRef: MODERN_IMAGE_ID,
      flavorRef: '1',
      availability_zone: 'nova-az2',
      user_data: 'eA==',
    })
    await driver.stopNode!(node.id)
    await driver.startNode!(node.id)
    expect(calls('POST', `/servers/${node.id}/action`).map((r) => r.body)).toEqual([{'os-stop': null}, {'os-start': null}])
  })
})
