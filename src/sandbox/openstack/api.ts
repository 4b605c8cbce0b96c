import {randomUUID} from 'node:crypto'

import {OPENSTACK, RACKSPACE} from '../catalog.js'
import {type ApiHandler, header, json, parseJsonBody, type SandboxRequest, type SandboxResponse} from '../http.js'
import {bodyViolation, type Violation} from '../specs.js'
import type {TokenRecord} from '../types.js'
import type {World} from '../world.js'
import {Identity, keystoneUnauthorized, origin} from './identity.js'
import {Cinder, cinderError} from './cinder.js'
import {Glance, glanceError} from './glance.js'
import {microversionHeaders, negotiateMicroversion, NOVA_MAX_VERSION} from './microversion.js'
import {Neutron, neutronError} from './neutron.js'
import {Nova, novaError} from './nova.js'

const RETRY_AFTER_SECONDS = 1

/** Nova names every answer with a request id, which clients log and support desks ask for. */
function withRequestId(response: SandboxResponse): SandboxResponse {
  const id = `req-${randomUUID()}`
  response.headers['x-openstack-request-id'] = id
  response.headers['x-compute-request-id'] = id
  return response
}

function overLimit(): SandboxResponse {
  return json(429, {overLimit: {code: 429, message: 'This request was rate-limited.', retryAfter: String(RETRY_AFTER_SECONDS)}}, {'retry-after': String(RETRY_AFTER_SECONDS)})
}

function computeFault(): SandboxResponse {
  return novaError(500, 'The server has either erred or is incapable of performing the requested operation.')
}

/** Keystone's SchemaValidationError (keystone/common/validation/validators.py). */
function keystoneInvalid(v: Violation): SandboxResponse {
  const message = v.path.length === 0 ? v.message : `Invalid input for field '${v.path.join('/')}': ${v.message}`
  return json(400, {error: {code: 400, message, title: 'Bad Request'}})
}

/**
 * Rackspace Cloud: Identity v2.0 at /rackspace/v2.0/tokens and Cloud Servers (Nova v2) per region at
 * /rackspace/servers/<region>/v2/<tenant>.
 */
export class RackspaceApi implements ApiHandler {
  readonly cloud = 'rackspace' as const
  private readonly identity: Identity
  private readonly nova: Nova

  constructor(private readonly world: World) {
    this.identity = new Identity(world)
    this.nova = new Nova(world, 'rackspace', RACKSPACE)
  }

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const {path, method} = request
    if (path === '/v2.0/tokens' && method === 'POST') return this.identity.rackspaceTokens(request, parseJsonBody(request.body))
    const match = /^\/servers\/([a-z]+)\/v2\/([^/]+)(\/.*)?$/.exec(path)
    if (!match) return json(404, {itemNotFound: {code: 404, message: 'Resource not found'}})
    const [, regionLower, tenantId, rest = ''] = match
    const region = RACKSPACE.regions.find((r) => r.toLowerCase() === regionLower)
    const token = this.identity.validate('rackspace', header(request, 'x-auth-token'))
    if (!token) {
      return json(401, {unauthorized: {code: 401, message: "No valid token provided. Please use the 'X-Auth-Token' header with a valid token."}})
    }
    if (!region) return json(404, {itemNotFound: {code: 404, message: 'Resource not found'}})
    if (token.projectId !== tenantId) return novaError(403, "Policy doesn't allow compute:get_all to be performed.")
    const host = origin(request)
    const base = `${host}/rackspace/servers/${regionLower}/v2/${tenantId}`
    return withRequestId(
      await this.nova.route(request, rest, {region, tenantId, userId: token.userId, base, bookmarkBase: `${host}/rackspace/servers/${regionLower}/${tenantId}`, microversion: 1}),
    )
  }

  throttled(request: SandboxRequest): SandboxResponse | undefined {
    return request.path.startsWith('/servers/') ? overLimit() : undefined
  }

  unavailable(request: SandboxRequest): SandboxResponse {
    return request.path.startsWith('/servers/') ? computeFault() : json(503, {serviceUnavailable: {code: 503, message: 'Service Unavailable'}})
  }
}

/**
 * A private OpenStack cloud as DevStack lays it out: Keystone at /identity (v3 and v2.0), and per
 * region Nova (microversions 2.1 to 2.96) at /compute/<region>/v2.1, Glance at /image/<region>,
 * Neutron at /network/<region> and Cinder at /volume/<region>/v3/<project>.
 */
export class OpenStackApi implements ApiHandler {
  readonly cloud = 'openstack' as const
  private readonly identity: Identity
  private readonly neutron: Neutron
  private readonly nova: Nova
  private readonly glance = new Glance()
  private readonly cinder = new Cinder()

