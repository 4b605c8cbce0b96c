import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {AuthError, NotFoundError, ProviderError, RateLimitError, TimeoutError, TransientError, ValidationError} from '../../../src/core/errors.js'
import {createDebugLog, silentLog} from '../../../src/core/log.js'
import type {LinodeInstance} from '../../../src/drivers/linode/api-types.js'
import {createDriver} from '../../../src/drivers/linode/index.js'
import type {CloudDriver, ProviderSettings} from '../../../src/drivers/types.js'
import {fixture, type LinodeTestServer, NOT_FOUND, type Routes, type SeenRequest, startLinodeServer, testDriver} from './fixture-server.js'

const servers: LinodeTestServer[] = []
async function serve(routes: Routes): Promise<LinodeTestServer> {
  const server = await startLinodeServer(routes)
  servers.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

function instance(id: number, overrides: Partial<LinodeInstance> = {}): LinodeInstance {
  return {...fixture<LinodeInstance>('ex_get_node'), id, label: `node-${id}`, ...overrides}
}

/** A paginated collection served the way Linode does: page, page_size (default 100), pages, results. */
function paginate<T>(items: T[], req: SeenRequest) {
  const size = Number(req.query.get('page_size') ?? 100)
  const page = Number(req.query.get('page') ?? 1)
  return {body: {data: items.slice((page - 1) * size, page * size), page, pages: Math.max(1, Math.ceil(items.length / size)), results: items.length}}
}

const one = <T>(items: T[]) => ({data: items, page: 1, pages: 1, results: items.length})

describe('listing', () => {
  it('fetches every page of instances with the largest page_size', async () => {
    const all = Array.from({length: 1234}, (_, i) => instance(1000 + i))
    const server = await serve((req) => (req.path === '/v4/linode/instances' ? paginate(all, req) : undefined))
    const nodes = await testDriver(server.url).listNodes()
    expect(nodes.map((n) => n.id)).toEqual(all.map((i) => String(i.id)))
    expect(server.requests.map((r) => `${r.query.get('page')}/${r.query.get('page_size')}`)).toEqual(['1/500', '2/500', '3/500'])
  })

  it('maps every Linode status, and an unknown one to "unknown" without failing the listing', async () => {
    const statuses: Record<string, string> = {
      provisioning: 'pending',
      booting: 'starting',
      running: 'running',
      rebooting: 'rebooting',
      shutting_down: 'stopping',
      offline: 'stopped',
      stopped: 'stopped',
      busy: 'pending',
      migrating: 'pending',
      rebuilding: 'pending',
      cloning: 'pending',
      restoring: 'pending',
      resizing: 'pending',
      deleting: 'terminated',
      billing_suspension: 'error',
      hibernating_in_2031: 'unknown',
    }
    const items = Object.keys(statuses).map((status, i) => instance(i + 1, {status: status as LinodeInstance['status']}))
    const server = await serve((req) => (req.path === '/v4/linode/instances' ? {body: one(items)} : undefined))
    const nodes = await testDriver(server.url).listNodes()
    expect(Object.fromEntries(nodes.map((n) => [n.providerState, n.state]))).toEqual(statuses)
  })

  it('reads "key=value" tags into tags[key] and bare tags as empty values', async () => {
    const tagged = instance(7, {tags: ['mc-ssh-port=2222', 'role=probe', 'bare', 'url=a=b']})
    const server = await serve((req) => (req.path === '/v4/linode/instances' ? {body: one([tagged])} : undefined))
    const [node] = await testDriver(server.url).listNodes()
    expect(node.tags).toEqual({'mc-ssh-port': '2222', role: 'probe', bare: '', url: 'a=b'})
  })

  it('filters by state, tags and a name glob', async () => {
    const items = [
      instance(1, {label: 'probe-fremont', tags: ['role=probe'], status: 'running'}),
      instance(2, {label: 'probe-newark', tags: ['role=probe'], status: 'offline'}),
      instance(3, {label: 'web-1', tags: ['role=web'], status: 'running'}),
    ]
    const server = await serve((req) => (req.path === '/v4/linode/instances' ? {body: one(items)} : undefined))
    const driver = testDriver(server.url)
    const ids = async (filter: Parameters<typeof driver.listNodes>[0]) => (await driver.listNodes(filter)).map((n) => n.id)
    expect(await ids({tags: {role: 'probe'}})).toEqual(['1', '2'])
    expect(await ids({tags: {role: 'probe'}, states: ['running']})).toEqual(['1'])
    expect(await ids({name: 'probe-*'})).toEqual(['1', '2'])
    expect(await ids({name: 'web-1'})).toEqual(['3'])
    expect(await ids({tags: {toString: ''}})).toEqual([])
  })

  it('filters images by owner ("self" = private) and name, and reads the probe-ready tag', async () => {
    const images = [
      {id: 'linode/debian12', label: 'Debian 12', created_by: 'linode', is_public: true},
      {id: 'private/42', label: 'probe-base', created_by: 'alice', is_public: false, tags: ['mc-probe-ready=true']},
    ]
    const server = await serve((req) => (req.path === '/v4/images' ? paginate(images, req) : undefined))
    const driver = testDriver(server.url)
    expect((await driver.listImages({owners: ['self']})).map((i) => i.id)).toEqual(['private/42'])
    expect((await driver.listImages({owners: ['linode']})).map((i) => i.id)).toEqual(['linode/debian12'])
    expect((await driver.listImages({name: 'Debian*'})).map((i) => i.id)).toEqual(['linode/debian12'])
    expect((await driver.listImages()).map((i) => [i.id, i.probeReady])).toEqual([
      ['linode/debian12', false],
      ['private/42', true],
    ])
  })
})

describe('errors', () => {
  it('401 is an AuthError naming where the token came from, never the token', async () => {
    const server = await serve(() => ({status: 401, body: {errors: [{reason: 'Invalid Token'}]}}))
    const error = await testDriver(server.url, {tokenSource: 'env LINODE_TOKEN'})
      .listNodes()
      .catch((error_) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect(error.message).toContain('env LINODE_TOKEN')
    expect(error.message).toContain('Invalid Token')
    expect(error.message).not.toContain('test-token-1234')
    expect(server.requests).toHaveLength(1)
  })

  it('403 is an AuthError that says what was not allowed', async () => {
    const server = await serve(() => ({status: 403, body: {errors: [{reason: 'Unauthorized'}]}}))
    const error = await testDriver(server.url)
      .listKeyPairs()
      .catch((error_) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect(error.message).toContain('GET /v4/profile/sshkeys')
  })

  it('404 is a NotFoundError naming the node; a non-numeric id fails without a request', async () => {
    const server = await serve(() => NOT_FOUND)
    const driver = testDriver(server.url)
    const error = await driver.getNode('5').catch((error_) => error_)
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.message).toContain('No Linode with id 5')
    await expect(driver.getNode('i-0abc')).rejects.toBeInstanceOf(NotFoundError)
    await expect(driver.destroyNode('../account')).rejects.toBeInstanceOf(NotFoundError)
    expect(server.requests).toHaveLength(1)
  })

  it('429 is retried after the Retry-After the server asked for', async () => {
    let calls = 0
    const server = await serve(() => (++calls === 1 ? {status: 429, headers: {'retry-after': '2'}, body: {errors: [{reason: 'Too many requests'}]}} : {body: one([])}))
    const delays: number[] = []
    const sleep = async (ms: number) => {
      delays.push(ms)
    }
    const driver = testDriver(server.url, {retry: {baseDelayMs: 1, maxDelayMs: 5, sleep}})
    expect(await driver.listLocations()).toEqual([])
    expect(delays).toEqual([2000])
    expect(server.requests).toHaveLength(2)
  })

  it('a 429 that never ends becomes a RateLimitError carrying Retry-After', async () => {
    const server = await serve(() => ({status: 429, headers: {'retry-after': '1'}, body: {errors: [{reason: 'Too many requests'}]}}))
    const driver = testDriver(server.url, {retry: {attempts: 3, baseDelayMs: 1, maxDelayMs: 5, async sleep() {}}})
    const error = await driver.listSizes().catch((error_) => error_)
    expect(error).toBeInstanceOf(RateLimitError)
    expect(error.retryAfterMs).toBe(1000)
    expect(error.message).toContain('after 3 tries')
    expect(server.requests).toHaveLength(3)
  })

  it('400 with errors[] is a ValidationError naming each field and reason', async () => {
    const server = await serve((req) =>
      req.method === 'POST'
        ? {
            status: 400,
            body: {
              errors: [
                {field: 'type', reason: 'A valid plan type by that ID was not found'},
                {field: 'region', reason: 'region is not valid'},
              ],
            },
          }
        : undefined,
    )
    const error = await testDriver(server.url)
      .createNode({name: 'probe-1', image: 'linode/debian12', size: 'g9-huge'})
      .catch((error_) => error_)
    expect(error).toBeInstanceOf(ValidationError)
    expect(error.fields).toEqual([
      {field: 'type', reason: 'A valid plan type by that ID was not found'},
      {field: 'region', reason: 'region is not valid'},
    ])
    expect(error.message).toContain('type: A valid plan type by that ID was not found')
    expect(error.message).toContain('region: region is not valid')
  })

  it('retries a 5xx on a GET, but never repeats a create that may have happened', async () => {
    let gets = 0
    const server = await serve((req) => {
      if (req.method === 'GET') return ++gets < 3 ? {status: 502, body: {}} : {body: one([])}
      return {status: 503, body: {errors: [{reason: 'Service unavailable'}]}}
    })
    const driver = testDriver(server.url)
    expect(await driver.listSizes()).toEqual([])
    expect(gets).toBe(3)
    const error = await driver.createNode({name: 'probe-1', image: 'linode/debian12', size: 'g6-nanode-1'}).catch((error_) => error_)
    expect(error).toBeInstanceOf(TransientError)
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('a DELETE whose first answer failed, then 404, counts as done', async () => {
    let deletes = 0
    const server = await serve((req) => (req.method === 'DELETE' ? (++deletes === 1 ? {status: 500, body: {}} : NOT_FOUND) : undefined))
    await testDriver(server.url).destroyNode('77')
    expect(deletes).toBe(2)
  })

  it('an unreachable endpoint is a TransientError after retries', async () => {
    const server = await serve(() => NOT_FOUND)
    const {url} = server
    await server.close()
    servers.length = 0
    const error = await testDriver(url, {retry: {attempts: 2, baseDelayMs: 1}})
      .listNodes()
      .catch((error_) => error_)
    expect(error).toBeInstanceOf(TransientError)
  })

  it('a 2xx without a data list says the endpoint may not be Linode', async () => {
    const server = await serve(() => ({body: {hello: 'world'}}))
    const error = await testDriver(server.url)
      .listNodes()
      .catch((error_) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error.message).toContain('is ' + server.url + ' a Linode API endpoint?')
  })
})

/** Linode's answer to a create: the new instance, provisioning, carrying what was asked for. */
function created(req: SeenRequest) {
  return {body: instance(500, {...(req.body as object), status: 'provisioning'})}
}

describe('createNode', () => {
  const keys = one([{id: 9, label: 'mc-probe', ssh_key: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKnown mc@probe', created: '2024-01-01T00:00:00'}])

  it('sends type, region, image, label, tags and a strong root password nobody sees', async () => {
    const lines: string[] = []
    const server = await serve((req) => (req.path === '/v4/linode/instances' && req.method === 'POST' ? created(req) : undefined))
    const driver = testDriver(server.url, {log: createDebugLog(true, (t) => lines.push(t))})
    const node = await driver.createNode({
      name: 'mc-probe-fremont',
      image: 'linode/debian12',
      size: 'g6-nanode-1',
      location: 'us-west',
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGiven me@host\n',
      tags: {'mc-ssh-port': '2222', role: 'probe', managed: ''},
      userData: '#!/bin/sh\necho hi\n',
    })
    const body = server.requests[0].body as Record<string, unknown>
    expect(body).toMatchObject({
      type: 'g6-nanode-1',
      region: 'us-west',
      image: 'linode/debian12',
      label: 'mc-probe-fremont',
      booted: true,
      authorized_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGiven me@host'],
      tags: ['mc-ssh-port=2222', 'role=probe', 'managed'],
      metadata: {user_data: Buffer.from('#!/bin/sh\necho hi\n').toString('base64')},
    })
    const password = body.root_pass as string
    expect(password).toHaveLength(32)
    for (const chars of [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z\d]/]) expect(password).toMatch(chars)
    expect(lines.join('')).not.toContain(password)
    expect(lines.join('')).not.toContain('test-token-1234')
    expect(lines.join('')).toContain('POST')
    expect(JSON.stringify(node)).not.toContain(password)
    expect(node.tags).toEqual({'mc-ssh-port': '2222', role: 'probe', managed: ''})
    expect(node.state).toBe('pending')
  })

  it('never sends the same password twice', async () => {
    const server = await serve((req) => (req.method === 'POST' ? created(req) : undefined))
    const driver = testDriver(server.url)
    const request = {name: 'probe-a', image: 'linode/debian12', size: 'g6-nanode-1'}
    await driver.createNode(request)
    await driver.createNode(request)
    const [a, b] = server.requests.map((r) => (r.body as {root_pass: string}).root_pass)
    expect(a).not.toBe(b)
  })

  it('uses the public key of a profile key named by keyName', async () => {
    const server = await serve((req) => (req.path === '/v4/profile/sshkeys' ? {body: keys} : req.method === 'POST' ? created(req) : undefined))
    await testDriver(server.url).createNode({name: 'probe-b', image: 'linode/debian12', size: 'g6-nanode-1', keyName: 'mc-probe'})
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v4/profile/sshkeys', 'POST /v4/linode/instances'])
    expect((server.requests[1].body as {authorized_keys: string[]}).authorized_keys).toEqual([keys.data[0].ssh_key])
  })

  it('imports an unknown keyName from publicKey first, and refuses one it cannot import', async () => {
    const server = await serve((req) => {
      if (req.path === '/v4/profile/sshkeys') return req.method === 'GET' ? {body: keys} : {body: {id: 10, ...(req.body as object)}}
      return req.method === 'POST' ? created(req) : undefined
    })
    const driver = testDriver(server.url)
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINew new@host'
    await driver.createNode({name: 'probe-c', image: 'linode/debian12', size: 'g6-nanode-1', keyName: 'fresh', publicKey})
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v4/profile/sshkeys', 'POST /v4/profile/sshkeys', 'POST /v4/linode/instances'])
    expect(server.requests[1].body).toEqual({label: 'fresh', ssh_key: publicKey})
    expect((server.requests[2].body as {authorized_keys: string[]}).authorized_keys).toEqual([publicKey])

    server.requests.length = 0
    await expect(driver.createNode({name: 'probe-d', image: 'linode/debian12', size: 'g6-nanode-1', keyName: 'nope'})).rejects.toBeInstanceOf(NotFoundError)
    expect(server.requests.map((r) => r.method)).toEqual(['GET'])
  })

  it('rejects what Linode would reject before any request: label, tags, region, networks', async () => {
    const server = await serve(() => NOT_FOUND)
    const driver = testDriver(server.url)
    const base = {image: 'linode/debian12', size: 'g6-nanode-1'}
    for (const name of ['1probe', 'ab', 'probe--1', 'probe 1', 'x'.repeat(65)]) {
      const error = await driver.createNode({...base, name}).catch((error_) => error_)
      expect(error, name).toBeInstanceOf(ValidationError)
      expect(error.fields[0].field).toBe('label')
    }
    await expect(driver.createNode({...base, name: 'probe-1', tags: {'a=b': 'c'}})).rejects.toThrow(/tag key/)
    await expect(driver.createNode({...base, name: 'probe-1', tags: {ab: ''}})).rejects.toThrow(/3-50 characters/)
    await expect(testDriver(server.url, {region: ''}).createNode({...base, name: 'probe-1'})).rejects.toThrow(/needs a region/)
    await expect(driver.createNode({...base, name: 'probe-1', networks: ['vlan-1']})).rejects.toBeInstanceOf(ValidationError)
    expect(server.requests).toHaveLength(0)
  })
})

describe('node actions', () => {
  it('reboots and deletes by POST .../reboot and DELETE', async () => {
    const server = await serve((req) => (req.method === 'POST' || req.method === 'DELETE' ? {body: {}} : undefined))
    const driver: CloudDriver = testDriver(server.url)
    await driver.rebootNode('42', {hard: true})
    await driver.destroyNode('42')
    expect(server.requests.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body)}`)).toEqual([
      'POST /v4/linode/instances/42/reboot {}',
      'DELETE /v4/linode/instances/42 undefined',
    ])
  })

  it('deleting a node that is not there is a NotFoundError', async () => {
    const server = await serve(() => NOT_FOUND)
    await expect(testDriver(server.url).destroyNode('42')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('waits through provisioning and booting until running', async () => {
    const sequence = ['provisioning', 'booting', 'running'] as const
    let polls = 0
    const server = await serve(() => ({body: instance(42, {status: sequence[Math.min(polls++, 2)]})}))
    const node = await testDriver(server.url).waitUntilRunning('42', {pollMs: 1, timeoutMs: 5000})
    expect(node.state).toBe('running')
    expect(polls).toBe(3)
  })

  it('stops waiting at once when the node is being deleted, and times out otherwise', async () => {
    const server = await serve((req) => ({body: instance(Number(req.path.split('/').at(-1)), {status: req.path.endsWith('/1') ? 'deleting' : 'offline'})}))
    const driver = testDriver(server.url)
    await expect(driver.waitUntilRunning('1', {pollMs: 1, timeoutMs: 5000})).rejects.toThrow(/deleting and will not reach running/)
    await expect(driver.waitUntilRunning('2', {pollMs: 5, timeoutMs: 30})).rejects.toBeInstanceOf(TimeoutError)
  })
})

describe('accounts and endpoints', () => {
  it('keeps several accounts apart in one process', async () => {
    const byToken: Record<string, LinodeInstance[]> = {
      'Bearer token-alpha': [instance(1, {label: 'alpha-node'})],
      'Bearer token-beta': [instance(2, {label: 'beta-node'})],
    }
    const server = await serve((req) => {
      const items = byToken[req.headers.authorization ?? '']
      return items ? {body: one(items)} : {status: 401, body: {errors: [{reason: 'Invalid Token'}]}}
    })
    const alpha = testDriver(server.url, {token: 'token-alpha'})
    const beta = testDriver(server.url, {token: 'token-beta'})
    const results = await Promise.all([alpha.listNodes(), beta.listNodes(), alpha.listNodes(), beta.listNodes()])
    expect(results.map((nodes) => nodes.map((n) => n.name))).toEqual([['alpha-node'], ['beta-node'], ['alpha-node'], ['beta-node']])
  })

  it('puts /v4 after the endpoint path, and accepts an endpoint that already ends in /v4', async () => {
    const server = await serve((req) => ({body: one([]), headers: {'x-path': req.path}}))
    await testDriver(`${server.url}/linode-proxy/`).listLocations()
    await testDriver(`${server.url}/v4`).listLocations()
    expect(server.requests.map((r) => r.path)).toEqual(['/linode-proxy/v4/regions', '/v4/regions'])
  })
})

describe('createDriver', () => {
  let home: string
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'mc-linode-creds-'))
  })
  afterEach(() => rmSync(home, {recursive: true, force: true}))

  const settings = (over: Partial<ProviderSettings>): ProviderSettings => ({
    provider: 'linode',
    profileName: 'default',
    values: {},
    env: {},
    homeDir: home,
    ...over,
  })
  const context = () => ({log: silentLog, dataDir: home, cacheDir: home})

  it("uses LINODE_TOKEN, and linode-cli's token and default region from its config file", async () => {
    const server = await serve((req) => ({body: one([{id: 'us-east', label: req.headers.authorization}])}))
    const fromEnv = await createDriver(settings({endpoint: server.url, env: {LINODE_TOKEN: 'env-token-1'}}), context())
    expect((await fromEnv.listLocations())[0].name).toBe('Bearer env-token-1')
    expect(fromEnv.region).toBe('')

    mkdirSync(join(home, '.config'))
    writeFileSync(join(home, '.config', 'linode-cli'), '[DEFAULT]\ndefault-user = ops\n\n[ops]\ntoken = cli-token-1\nregion = us-ord\n')
    const fromCli = await createDriver(settings({endpoint: server.url}), context())
    expect((await fromCli.listLocations())[0].name).toBe('Bearer cli-token-1')
    expect(fromCli.region).toBe('us-ord')
    expect((await createDriver(settings({endpoint: server.url, region: 'eu-west'}), context())).region).toBe('eu-west')
  })

  it('fails with an AuthError that lists where it looked', async () => {
    const error = await createDriver(settings({}), context()).catch((error_) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect(error.message).toContain('LINODE_TOKEN')
    expect(error.message).toContain('linode-cli')
  })
})
