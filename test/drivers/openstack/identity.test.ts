import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {AuthError, ConfigError, RateLimitError} from '../../../src/core/errors.js'
import {openNovaDriver} from '../../../src/drivers/openstack/flavour.js'
import {tokenRequestBody} from '../../../src/drivers/openstack/identity.js'
import {keystoneTokensUrl, openStackConfig, openStackIdentity} from '../../../src/drivers/openstack/index.js'
import {rackspaceConfig} from '../../../src/drivers/rackspace/index.js'
import {APP_CREDENTIAL, FakeCloud, KEYSTONE_USER, RACKSPACE_USER} from './fake-cloud.js'
import {FAST, type Sandbox, sandboxDir, settings} from './helpers.js'
import {keystoneViolations} from './spec.js'

describe('token request bodies', () => {
  it('Rackspace API key: RAX-KSKEY:apiKeyCredentials', () => {
    expect(tokenRequestBody({kind: 'v2-apikey', username: 'alice', apiKey: 'k'})).toEqual({
      auth: {'RAX-KSKEY:apiKeyCredentials': {username: 'alice', apiKey: 'k'}},
    })
  })

  it('Keystone v2.0 password with a tenant', () => {
    expect(tokenRequestBody({kind: 'v2-password', username: 'demo', password: 'p', tenantName: 'admin'})).toEqual({
      auth: {passwordCredentials: {username: 'demo', password: 'p'}, tenantName: 'admin'},
    })
  })

  it('Keystone v3 password, project-scoped, valid against the identity v3 schema', () => {
    const body = tokenRequestBody({
      kind: 'v3-password',
      user: {name: 'demo', domainName: 'Default'},
      password: 'p',
      project: {name: 'admin', domainName: 'Default'},
    })
    expect(body).toEqual({
      auth: {
        identity: {methods: ['password'], password: {user: {name: 'demo', domain: {name: 'Default'}, password: 'p'}}},
        scope: {project: {name: 'admin', domain: {name: 'Default'}}},
      },
    })
    expect(keystoneViolations('AuthTokensPostRequest', body)).toEqual([])
  })

  it('a project id needs no domain', () => {
    const body = tokenRequestBody({kind: 'v3-password', user: {id: 'u1'}, password: 'p', project: {id: 'p1', name: 'ignored', domainName: 'x'}})
    expect((body.auth as {scope: unknown}).scope).toEqual({project: {id: 'p1'}})
    expect(keystoneViolations('AuthTokensPostRequest', body)).toEqual([])
  })

  it('Keystone v3 application credential by id: no scope (Keystone rejects one)', () => {
    const body = tokenRequestBody({kind: 'v3-application-credential', id: 'ac1', secret: 's', user: {name: 'demo', domainId: 'default'}})
    expect(body).toEqual({auth: {identity: {methods: ['application_credential'], application_credential: {id: 'ac1', secret: 's'}}}})
    expect(keystoneViolations('AuthTokensPostRequest', body)).toEqual([])
  })

  it('Keystone v3 application credential by name carries its user', () => {
    const body = tokenRequestBody({kind: 'v3-application-credential', name: 'ci', secret: 's', user: {name: 'demo', domainName: 'Default'}})
    expect(body).toEqual({
      auth: {identity: {methods: ['application_credential'], application_credential: {name: 'ci', user: {name: 'demo', domain: {name: 'Default'}}, secret: 's'}}},
    })
    expect(keystoneViolations('AuthTokensPostRequest', body)).toEqual([])
  })
})