  constructor(private readonly world: World) {
    this.identity = new Identity(world)
    this.neutron = new Neutron(world)
    this.nova = new Nova(world, 'openstack', OPENSTACK, this.neutron)
  }

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const {path, method} = request
    if (path.startsWith('/identity')) return this.handleIdentity(request, path.slice('/identity'.length) || '/', method)
    const match = /^\/(compute|image|network|volume)\/([a-z0-9-]+)(\/.*)?$/.exec(path)
    const region = match ? OPENSTACK.regions.find((r) => r.toLowerCase() === match[2]) : undefined
    if (!match || !region) return novaError(404, 'The resource could not be found.')
    const [, service, regionLower, rest = ''] = match
    const host = origin(request)
    const base = `${host}/${service}/${regionLower}`
    const unversioned = rest === '' || rest === '/'
    // Version documents answer without a token, as each service's root does.
    if (unversioned && method === 'GET') {
      if (service === 'compute') return this.computeVersions(base)
      if (service === 'image') return this.glance.versions({base})
      if (service === 'network') return this.neutron.versions({region, projectId: '', base})
      return this.cinder.versions({base})
    }
    const token = this.identity.validate('openstack', header(request, 'x-auth-token'))
    if (!token) return {...keystoneUnauthorized(), headers: {'content-type': 'application/json', 'www-authenticate': `Keystone uri="${host}/identity"`}}
    switch (service) {
      case 'compute': {
        return this.compute(request, rest, {region, token, base})
      }
      case 'image': {
        const versioned = /^\/v2(\/.*)?$/.exec(rest)
        if (!versioned) return glanceError(404, 'Not Found', 'The resource could not be found.')
        return withRequestId(this.glance.route(request, versioned[1] ?? ''))
      }
      case 'network': {
        const versioned = /^\/v2\.0(\/.*)?$/.exec(rest)
        if (!versioned) return neutronError(404, 'HTTPNotFound', 'The resource could not be found.')
        if (!token.projectId) return neutronError(403, 'HTTPForbidden', 'An unscoped token cannot list project resources.')
        return withRequestId(this.neutron.route(request, versioned[1] ?? '', {region, projectId: token.projectId, base}))
      }
      default: {
        if (/^\/v3\/?$/.test(rest) && method === 'GET') return this.cinder.versions({base})
        const versioned = /^\/v3\/([^/]+)(\/.*)?$/.exec(rest)
        if (!versioned) return cinderError(404, 'itemNotFound', 'The resource could not be found.')
        if (versioned[1] !== token.projectId) return cinderError(403, 'forbidden', 'Policy does not allow volume:get_all to be performed.')
        return withRequestId(this.cinder.route(request, versioned[2] ?? ''))
      }
    }
  }

  private computeVersions(bookmarkBase: string): SandboxResponse {
    return json(200, {
      versions: [
        {id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{rel: 'self', href: `${bookmarkBase}/v2/`}]},
        {id: 'v2.1', status: 'CURRENT', version: NOVA_MAX_VERSION, min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [{rel: 'self', href: `${bookmarkBase}/v2.1/`}]},
      ],
    })
  }

  private async compute(request: SandboxRequest, rest: string, at: {region: string; token: TokenRecord; base: string}): Promise<SandboxResponse> {
    const versioned = /^\/v2\.1(\/.*)?$/.exec(rest)
    if (!versioned) return novaError(404, 'The resource could not be found.')
    if (!at.token.projectId) return novaError(403, 'Policy does not allow os_compute_api:servers:index to be performed.')
    const microversion = negotiateMicroversion(request)
    if (typeof microversion !== 'number') return withRequestId(microversion)
    const scope = {region: at.region, tenantId: at.token.projectId, userId: at.token.userId, base: `${at.base}/v2.1`, bookmarkBase: at.base, microversion}
    const response = await this.nova.route(request, versioned[1] ?? '', scope)
    Object.assign(response.headers, microversionHeaders(microversion))
    return withRequestId(response)
  }

  private async handleIdentity(request: SandboxRequest, path: string, method: string): Promise<SandboxResponse> {
    const body = () => parseJsonBody(request.body)
    if (method === 'POST' && path.startsWith('/v3/') && body() !== undefined) {
      const violation = await bodyViolation({spec: 'openstack-identity-v3.14', path, method, body: body()})
      if (violation) return keystoneInvalid(violation)
    }
    if (path === '/' && method === 'GET') return this.identity.versions(request)
    if ((path === '/v3' || path === '/v3/') && method === 'GET') return this.identity.v3Root(request)
    if ((path === '/v2.0' || path === '/v2.0/') && method === 'GET') return this.identity.v2Root(request)
    if (path === '/v3/auth/tokens' && method === 'POST') return this.identity.v3Tokens(request, body())
    if (path === '/v3/auth/tokens' && method === 'GET') return this.identity.v3Validate(request)
    if (path === '/v2.0/tokens' && method === 'POST') return this.identity.v2Tokens(request, body())
    const user = /^\/v3\/users\/([^/]+)$/.exec(path)
    if (user && method === 'GET') return this.identity.v3User(request, decodeURIComponent(user[1]))
    return json(404, {error: {code: 404, message: 'The resource could not be found.', title: 'Not Found'}})
  }

  throttled(request: SandboxRequest): SandboxResponse | undefined {
    return request.path.startsWith('/identity') ? undefined : overLimit()
  }

  unavailable(request: SandboxRequest): SandboxResponse {
    return request.path.startsWith('/compute/')
      ? computeFault()
      : json(503, {error: {code: 503, message: 'The service is currently unavailable. Please try again later.', title: 'Service Unavailable'}})
  }
}
