import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {AuthError, ConfigError, ProviderError, ValidationError} from '../../../src/core/errors.js'
import {silentLog} from '../../../src/core/log.js'
import {detectCredentials, resolveDigitalOceanCredentials} from '../../../src/drivers/digitalocean/credentials.js'
import {createDriver} from '../../../src/drivers/digitalocean/index.js'
import type {ProviderSettings} from '../../../src/drivers/types.js'
import {describeDriverContract} from '../contract.js'
import {type LinodeTestServer as TestServer, type Reply, type Routes, type SeenRequest, startLinodeServer as startServer} from '../linode/fixture-server.js'

const FIXTURES = fileURLToPath(new URL('../../fixtures/digitalocean/', import.meta.url))
const fixture = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8'))
const NOT_FOUND: Reply = {status: 404, body: {id: 'not_found', message: 'The resource you were accessing could not be found.'}}

/** Libcloud's recorded DigitalOcean responses, on the paths the driver asks for. */
const recorded: Routes = ({method, path}: SeenRequest) => {
  const key = `${method} ${path}`
  if (key === 'GET /v2/droplets') return {body: fixture('list_nodes')}
  if (key === 'GET /v2/droplets/3164444') return {body: fixture('list_node')}
  if (key === 'GET /v2/sizes') return {body: fixture('list_sizes')}
  if (key === 'GET /v2/images') return {body: fixture('list_images')}
  if (key === 'GET /v2/regions') return {body: fixture('list_locations')}
  if (key === 'GET /v2/account/keys') return {body: fixture('list_key_pairs')}
  if (key === 'POST /v2/account/keys') return {status: 201, body: fixture('create_key_pair')}
  return NOT_FOUND
}

let server: TestServer
let home: string
/** Per test: replaces the recorded routes. */
let routes: Routes = recorded

beforeAll(async () => {
  server = await startServer((req) => routes(req))
  home = mkdtempSync(join(tmpdir(), 'mc-digitalocean-'))
})

afterAll(async () => {
  await server.close()
  rmSync(home, {recursive: true, force: true})
})

beforeEach(() => {
  routes = recorded
})

function settings(values?: Record<string, string>, env: NodeJS.ProcessEnv = {}): ProviderSettings {
  return {provider: 'digitalocean', profileName: 'contract', values: values ?? {token: 'dop_v1_contract'}, endpoint: server.url, env, homeDir: home}
}

const open = (s = settings()) => createDriver(s, {log: silentLog, dataDir: home, cacheDir: home})

describeDriverContract({name: 'digitalocean (libcloud recorded responses)', extraKey: 'digitalocean', open: () => open(), missingNodeId: '99999999'})

describe('digitalocean recorded responses, beyond the shared contract', () => {
  it('sends the token as a Bearer token to --endpoint, asking for the largest page', async () => {
    await (await open()).listSizes()
    const last = server.requests.at(-1)!
    expect(last.path).toBe('/v2/sizes')
    expect(last.query.get('per_page')).toBe('200')
    expect(last.headers.authorization).toBe('Bearer dop_v1_contract')
  })

  it('maps a Droplet: public and private IPv4, IPv6, slug image, size slug, tags, region slug', async () => {
    const [node] = await (await open()).listNodes()
    expect(node).toMatchObject({
      id: '3164444',
      name: 'ubuntu-s-1vcpu-1gb-sfo3-01',
      provider: 'digitalocean',
      region: 'sfo3',
      state: 'running',
      providerState: 'active',
      publicIps: ['128.199.13.158', '2604:a880:4:1d0::142:9000'],
      privateIps: ['10.124.0.2'],
      image: 'ubuntu-20-04-x64',
      size: 's-1vcpu-1gb',
      createdAt: '2020-10-15T13:58:22Z',
      tags: {},
    })
    expect(node.extra.digitalocean).toMatchObject({
      imageName: '20.04 (LTS) x64',
      distribution: 'Ubuntu',
      vcpus: 1,
      memoryMb: 1024,
      diskGb: 25,
      locked: false,
      vpcUuid: '11e7ec07-6abf-4a06-86fd-3eedb53d7458',
    })
    expect((await (await open()).getNode('3164444')).tags).toEqual({mytag1: '', mytag2: ''})
  })

  it('maps sizes with hourly and monthly prices, images by slug (a snapshot by its number), regions', async () => {
    const driver = await open()
    expect((await driver.listSizes())[0]).toMatchObject({id: '512mb', vcpus: 1, memoryMb: 512, diskGb: 20, priceHourly: 0.007_44, extra: {priceMonthly: 5}})
    const images = await driver.listImages()
    expect(images.map((i) => i.id)).toEqual(['ubuntu-14-04-x64', 'ubuntu-14-04-x32', '449676856'])
    expect((await driver.listImages({owners: ['self']})).map((i) => i.id)).toEqual(['449676856'])
    expect(images[0]).toMatchObject({name: 'Ubuntu 14.04 x64', os: 'Ubuntu', public: true, minDiskGb: 20})
    expect((await driver.listLocations()).map((l) => [l.id, l.extra.available])).toEqual([
      ['nyc1', true],
      ['sfo1', true],
      ['ams1', false],
    ])
    expect(await driver.listKeyPairs()).toEqual([
      {
        name: 'test1',
        provider: 'digitalocean',
        id: '7717',
        publicKey: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAQQDGk5 example',
        fingerprint: 'f5:d1:78:ed:28:72:5f:e1:ac:94:fd:1f:e0:a3:48:6d',
      },
    ])
  })

  it('follows links.pages.next on the endpoint it was given, and stops when the pages disagree with meta.total', async () => {
    // Libcloud's recorded page 2 is the same Droplet as page 1 and says total 1: mc must not count it twice.
    routes = (req) => (req.path === '/v2/droplets' ? {body: fixture(req.query.get('page') === '2' ? 'list_nodes' : 'list_nodes_page_1')} : NOT_FOUND)
    const before = server.requests.length
    const error = await (await open()).listNodes().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect((error as Error).message).toContain('sent more items (2) than the 1 it said there are')
    // The next link names https://api.digitalocean.com: the request still went to --endpoint.
    expect(server.requests.slice(before).map((r) => r.query.get('page'))).toEqual([null, '2'])
  })

  it('a next link outside the API path is refused, not followed', async () => {
    routes = () => ({body: {droplets: [], links: {pages: {next: 'https://api.digitalocean.com/elsewhere?page=2'}}, meta: {total: 0}}})
    await expect((await open()).listNodes()).rejects.toThrow(/next-page link outside the API/)
  })

  it('a 429 waits until RateLimit-Reset, then succeeds', async () => {
    let calls = 0
    routes = (req) => {
      if (req.path !== '/v2/regions') return NOT_FOUND
      calls++
      if (calls === 1)
        return {
          status: 429,
          body: {id: 'too_many_requests', message: 'API Rate limit exceeded.'},
          headers: {'ratelimit-remaining': '0', 'ratelimit-reset': String(Math.ceil(Date.now() / 1000))},
        }
      return {body: fixture('list_locations'), headers: {'ratelimit-remaining': '4999', 'ratelimit-limit': '5000'}}
    }
    expect(await (await open()).listLocations()).toHaveLength(3)
    expect(calls).toBe(2)
  })

  it('a 401 is an AuthError naming where the token came from, never the token', async () => {
    routes = () => ({status: 401, body: fixture('error')})
    const error = await (await open(settings({token: 'dop_v1_secretsecret'}))).listNodes().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toContain('mc profile "contract"')
    expect((error as Error).message).not.toContain('dop_v1_secretsecret')
  })

  it('refuses names and tags DigitalOcean would refuse, before any request', async () => {
    const driver = await open()
    const before = server.requests.length
    await expect(driver.createNode({name: 'bad name', image: 'debian-12-x64', size: 's-1vcpu-1gb', location: 'nyc3'})).rejects.toBeInstanceOf(ValidationError)
    await expect(driver.createNode({name: 'ok', image: 'debian-12-x64', size: 's-1vcpu-1gb', location: 'nyc3', tags: {fleet: 'a b'}})).rejects.toThrow(/tag/)
    await expect(driver.createNode({name: 'ok', image: 'debian-12-x64', size: 's-1vcpu-1gb'})).rejects.toThrow(/needs a region/)
    expect(server.requests.length).toBe(before)
  })
})