describe('OpenStack auth URL and credentials', () => {
  it.each([
    ['https://keystone.example:5000/v3', undefined, '3', 'https://keystone.example:5000/v3/auth/tokens'],
    ['https://keystone.example:5000/v3/', undefined, '3', 'https://keystone.example:5000/v3/auth/tokens'],
    ['https://keystone.example:5000/v2.0', undefined, '2.0', 'https://keystone.example:5000/v2.0/tokens'],
    ['https://keystone.example:5000', undefined, '3', 'https://keystone.example:5000/v3/auth/tokens'],
    ['https://cloud.example/identity', '2', '2.0', 'https://cloud.example/identity/v2.0/tokens'],
    ['https://cloud.example/identity', '3', '3', 'https://cloud.example/identity/v3/auth/tokens'],
  ])('%s (identity_api_version %s) -> v%s %s', (authUrl, apiVersion, version, tokensUrl) => {
    expect(keystoneTokensUrl(authUrl, apiVersion)).toEqual({version, tokensUrl})
  })

  it('puts a user and project without domains in the default domain', () => {
    const identity = openStackIdentity({authUrl: 'http://k/v3', username: 'demo', password: 'p', projectName: 'admin', source: 'test'})
    expect(identity.credentials).toEqual({
      kind: 'v3-password',
      user: {id: undefined, name: 'demo', domainId: 'default'},
      password: 'p',
      project: {name: 'admin', domainId: 'default'},
    })
  })

  it('refuses application credentials on a v2.0 auth URL, and a missing auth URL, with what to set', () => {
    expect(() => openStackIdentity({authUrl: 'http://k/v2.0', applicationCredentialId: 'a', applicationCredentialSecret: 's', source: 'env OS_*'})).toThrow(ConfigError)
    expect(() => openStackIdentity({username: 'demo', password: 'p', source: 'env OS_*'})).toThrow(/No Keystone auth URL in env OS_\*: set OS_AUTH_URL/)
  })

  it('--endpoint replaces the auth URL from the environment', () => {
    const config = openStackConfig(settings('openstack', {endpoint: 'http://127.0.0.1:9/v3', env: {OS_AUTH_URL: 'http://elsewhere:5000/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p'}}))
    expect(config.identity.tokensUrl).toBe('http://127.0.0.1:9/v3/auth/tokens')
  })

  it('rejects an endpoint interface it does not know', () => {
    expect(() => openStackConfig(settings('openstack', {env: {OS_AUTH_URL: 'http://k/v3', OS_USERNAME: 'u', OS_PASSWORD: 'p', OS_INTERFACE: 'privateURL'}}))).toThrow(
      /not one of public, internal, admin/,
    )
  })
})

