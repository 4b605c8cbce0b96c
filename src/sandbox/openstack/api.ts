import {randomUUID} from 'node:crypto'

import {OPENSTACK, RACKSPACE} from '../catalog.js'
import {type ApiHandler, header, json, parseJsonBody, type SandboxRequest, type SandboxResponse} from '../http.js'
import type {World} from '../world.js'
import {Identity, keystoneUnauthorized, origin} from './identity.js'
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
    if (token.projectId !== tenantId) return novaError(403, 'Policy doesn\'t allow compute:get_all to be performed.')
    const host = origin(request)
    const base = `${host}/rackspace/servers/${regionLower}/v2/${tenantId}`
    return withRequestId(await this.nova.route(request, rest, {region, tenantId, userId: token.userId, base, bookmarkBase: `${host}/rackspace/servers/${regionLower}/${tenantId}`}))
  }

  throttled(request: SandboxRequest): SandboxResponse | undefined {
    return request.path.startsWith('/servers/') ? overLimit() : undefined
  }

  unavailable(request: SandboxRequest): SandboxResponse {
    return request.path.startsWith('/servers/') ? computeFault() : json(503, {serviceUnavailable: {code: 503, message: 'Service Unavailable'}})
  }
}

/**
 * A private OpenStack cloud: Keystone at /identity (v3 and v2.0) and Nova 2.1 per region at
 * /compute/<region>/v2.1, as DevStack lays them out.
 */
export class OpenStackApi implements ApiHandler {
  readonly cloud = 'openstack' as const
  private readonly identity: Identity
  private readonly nova: Nova

  constructor(private readonly world: World) {
    this.identity = new Identity(world)
    this.nova = new Nova(world, 'openstack', OPENSTACK)
  }

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const {path, method} = request
    if (path.startsWith('/identity')) return this.handleIdentity(request, path.slice('/identity'.length) || '/', method)
    const match = /^\/compute\/([a-z0-9-]+)(\/v2\.1)?(\/.*)?$/.exec(path)
    const region = match ? OPENSTACK.regions.find((r) => r.toLowerCase() === match[1]) : undefined
    if (!match || !region) return novaError(404, 'The resource could not be found.')
    const host = origin(request)
    const bookmarkBase = `${host}/compute/${match[1]}`
    const base = `${bookmarkBase}/v2.1`
    if (!match[2]) {
      if (method !== 'GET' || (match[3] ?? '/') !== '/') return novaError(404, 'The resource could not be found.')
      return json(200, {
        versions: [
          {id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{rel: 'self', href: `${bookmarkBase}/v2/`}]},
          {id: 'v2.1', status: 'CURRENT', version: '2.1', min_version: '2.1', updated: '2013-07-23T11:33:21Z', links: [{rel: 'self', href: `${base}/`}]},
        ],
      })
    }
    const token = this.identity.validate('openstack', header(request, 'x-auth-token'))
    if (!token) return {...keystoneUnauthorized(), headers: {'content-type': 'application/json', 'www-authenticate': `Keystone uri="${host}/identity"`}}
    if (!token.projectId) return novaError(403, 'Policy does not allow os_compute_api:servers:index to be performed.')
    const version = this.microversion(request)
    if (version) return version
    const response = await this.nova.route(request, match[3] ?? '', {region, tenantId: token.projectId, userId: token.userId, base, bookmarkBase})
    response.headers['openstack-api-version'] = 'compute 2.1'
    response.headers['x-openstack-nova-api-version'] = '2.1'
    response.headers.vary = 'OpenStack-API-Version, X-OpenStack-Nova-API-Version'
    return withRequestId(response)
  }

  /** This Nova speaks microversion 2.1 only; asking for another is answered as Nova does. */
  private microversion(request: SandboxRequest): SandboxResponse | undefined {
    const modern = header(request, 'openstack-api-version')
    const legacy = header(request, 'x-openstack-nova-api-version')
    let wanted: string | undefined
    if (modern) {
      const m = /(?:^|,)\s*compute\s+([^,\s]+)/i.exec(modern)
      wanted = m?.[1]
    } else if (legacy) {
      wanted = legacy.trim()
    }
    if (wanted === undefined || wanted === 'latest' || wanted === '2.1') return undefined
    if (!/^\d+\.\d+$/.test(wanted)) return novaError(400, `API Version String ${wanted} is of invalid format. Must be of format MajorNum.MinorNum.`)
    return json(406, {computeFault: {code: 406, message: `Version ${wanted} is not supported by the API. Minimum is 2.1 and maximum is 2.1.`}})
  }

  private handleIdentity(request: SandboxRequest, path: string, method: string): SandboxResponse {
    const body = () => parseJsonBody(request.body)
    if (path === '/' && method === 'GET') return this.identity.versions(request)
    if ((path === '/v3' || path === '/v3/') && method === 'GET') return this.identity.v3Root(request)
    if ((path === '/v2.0' || path === '/v2.0/') && method === 'GET') return this.identity.v2Root(request)
    if (path === '/v3/auth/tokens' && method === 'POST') return this.identity.v3Tokens(request, body())
    if (path === '/v3/auth/tokens' && method === 'GET') return this.identity.v3Validate(request)
    if (path === '/v2.0/tokens' && method === 'POST') return this.identity.v2Tokens(request, body())
    return json(404, {error: {code: 404, message: 'The resource could not be found.', title: 'Not Found'}})
  }

  throttled(request: SandboxRequest): SandboxResponse | undefined {
    return request.path.startsWith('/compute/') ? overLimit() : undefined
  }

  unavailable(request: SandboxRequest): SandboxResponse {
    return request.path.startsWith('/compute/')
      ? computeFault()
      : json(503, {error: {code: 503, message: 'The service is currently unavailable. Please try again later.', title: 'Service Unavailable'}})
  }
}