function doctl(text: string): void {
  const dir = join(home, '.config', 'doctl')
  mkdirSync(dir, {recursive: true})
  writeFileSync(join(dir, 'config.yaml'), text)
}

function s(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): ProviderSettings {
  return settings(values, env)
}

describe('digitalocean credentials', () => {
  afterAll(() => rmSync(join(home, '.config'), {recursive: true, force: true}))

  it('takes the mc profile, then DIGITALOCEAN_TOKEN, then DIGITALOCEAN_ACCESS_TOKEN, then doctl', () => {
    doctl('access-token: dop_v1_fromdoctl\n')
    expect(resolveDigitalOceanCredentials(s({token: 'p'}, {DIGITALOCEAN_TOKEN: 'e1', DIGITALOCEAN_ACCESS_TOKEN: 'e2'}))?.source).toBe('mc profile "contract"')
    expect(resolveDigitalOceanCredentials(s({}, {DIGITALOCEAN_TOKEN: 'e1', DIGITALOCEAN_ACCESS_TOKEN: 'e2'}))?.source).toBe('env DIGITALOCEAN_TOKEN')
    expect(resolveDigitalOceanCredentials(s({}, {DIGITALOCEAN_ACCESS_TOKEN: 'e2'}))?.source).toBe('env DIGITALOCEAN_ACCESS_TOKEN')
    expect(resolveDigitalOceanCredentials(s({}))).toEqual({token: 'dop_v1_fromdoctl', source: join(home, '.config', 'doctl', 'config.yaml')})
  })

  it("uses doctl's current context from auth-contexts, DIGITALOCEAN_CONTEXT first", () => {
    doctl('access-token: dop_v1_default\ncontext: work\nauth-contexts:\n  work: dop_v1_work\n  home: dop_v1_home\n')
    expect(resolveDigitalOceanCredentials(s({}))?.token).toBe('dop_v1_work')
    expect(resolveDigitalOceanCredentials(s({}, {DIGITALOCEAN_CONTEXT: 'home'}))?.token).toBe('dop_v1_home')
    expect(resolveDigitalOceanCredentials(s({}, {DIGITALOCEAN_CONTEXT: 'default'}))?.token).toBe('dop_v1_default')
    expect(resolveDigitalOceanCredentials(s({}, {DIGITALOCEAN_CONTEXT: 'gone'}))).toBeUndefined()
  })

  it('a broken doctl config is a ConfigError naming the file; none found lists where mc looked', () => {
    doctl('access-token: [unclosed\n')
    expect(() => resolveDigitalOceanCredentials(s({}))).toThrow(ConfigError)
    rmSync(join(home, '.config'), {recursive: true, force: true})
    expect(detectCredentials(s({}))).toMatchObject({
      found: false,
      lookedAt: ['mc profile "contract" (digitalocean.token)', 'env DIGITALOCEAN_TOKEN', 'env DIGITALOCEAN_ACCESS_TOKEN', join(home, '.config', 'doctl', 'config.yaml')],
    })
  })
})
