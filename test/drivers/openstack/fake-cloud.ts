import {randomUUID} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {fileURLToPath} from 'node:url'

import {keystoneViolations, novaActionViolations, novaViolations} from './spec.js'

/**
 * A local Keystone (v2.0 and v3, Rackspace API keys included) and Nova, on 127.0.0.1 and an ephemeral
 * port, answering with libcloud's recorded bodies. Catalogue URLs from the recordings are rewritten to
 * point here (`/ep/<original host>/<original path>`), so each recorded region is its own Nova with its
 * own servers. Request bodies the driver sends are checked against the Nova 2.1 / Keystone v3 schemas,
 * and so are the bodies this server constructs itself (created servers, imported key pairs); both kinds
 * of violation are collected in `violations`.
 */

type Json = Record<string, unknown>

export function fixture(area: 'openstack' | 'rackspace', file: string): Json {
  return JSON.parse(readFileSync(fileURLToPath(new URL(`../../fixtures/${area}/${file}`, import.meta.url)), 'utf8')) as Json
}

export interface RecordedRequest {
  method: string
  /** The path after the endpoint prefix (`/servers/detail`), or the identity path. */
  path: string
  /** The compute endpoint's key (`ord.servers.api.rackspacecloud.com/v2/1337`), for compute requests. */
  endpoint?: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: unknown
}

export interface Fault {
  method?: string
  /** Matched against the compute path (`/servers/detail`) or the identity path (`/identity/v2.0/tokens`). */
  path: RegExp
  status: number
  body?: unknown
  headers?: Record<string, string>
  /** How many matching requests get this answer (default 1). */
  times?: number
}

export interface FakeCloudOptions {
  /** The v2.0 token body whose catalogue is served (default: Rackspace's `_v2_0__auth.json`). */
  v2Catalogue?: Json
  /** Token lifetime handed out, ms. */
  tokenTtlMs?: number
  /** How many GETs of a new server still show BUILD before it turns ACTIVE. */
  buildPolls?: number
  /** The account's `RAX-AUTH:defaultRegion` in v2.0 token bodies (default ORD; null: none). */
  defaultRegion?: string | null
}

export const RACKSPACE_USER = {username: 'alice', apiKey: 'a4bbc55a951242c48b03e88e32123456', password: 'alice-password-1'}
export const KEYSTONE_USER = {username: 'demo', password: 'demo-secret-pw', project: 'admin', domain: 'Default'}
export const APP_CREDENTIAL = {id: '0c3b9a7e5e2c4f7f9a1d2b3c4d5e6f70', secret: 'app-cred-secret-1'}
/** A modern image (UUID id) seeded next to the recorded ones, which have integer-like ids Nova 2.1 would not accept as imageRef. */
export const MODERN_IMAGE_ID = '4b4b4ac8-4b61-4f5b-9c49-4c7a2f4f3a10'
const PROJECT_ID = '5a7f1c1e-8a35-4d2c-9a36-0f4e3a1b2c3d'

interface ComputeState {
  servers: Json[]
  flavors: Json[]
  images: Json[]
  keypairs: Json[]
  /** GETs left before a BUILD server turns ACTIVE. */
  building: Map<string, number>
  /** Servers this fake made (not recorded ones), whose bodies are checked against the 2.1 schema. */
  constructed: Set<string>
}

function clone<T>(value: T): T {
  return structuredClone(value)
}

function rewriteUrls(value: unknown, base: string): unknown {
  if (typeof value === 'string') return value.replace(/^https?:\/\/([^/]+)(\/.*)?$/, (_m, host: string, path = '') => `${base}/ep/${host}${path}`)
  if (Array.isArray(value)) return value.map((v) => rewriteUrls(v, base))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteUrls(v, base)]))
  return value
}

const RESOURCES = new Set(['servers', 'flavors', 'images', 'os-keypairs'])

export class FakeCloud {
  url = ''
  readonly requests: RecordedRequest[] = []
  readonly violations: string[] = []
  readonly issuedTokens = new Set<string>()
  private readonly faults: Fault[] = []
  private readonly states = new Map<string, ComputeState>()
  private server?: Server

