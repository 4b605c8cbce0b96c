import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {AuthError, ValidationError} from '../../../src/core/errors.js'
import {openNovaDriver} from '../../../src/drivers/openstack/flavour.js'
import {createDriver, RACKSPACE_IDENTITY, rackspaceConfig, rackspaceTokensUrl} from '../../../src/drivers/rackspace/index.js'
import {FakeCloud, fixture, RACKSPACE_USER} from '../openstack/fake-cloud.js'
import {FAST, type Sandbox, sandboxDir, settings} from '../openstack/helpers.js'

const RAX_ENV = {RAX_USERNAME: RACKSPACE_USER.username, RAX_API_KEY: RACKSPACE_USER.apiKey}

describe('identity endpoint', () => {
  it.each([
    [undefined, 'https://identity.api.rackspacecloud.com/v2.0/tokens'],
    [RACKSPACE_IDENTITY, 'https://identity.api.rackspacecloud.com/v2.0/tokens'],
    ['https://identity.api.rackspacecloud.com/', 'https://identity.api.rackspacecloud.com/v2.0/tokens'],
    ['https://lon.identity.api.rackspacecloud.com/v2.0', 'https://lon.identity.api.rackspacecloud.com/v2.0/tokens'],
    ['http://127.0.0.1:8080/rackspace/identity/v2.0/tokens', 'http://127.0.0.1:8080/rackspace/identity/v2.0/tokens'],
  ])('--endpoint %s -> %s', (endpoint, url) => {
    expect(rackspaceTokensUrl(endpoint)).toBe(url)
  })

  it("defaults to Rackspace Identity and takes --endpoint (or the profile's) instead", () => {
    expect(rackspaceConfig(settings('rackspace', {env: RAX_ENV})).identity.tokensUrl).toBe('https://identity.api.rackspacecloud.com/v2.0/tokens')
    expect(rackspaceConfig(settings('rackspace', {env: RAX_ENV, endpoint: 'http://127.0.0.1:9/id'})).identity.tokensUrl).toBe('http://127.0.0.1:9/id/v2.0/tokens')
  })

  it('uses the API key when there is one, else the password', () => {
    expect(rackspaceConfig(settings('rackspace', {env: RAX_ENV})).identity.credentials).toEqual({kind: 'v2-apikey', username: 'alice', apiKey: RACKSPACE_USER.apiKey})
    expect(rackspaceConfig(settings('rackspace', {values: {username: 'bob', password: 'pw-123456'}})).identity.credentials).toEqual({
      kind: 'v2-password',
      username: 'bob',
      password: 'pw-123456',
    })
  })

  it('without credentials, says where to put them', () => {
    expect(() => rackspaceConfig(settings('rackspace'))).toThrow(AuthError)
    expect(() => rackspaceConfig(settings('rackspace'))).toThrow(/RAX_USERNAME and RAX_API_KEY/)
  })
})

describe('regions', () => {
  let cloud: FakeCloud
  let box: Sandbox

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
  afterEach(() => box.cleanup())

  it.each(['DFW', 'ORD', 'IAD', 'SYD', 'HKG'])("lists Cloud Servers in %s through that region's endpoint", async (region) => {
    const driver = await createDriver(settings('rackspace', {region: region.toLowerCase(), endpoint: cloud.identity, env: RAX_ENV}), box.context())
    expect(driver.region).toBe(region)
    const nodes = await driver.listNodes()
    expect(nodes.every((n) => n.region === region && n.provider === 'rackspace')).toBe(true)
    expect(cloud.computeRequests().map((r) => r.endpoint)).toEqual([`${region.toLowerCase()}.servers.api.rackspacecloud.com/v2/1337`])
  })

  it('lists Cloud Servers in LON for a UK account', async () => {
    const uk = await new FakeCloud({v2Catalogue: fixture('rackspace', '_v2_0__auth_lon.json'), defaultRegion: 'LON'}).start()
    try {
      const driver = await createDriver(settings('rackspace', {region: 'LON', endpoint: uk.identity, env: RAX_ENV}), box.context())
      expect(driver.region).toBe('LON')
      expect((await driver.listNodes()).length).toBe(2)
      expect(uk.computeRequests().map((r) => r.endpoint)).toEqual(['lon.servers.api.rackspacecloud.com/v2/1337'])
      // Without a region, the account's default (LON) is the only one anyway.
      expect((await createDriver(settings('rackspace', {endpoint: uk.identity, env: RAX_ENV}), box.context())).region).toBe('LON')
    } finally {
      await uk.stop()
    }
  })

  it('a region the account does not have: ValidationError listing the ones it does', async () => {
    const error = await createDriver(settings('rackspace', {region: 'LON', endpoint: cloud.identity, env: RAX_ENV}), box.context()).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as Error).message).toBe(
      `Region "LON" has no compute service "cloudServersOpenStack" in the catalogue from Rackspace Identity (${cloud.identity}/v2.0/tokens). Regions offered: DFW, HKG, IAD, ORD, SYD.`,
    )
  })

  it('takes RAX_REGION when no --region is given, and --region over it', async () => {
    const byEnv = await createDriver(settings('rackspace', {endpoint: cloud.identity, env: {...RAX_ENV, RAX_REGION: 'syd'}}), box.context())
    expect(byEnv.region).toBe('SYD')
    const byFlag = await createDriver(settings('rackspace', {region: 'IAD', endpoint: cloud.identity, env: {...RAX_ENV, RAX_REGION: 'syd'}}), box.context())
    expect(byFlag.region).toBe('IAD')
  })

  it("without any region, uses the account's default region from the token", async () => {
    const driver = await createDriver(settings('rackspace', {endpoint: cloud.identity, env: RAX_ENV}), box.context())
    expect(driver.region).toBe('ORD')
  })

  it('without any region and no account default, asks for one', async () => {
    const bare = await new FakeCloud({defaultRegion: null}).start()
    try {
      const config = rackspaceConfig(settings('rackspace', {endpoint: bare.identity, env: RAX_ENV}))
      await expect(openNovaDriver(config, box.context(), FAST)).rejects.toThrow(/choose one with --region\. Regions offered: DFW, HKG, IAD, ORD, SYD\./)
    } finally {
      await bare.stop()
    }
  })

  it('takes credentials from the mc profile', async () => {
    const driver = await createDriver(
      settings('rackspace', {region: 'DFW', endpoint: cloud.identity, values: {username: RACKSPACE_USER.username, apiKey: RACKSPACE_USER.apiKey}}),
      box.context(),
    )
    expect(driver.region).toBe('DFW')
    const token = cloud.requests.find((r) => r.path === '/identity/v2.0/tokens')
    expect(token?.body).toEqual({auth: {'RAX-KSKEY:apiKeyCredentials': {username: 'alice', apiKey: RACKSPACE_USER.apiKey}}})
  })

  it('authenticates with a password when that is what the profile holds', async () => {
    const driver = await createDriver(
      settings('rackspace', {region: 'DFW', endpoint: cloud.identity, values: {username: RACKSPACE_USER.username, password: RACKSPACE_USER.password}}),
      box.context(),
    )
    expect((await driver.listSizes()).length).toBe(8)
    const token = cloud.requests.find((r) => r.path === '/identity/v2.0/tokens')
    expect(token?.body).toEqual({auth: {passwordCredentials: {username: 'alice', password: RACKSPACE_USER.password}}})
  })
})