describe('authentication against a live identity service', () => {
  const cloud = new FakeCloud()
  let box: Sandbox

  beforeAll(async () => {
    await cloud.start()
  })
  afterAll(async () => {
    await cloud.stop()
  })
  beforeEach(() => {
    box = sandboxDir()
    cloud.requests.length = 0
  })
  afterEach(() => box.cleanup())

  const rax = (apiKey = RACKSPACE_USER.apiKey, region = 'ORD') =>
    rackspaceConfig(settings('rackspace', {region, endpoint: cloud.identity, env: {RAX_USERNAME: RACKSPACE_USER.username, RAX_API_KEY: apiKey}}))
  const tokenRequests = () => cloud.requests.filter((r) => r.path.startsWith('/identity/'))

  it('caches the token in the cache dir, readable by the user only, and reuses it', async () => {
    await openNovaDriver(rax(), box.context(), FAST)
    const files = readdirSync(join(box.dir, 'cache'))
    expect(files).toHaveLength(1)
    const path = join(box.dir, 'cache', files[0])
    expect(statSync(path).mode.toString(8).slice(-3)).toBe('600')
    expect(statSync(join(box.dir, 'cache')).mode.toString(8).slice(-3)).toBe('700')
    const cached = JSON.parse(readFileSync(path, 'utf8')) as {token: string; expiresAt: string}
    expect(cloud.issuedTokens.has(cached.token)).toBe(true)
    // A second driver (a second mc run) authenticates no more.
    const driver = await openNovaDriver(rax(), box.context(), FAST)
    await driver.listNodes()
    expect(tokenRequests()).toHaveLength(1)
    expect(cloud.computeRequests().at(-1)?.headers['x-auth-token']).toBe(cached.token)
  })

  it('renews a cached token shortly before it expires', async () => {
    await openNovaDriver(rax(), box.context(), FAST)
    const path = join(box.dir, 'cache', readdirSync(join(box.dir, 'cache'))[0])
    const cached = JSON.parse(readFileSync(path, 'utf8')) as {expiresAt: string}
    cached.expiresAt = new Date(Date.now() + 60_000).toISOString()
    writeFileSync(path, JSON.stringify(cached))
    await openNovaDriver(rax(), box.context(), FAST)
    expect(tokenRequests()).toHaveLength(2)
  })

  it('treats a corrupt cache file as a miss', async () => {
    await openNovaDriver(rax(), box.context(), FAST)
    const path = join(box.dir, 'cache', readdirSync(join(box.dir, 'cache'))[0])
    writeFileSync(path, '{"token": 42')
    const driver = await openNovaDriver(rax(), box.context(), FAST)
    await driver.listSizes()
    expect(tokenRequests()).toHaveLength(2)
  })

  it('keeps tokens for different keys apart', async () => {
    await openNovaDriver(rax(), box.context(), FAST)
    await expect(openNovaDriver(rax('wrong-key-0000'), box.context(), FAST)).rejects.toBeInstanceOf(AuthError)
  })

  it('authenticates again once when Nova refuses the token, then carries on', async () => {
    const driver = await openNovaDriver(rax(), box.context(), FAST)
    cloud.revokeTokens()
    expect(await driver.listNodes()).toHaveLength(2)
    expect(tokenRequests()).toHaveLength(2)
    const statuses = cloud.computeRequests().map((r) => r.headers['x-auth-token'])
    expect(new Set(statuses).size).toBe(2)
  })

  it('gives up with AuthError when the fresh token is refused too', async () => {
    const driver = await openNovaDriver(rax(), box.context(), FAST)
    cloud.fail({path: /^\/servers\/detail$/, status: 401, body: {unauthorized: {message: 'Token not valid', code: 401}}, times: 2})
    const error = await driver.listNodes().catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toMatch(
      /^Nova in ORD refused a fresh token from Rackspace Identity at http:\/\/127\.0\.0\.1:\d+\/identity\/v2\.0\/tokens \(HTTP 401: Token not valid\)\.$/,
    )
    expect(tokenRequests()).toHaveLength(2)
    expect(cloud.computeRequests().filter((r) => r.path === '/servers/detail')).toHaveLength(2)
  })

  it('a wrong API key is an AuthError naming the identity endpoint, never the key, in messages and logs', async () => {
    const wrongKey = 'f00dfacef00dfacef00dfacef00dface'
    const error = await openNovaDriver(rax(wrongKey), box.context(), FAST).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    const {message} = error as Error
    expect(message).toContain(`Rackspace Identity at ${cloud.identity}/v2.0/tokens refused the API key of user "alice"`)
    expect(message).toContain('Username or api key is invalid')
    expect(message).not.toContain(wrongKey)
    expect(box.lines.join('\n')).not.toContain(wrongKey)
    expect(tokenRequests()).toHaveLength(1)
  })

  it('never logs the token Rackspace Identity returns in its body', async () => {
    const driver = await openNovaDriver(rax(), box.context(), FAST)
    await driver.listSizes()
    const token = [...cloud.issuedTokens].at(-1)!
    const log = box.lines.join('\n')
    expect(log).toContain('/v2.0/tokens')
    expect(log).not.toContain(token)
    expect(log).not.toContain(RACKSPACE_USER.apiKey)
  })

  it('retries a rate-limited token request (413 overLimit), then succeeds', async () => {
    cloud.fail({path: /tokens$/, status: 413, body: {overLimit: {code: 413, message: 'OverLimit Retry...', retryAfter: '0'}}, headers: {'retry-after': '0'}})
    await openNovaDriver(rax(), box.context(), FAST)
    expect(tokenRequests()).toHaveLength(2)
  })

  it('gives up on a token request still rate-limited after every retry', async () => {
    cloud.fail({path: /tokens$/, status: 429, body: {overLimit: {code: 429, message: 'Too many requests'}}, times: 5})
    const error = await openNovaDriver(rax(), box.context(), FAST).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(RateLimitError)
    expect((error as Error).message).toMatch(/is rate-limiting token requests \(HTTP 429: Too many requests\)/)
    // Five tries in all (retry's default), then the error; the next run authenticates normally.
    expect(tokenRequests()).toHaveLength(5)
    await openNovaDriver(rax(), box.context(), FAST)
    expect(tokenRequests()).toHaveLength(6)
  })

  it('an identity URL that is not one answers with a ConfigError pointing at --endpoint', async () => {
    const config = rackspaceConfig(settings('rackspace', {region: 'ORD', endpoint: `${cloud.url}/nothing-here`, env: {RAX_USERNAME: 'alice', RAX_API_KEY: 'k-1234'}}))
    await expect(openNovaDriver(config, box.context(), FAST)).rejects.toThrow(/answered 404 Not Found: is the endpoint the identity \(auth\) URL\?/)
  })

  it('Keystone v3 password: the token comes from X-Subject-Token', async () => {
    const config = openStackConfig(
      settings('openstack', {
        env: {
          OS_AUTH_URL: `${cloud.identity}/v3`,
          OS_USERNAME: KEYSTONE_USER.username,
          OS_PASSWORD: KEYSTONE_USER.password,
          OS_PROJECT_NAME: KEYSTONE_USER.project,
          OS_USER_DOMAIN_NAME: KEYSTONE_USER.domain,
          OS_PROJECT_DOMAIN_NAME: KEYSTONE_USER.domain,
        },
      }),
    )
    const driver = await openNovaDriver(config, box.context(), FAST)
    expect(driver.region).toBe('regionOne')
    await driver.listKeyPairs()
    expect(cloud.issuedTokens.has(String(cloud.computeRequests().at(-1)?.headers['x-auth-token']))).toBe(true)
    expect(cloud.violations).toEqual([])
  })

  it('Keystone v3 application credential (from clouds.yaml-style settings)', async () => {
    const config = openStackConfig(
      settings('openstack', {
        env: {OS_AUTH_URL: `${cloud.identity}/v3`, OS_APPLICATION_CREDENTIAL_ID: APP_CREDENTIAL.id, OS_APPLICATION_CREDENTIAL_SECRET: APP_CREDENTIAL.secret},
      }),
    )
    const driver = await openNovaDriver(config, box.context(), FAST)
    expect((await driver.listSizes()).length).toBeGreaterThan(0)
    const auth = tokenRequests()[0].body as {auth: {identity: {methods: string[]}; scope?: unknown}}
    expect(auth.auth.identity.methods).toEqual(['application_credential'])
    expect(auth.auth.scope).toBeUndefined()
    expect(cloud.violations).toEqual([])
  })

  it('a wrong Keystone v3 password names Keystone, the user and the URL, not the password', async () => {
    const config = openStackConfig(
      settings('openstack', {env: {OS_AUTH_URL: `${cloud.identity}/v3`, OS_USERNAME: 'demo', OS_PASSWORD: 'not-the-password', OS_PROJECT_NAME: 'admin'}}),
    )
    const error = await openNovaDriver(config, box.context(), FAST).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toBe(
      `Keystone v3 at ${cloud.identity}/v3/auth/tokens refused the password of user "demo" (HTTP 401: The request you have made requires authentication.). Check the credentials, and that the endpoint is the right identity service.`,
    )
  })

  it('an unscoped v3 token (no catalogue) asks for a project', async () => {
    cloud.fail({path: /auth\/tokens$/, status: 201, body: {token: {methods: ['password'], expires_at: '2999-01-01T00:00:00Z'}}, headers: {'x-subject-token': 'unscoped-token'}})
    const config = openStackConfig(settings('openstack', {env: {OS_AUTH_URL: `${cloud.identity}/v3`, OS_USERNAME: 'demo', OS_PASSWORD: 'demo-secret-pw'}}))
    await expect(openNovaDriver(config, box.context(), FAST)).rejects.toThrow(/issued an unscoped token.*OS_PROJECT_NAME/)
  })
})