  constructor(private readonly options: FakeCloudOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.send(res, 500, {computeFault: {message: String(error), code: 500}}))
    })
    await new Promise<void>((resolve) => {
      this.server!.listen(0, '127.0.0.1', resolve)
    })
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async stop(): Promise<void> {
    if (!this.server) return
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => {
      this.server!.close(() => resolve())
    })
  }

  /** Base URL of the identity service (Rackspace's `--endpoint`); Keystone auth URLs are `${identity}/v3` or `/v2.0`. */
  get identity(): string {
    return `${this.url}/identity`
  }

  fail(fault: Fault): void {
    this.faults.push({times: 1, ...fault})
  }

  /** Every token handed out so far stops working (as after a Keystone restart or revocation). */
  revokeTokens(): void {
    this.issuedTokens.clear()
  }

  /** The compute endpoint key for a recorded host, e.g. state('ord.servers.api.rackspacecloud.com/v2/1337'). */
  state(endpoint: string): ComputeState {
    let state = this.states.get(endpoint)
    if (!state) {
      const servers = (fixture('openstack', '_servers_detail.json').servers as Json[]).map((s) => rewriteUrls(s, this.url) as Json)
      const images = (fixture('openstack', '_images_detail.json').images as Json[]).map((s) => rewriteUrls(s, this.url) as Json)
      images.push({
        id: MODERN_IMAGE_ID,
        name: 'Ubuntu 22.04 LTS (Jammy Jellyfish)',
        status: 'ACTIVE',
        progress: 100,
        minDisk: 20,
        minRam: 512,
        created: '2024-03-01T10:00:00Z',
        updated: '2024-03-01T10:05:00Z',
        metadata: {os_distro: 'ubuntu', image_type: 'base', architecture: 'x86_64'},
        links: [{rel: 'self', href: `${this.url}/ep/${endpoint}/images/${MODERN_IMAGE_ID}`}],
      })
      state = {
        servers,
        flavors: (fixture('openstack', '_flavors_detail.json').flavors as Json[]).map((s) => rewriteUrls(s, this.url) as Json),
        images,
        keypairs: (fixture('openstack', '_os_keypairs.json').keypairs as Json[]).map((k) => clone(k.keypair as Json)),
        building: new Map(),
        constructed: new Set(),
      }
      this.states.set(endpoint, state)
    }
    return state
  }

  computeRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.endpoint !== undefined)
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? '' : JSON.stringify(body)
    res.writeHead(status, {...(text ? {'content-type': 'application/json'} : {}), ...headers})
    res.end(text)
  }

  private check(label: string, violations: string[]): void {
    for (const v of violations) this.violations.push(`${label}: ${v}`)
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8')
    let body: unknown
    try {
      body = text ? JSON.parse(text) : undefined
    } catch {
      this.send(res, 400, {badRequest: {message: 'Malformed request body', code: 400}})
      return
    }
    const url = new URL(req.url ?? '/', this.url)
    const method = req.method ?? 'GET'
    let path = url.pathname
    let endpoint: string | undefined
    if (path.startsWith('/ep/')) {
      const segments = path.slice(4).split('/')
      const at = segments.findIndex((s, i) => i > 0 && RESOURCES.has(s))
      if (at === -1) {
        this.send(res, 404, {itemNotFound: {message: 'No such resource', code: 404}})
        return
      }
      endpoint = segments.slice(0, at).join('/')
      path = `/${segments.slice(at).join('/')}`
    }
    this.requests.push({method, path: endpoint ? path : url.pathname, endpoint, query: url.searchParams, headers: req.headers, body})

    const faultAt = this.faults.findIndex((f) => (!f.method || f.method === method) && f.path.test(path))
    if (faultAt !== -1) {
      const fault = this.faults[faultAt]
      fault.times = (fault.times ?? 1) - 1
      if (fault.times <= 0) this.faults.splice(faultAt, 1)
      this.send(res, fault.status, fault.body, fault.headers)
      return
    }

    if (method === 'POST' && path === '/identity/v2.0/tokens') return this.v2Token(res, body)
    if (method === 'POST' && path === '/identity/v3/auth/tokens') return this.v3Token(res, body)
    if (!endpoint) {
      this.send(res, 404, {itemNotFound: {message: `No route for ${method} ${path}`, code: 404}})
      return
    }
    if (!this.issuedTokens.has(String(req.headers['x-auth-token']))) {
      this.send(res, 401, {unauthorized: {message: 'This server could not verify that you are authorized to access the document you requested.', code: 401}})
      return
    }
    this.compute(res, method, path, url.searchParams, body, endpoint)
  }

  private issue(): string {
    const token = `tok-${randomUUID()}`
    this.issuedTokens.add(token)
    return token
  }

  private expiry(): string {
    return new Date(Date.now() + (this.options.tokenTtlMs ?? 3_600_000)).toISOString()
  }

  private v2Token(res: ServerResponse, body: unknown): void {
    const auth = (body as Json | undefined)?.auth as Json | undefined
    const apiKey = auth?.['RAX-KSKEY:apiKeyCredentials'] as Json | undefined
    const password = auth?.passwordCredentials as Json | undefined
    const given = [apiKey, password].filter(Boolean) as Json[]
    if (given.length !== 1 || typeof given[0].username !== 'string' || typeof (given[0].apiKey ?? given[0].password) !== 'string') {
      this.violations.push(`POST /v2.0/tokens: body is not one apiKeyCredentials or passwordCredentials object: ${JSON.stringify(body)}`)
      this.send(res, 400, {badRequest: {message: 'Invalid request body', code: 400}})
      return
    }
    const ok = apiKey
      ? apiKey.username === RACKSPACE_USER.username && apiKey.apiKey === RACKSPACE_USER.apiKey
      : (password!.username === RACKSPACE_USER.username && password!.password === RACKSPACE_USER.password) ||
        (password!.username === KEYSTONE_USER.username && password!.password === KEYSTONE_USER.password)
    if (!ok) {
      this.send(res, 401, fixture('rackspace', 'dns__unauthorized.json'))
      return
    }
    const template = clone(this.options.v2Catalogue ?? fixture('rackspace', '_v2_0__auth.json'))
    const access = rewriteUrls(template.access, this.url) as Json
    const token = access.token as Json
    token.id = this.issue()
    token.expires = this.expiry()
    token.tenant = {id: '1337', name: '1337'}
    const defaultRegion = this.options.defaultRegion === undefined ? 'ORD' : this.options.defaultRegion
    if (defaultRegion) (access.user as Json)['RAX-AUTH:defaultRegion'] = defaultRegion
    this.send(res, 200, {access})
  }

  private v3Token(res: ServerResponse, body: unknown): void {
    this.check('POST /v3/auth/tokens', keystoneViolations('AuthTokensPostRequest', body))
    const identity = ((body as Json | undefined)?.auth as Json | undefined)?.identity as Json | undefined
    const methods = identity?.methods as string[] | undefined
    let ok = false
    if (methods?.[0] === 'password') {
      const user = (identity?.password as Json | undefined)?.user as Json | undefined
      ok = user?.name === KEYSTONE_USER.username && user?.password === KEYSTONE_USER.password
    } else if (methods?.[0] === 'application_credential') {
      const cred = identity?.application_credential as Json | undefined
      ok = cred?.id === APP_CREDENTIAL.id && cred?.secret === APP_CREDENTIAL.secret
    }
    if (!ok) {
      this.send(res, 401, {error: {code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.'}})
      return
    }
    const recorded = fixture('openstack', '_v3__auth.json')
    const token = rewriteUrls(recorded.token, this.url) as Json
    token.expires_at = this.expiry()
    this.send(res, 201, {token}, {'x-subject-token': this.issue()})
  }

  private page(res: ServerResponse, key: string, items: Json[], query: URLSearchParams, base: string): void {
    const limit = Number(query.get('limit') ?? 1000)
    const marker = query.get('marker')
    let start = 0
    if (marker) {
      const at = items.findIndex((i) => String(i.id) === marker)
      if (at === -1) {
        this.send(res, 400, {badRequest: {message: `marker [${marker}] not found`, code: 400}})
        return
      }
      start = at + 1
    }
    const slice = items.slice(start, start + limit)
    const out: Json = {[key]: slice}
    // Like Nova: a full page always carries a next link, even when nothing follows.
    if (slice.length === limit && slice.length > 0) {
      const next = new URL(`${this.url}/ep/${base}/${key}/detail`)
      // The host in links is Nova's own idea of itself; the driver must not depend on it.
      next.host = 'nova-internal.invalid:8774'
      for (const [k, v] of query) if (k !== 'marker') next.searchParams.set(k, v)
      next.searchParams.set('marker', String(slice.at(-1)!.id))
      out[`${key}_links`] = [{rel: 'next', href: next.toString()}]
    }
    this.send(res, 200, out)
  }

  private showServer(state: ComputeState, server: Json): Json {
    const left = state.building.get(String(server.id))
    if (left !== undefined) {
      if (left <= 0) {
        state.building.delete(String(server.id))
        Object.assign(server, {
          status: 'ACTIVE',
          progress: 100,
          'OS-EXT-STS:vm_state': 'active',
          'OS-EXT-STS:power_state': 1,
          accessIPv4: '198.51.100.23',
          addresses: {
            public: [
              {version: 4, addr: '198.51.100.23'},
              {version: 6, addr: '2001:db8:1::23'},
            ],
            private: [{version: 4, addr: '10.176.4.23'}],
          },
        })
      } else state.building.set(String(server.id), left - 1)
    }
    return server
  }

  private compute(res: ServerResponse, method: string, path: string, query: URLSearchParams, body: unknown, endpoint: string): void {
    const state = this.state(endpoint)
    const label = `${method} ${path}`
    const serverMatch = /^\/servers\/([^/]+)(\/action)?$/.exec(path)
    if (method === 'GET' && path === '/servers/detail') {
      const name = query.get('name')
      const servers = name ? state.servers.filter((s) => new RegExp(name).test(String(s.name))) : state.servers
      return this.page(res, 'servers', servers, query, endpoint)
    }
    if (method === 'GET' && path === '/flavors/detail') return this.page(res, 'flavors', state.flavors, query, endpoint)
    if (method === 'GET' && path === '/images/detail') return this.page(res, 'images', state.images, query, endpoint)
    if (method === 'GET' && path === '/os-keypairs') {
      this.send(res, 200, {keypairs: state.keypairs.map((keypair) => ({keypair}))})
      return
    }
    if (method === 'POST' && path === '/os-keypairs') return this.importKeypair(res, state, body, label)
    if (method === 'POST' && path === '/servers') return this.createServer(res, state, body, label, endpoint)
    if (serverMatch) {
      const id = decodeURIComponent(serverMatch[1])
      const server = state.servers.find((s) => String(s.id) === id)
      if (!server) {
        this.send(res, 404, {itemNotFound: {message: `Instance ${id} could not be found.`, code: 404}})
        return
      }
      if (method === 'GET' && !serverMatch[2]) {
        const shown = this.showServer(state, server)
        if (state.constructed.has(id)) this.check(`${label} response`, novaViolations('ServerShowResponse', {server: shown}))
        this.send(res, 200, {server: shown})
        return
      }
      if (method === 'DELETE' && !serverMatch[2]) {
        state.servers.splice(state.servers.indexOf(server), 1)
        this.send(res, 204)
        return
      }
      if (method === 'POST' && serverMatch[2]) {
        this.check(label, novaActionViolations(body))
        const reboot = (body as Json | undefined)?.reboot as Json | undefined
        if (reboot) server.status = String(reboot.type).toUpperCase() === 'HARD' ? 'HARD_REBOOT' : 'REBOOT'
        this.send(res, 202)
        return
      }
    }
    this.send(res, 404, {itemNotFound: {message: `No route for ${label}`, code: 404}})
  }

  private importKeypair(res: ServerResponse, state: ComputeState, body: unknown, label: string): void {
    const violations = novaViolations('Os_KeypairsCreateRequest', body)
    this.check(label, violations)
    if (violations.length > 0) {
      this.send(res, 400, {badRequest: {message: `Invalid input for field/attribute keypair: ${violations[0]}`, code: 400}})
      return
    }
    const {name, public_key: publicKey} = (body as {keypair: {name: string; public_key: string}}).keypair
    if (state.keypairs.some((k) => k.name === name)) {
      this.send(res, 409, {conflictingRequest: {message: `Key pair '${name}' already exists.`, code: 409}})
      return
    }
    const keypair = {name, public_key: publicKey, fingerprint: '97:10:a6:e7:92:65:7e:69:fe:e6:81:8f:39:3c:8f:5a', user_id: 'alice'}
    state.keypairs.push(keypair)
    this.check(`${label} response`, novaViolations('Os_KeypairsCreateResponse', {keypair}))
    this.send(res, 200, {keypair})
  }

  private createServer(res: ServerResponse, state: ComputeState, body: unknown, label: string, endpoint: string): void {
    const violations = novaViolations('ServersCreateRequest', body)
    this.check(label, violations)
    if (violations.length > 0) {
      this.send(res, 400, {badRequest: {message: `Invalid input for field/attribute server: ${violations[0]}`, code: 400}})
      return
    }
    const request = (body as {server: Json}).server
    if (!state.images.some((i) => String(i.id) === request.imageRef)) {
      this.send(res, 400, {badRequest: {message: `Can not find requested image`, code: 400}})
      return
    }
    if (!state.flavors.some((f) => String(f.id) === String(request.flavorRef))) {
      this.send(res, 400, {badRequest: {message: `Flavor ${String(request.flavorRef)} could not be found.`, code: 400}})
      return
    }
    if (request.key_name && !state.keypairs.some((k) => k.name === request.key_name)) {
      this.send(res, 400, {badRequest: {message: `Invalid key_name provided.`, code: 400}})
      return
    }
    const id = randomUUID()
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const self = `${this.url}/ep/${endpoint}/servers/${id}`
    const server: Json = {
      id,
      name: request.name,
      status: 'BUILD',
      progress: 0,
      tenant_id: PROJECT_ID,
      user_id: 'alice',
      hostId: '',
      created: now,
      updated: now,
      addresses: {},
      image: {id: request.imageRef, links: [{rel: 'bookmark', href: `${this.url}/ep/${endpoint}/images/${String(request.imageRef)}`}]},
      flavor: {id: String(request.flavorRef), links: [{rel: 'bookmark', href: `${this.url}/ep/${endpoint}/flavors/${String(request.flavorRef)}`}]},
      metadata: request.metadata ?? {},
      links: [
        {rel: 'self', href: self},
        {rel: 'bookmark', href: self},
      ],
      config_drive: request.config_drive ? 'True' : '',
      'OS-DCF:diskConfig': 'AUTO',
      'OS-EXT-STS:vm_state': 'building',
      'OS-EXT-STS:power_state': 0,
      security_groups: [{name: 'default'}],
      ...(request.key_name ? {key_name: request.key_name} : {}),
    }
    this.check(`${label} server`, novaViolations('ServerShowResponse', {server}))
    state.servers.push(server)
    state.constructed.add(id)
    state.building.set(id, this.options.buildPolls ?? 1)
    const answer = {server: {id, links: server.links, adminPass: 'Xk3vQ9pLm2Rz', 'OS-DCF:diskConfig': 'AUTO', security_groups: [{name: 'default'}]}}
    this.check(`${label} response`, novaViolations('ServersCreateResponse', answer))
    this.send(res, 202, answer)
  }
}
