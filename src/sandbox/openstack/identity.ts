import {randomBytes} from 'node:crypto'

import {OPENSTACK, RACKSPACE, stableHex} from '../catalog.js'
import {json, type SandboxRequest, type SandboxResponse} from '../http.js'
import type {SandboxCredentials, TokenRecord} from '../types.js'
import type {World} from '../world.js'

/**
 * Keystone: v3 (password, application credential and token methods, project scope) and v2.0
 * (passwordCredentials) for the OpenStack cloud; Rackspace Identity v2.0 (RAX-KSKEY
 * apiKeyCredentials or passwordCredentials) with Rackspace's service catalogue.
 */

export const TOKEN_LIFETIME_MS = 24 * 3_600_000
const DOMAIN = {id: 'default', name: 'Default'}
const ROLES = [
  {id: stableHex('role/member', 32), name: 'member'},
  {id: stableHex('role/reader', 32), name: 'reader'},
]

export function keystoneUnauthorized(): SandboxResponse {
  return json(401, {error: {code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized'}})
}

function keystoneBadRequest(message: string): SandboxResponse {
  return json(400, {
    error: {
      code: 400,
      message: `${message} The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.`,
      title: 'Bad Request',
    },
  })
}

function iso6(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z')
}

/** Where the compute API of each region is mounted; links carry the client's own host. */
export function novaPath(cloud: 'rackspace' | 'openstack', region: string, tenantId: string): string {
  return cloud === 'rackspace' ? `/rackspace/servers/${region.toLowerCase()}/v2/${tenantId}` : `/compute/${region.toLowerCase()}/v2.1`
}

/**
 * The OpenStack cloud's services as DevStack names them, each region mounted under its own path:
 * Nova, Glance v2, Neutron v2.0 and Cinder v3 (listed under both of its current types).
 */
export const OPENSTACK_SERVICES: {type: string; name: string; path(region: string, projectId: string): string}[] = [
  {type: 'compute', name: OPENSTACK.serviceName, path: (region) => novaPath('openstack', region, '')},
  {type: 'image', name: 'glance', path: (region) => `/image/${region.toLowerCase()}`},
  {type: 'network', name: 'neutron', path: (region) => `/network/${region.toLowerCase()}`},
  {type: 'block-storage', name: 'cinder', path: (region, projectId) => `/volume/${region.toLowerCase()}/v3/${projectId}`},
  {type: 'volumev3', name: 'cinderv3', path: (region, projectId) => `/volume/${region.toLowerCase()}/v3/${projectId}`},
]

/** A Keystone v2.0 catalogue entry's endpoints: one per region, the same URL for every interface. */
function v2Endpoints(url: (region: string) => string) {
  return OPENSTACK.regions.map((region) => ({id: stableHex(`v2/${region}/${url(region)}`, 32), region, publicURL: url(region), internalURL: url(region), adminURL: url(region)}))
}

export function origin(request: SandboxRequest): string {
  return `http://${request.headers.host ?? '127.0.0.1'}`
}

type Body = Record<string, unknown>

function obj(value: unknown): Body | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Body) : undefined
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

export class Identity {
  constructor(private readonly world: World) {}

  private get creds(): SandboxCredentials {
    return this.world.credentials
  }

  private issue(cloud: TokenRecord['cloud'], userId: string, projectId: string | undefined, methods: string[]): TokenRecord {
    const now = this.world.now()
    const id = cloud === 'openstack' ? `gAAAAA${randomBytes(96).toString('base64url')}` : randomBytes(16).toString('hex')
    const token: TokenRecord = {id, cloud, userId, projectId, issuedAt: now, expiresAt: now + TOKEN_LIFETIME_MS, methods}
    this.world.store.insert(cloud, 'token', id, '', token)
    return token
  }

  /** A live token of this cloud, or undefined (unknown, expired, or another cloud's). */
  validate(cloud: TokenRecord['cloud'], id: string | undefined): TokenRecord | undefined {
    if (!id) return undefined
    const token = this.world.store.get<TokenRecord>(cloud, 'token', id)
    if (!token) return undefined
    if (token.expiresAt <= this.world.now()) {
      this.world.store.remove(cloud, 'token', id)
      return undefined
    }
    return token
  }

  // ------------------------------------------------------------ OpenStack Keystone

  /** GET /identity: the version list, answered with 300 Multiple Choices as Keystone does. */
  versions(request: SandboxRequest): SandboxResponse {
    const base = `${origin(request)}/identity`
    return json(300, {versions: {values: [this.v3Version(base), this.v2Version(base)]}})
  }

  private v3Version(base: string) {
    return {
      id: 'v3.14',
      status: 'stable',
      updated: '2020-04-07T00:00:00Z',
      links: [{rel: 'self', href: `${base}/v3/`}],
      'media-types': [{base: 'application/json', type: 'application/vnd.openstack.identity-v3+json'}],
    }
  }

  private v2Version(base: string) {
    return {
      id: 'v2.0',
      status: 'deprecated',
      updated: '2016-08-04T00:00:00Z',
      links: [
        {rel: 'self', href: `${base}/v2.0/`},
        {rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/'},
      ],
      'media-types': [{base: 'application/json', type: 'application/vnd.openstack.identity-v2.0+json'}],
    }
  }

  v3Root(request: SandboxRequest): SandboxResponse {
    return json(200, {version: this.v3Version(`${origin(request)}/identity`)})
  }

  v2Root(request: SandboxRequest): SandboxResponse {
    return json(200, {version: this.v2Version(`${origin(request)}/identity`)})
  }

  private v3Catalog(request: SandboxRequest, projectId: string) {
    const host = origin(request)
    const endpoints = (service: string, url: (region: string) => string) =>
      OPENSTACK.regions.flatMap((region) =>
        (['public', 'internal', 'admin'] as const).map((iface) => ({
          id: stableHex(`${service}/${region}/${iface}`, 32),
          interface: iface,
          region,
          region_id: region,
          url: url(region),
        })),
      )
    return [
      ...OPENSTACK_SERVICES.map((s) => ({
        id: stableHex(`service/${s.name}`, 32),
        type: s.type,
        name: s.name,
        endpoints: endpoints(s.name, (r) => `${host}${s.path(r, projectId)}`),
      })),
      {id: stableHex('service/keystone', 32), type: 'identity', name: 'keystone', endpoints: endpoints('keystone', () => `${host}/identity`)},
    ]
  }

  private v3TokenBody(request: SandboxRequest, token: TokenRecord) {
    const o = this.creds.openstack
    const user = {id: o.userId, name: o.username, domain: DOMAIN, password_expires_at: null}
    const base = {
      methods: token.methods,
      user,
      audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
      expires_at: iso6(token.expiresAt),
      issued_at: iso6(token.issuedAt),
    }
    if (!token.projectId) return {token: base}
    return {
      token: {
        ...base,
        project: {id: o.projectId, name: o.projectName, domain: DOMAIN},
        is_domain: false,
        roles: ROLES,
        catalog: this.v3Catalog(request, o.projectId),
      },
    }
  }

  private domainMatches(domain: Body | undefined, wantedName: string): boolean {
    if (!domain) return false
    const name = str(domain.name)
    const id = str(domain.id)
    return (name !== undefined && name === wantedName) || (id !== undefined && id.toLowerCase() === wantedName.toLowerCase())
  }

  /** POST /identity/v3/auth/tokens */
  v3Tokens(request: SandboxRequest, body: unknown): SandboxResponse {
    const o = this.creds.openstack
    const auth = obj(obj(body)?.auth)
    const identity = obj(auth?.identity)
    if (!identity) return keystoneBadRequest('Expecting to find identity in auth.')
    const methods = Array.isArray(identity.methods) ? identity.methods.filter((m): m is string => typeof m === 'string') : []
    if (methods.length === 0) return keystoneBadRequest('Expecting to find methods in identity.')
    let userOk = false
    let implicitProject = false
    if (methods.includes('password')) {
      const user = obj(obj(identity.password)?.user)
      if (!user) return keystoneBadRequest('Expecting to find user in password.')
      const byId = str(user.id) === o.userId
      const byName = str(user.name) === o.username && this.domainMatches(obj(user.domain), o.userDomainName)
      userOk = (byId || byName) && str(user.password) === o.password
    } else if (methods.includes('application_credential')) {
      const cred = obj(identity.application_credential)
      userOk = str(cred?.id) === o.applicationCredentialId && str(cred?.secret) === o.applicationCredentialSecret
      implicitProject = true
    } else if (methods.includes('token')) {
      const previous = this.validate('openstack', str(obj(identity.token)?.id))
      userOk = previous !== undefined
    } else {
      return keystoneUnauthorized()
    }
    if (!userOk) return keystoneUnauthorized()
    const scope = obj(auth?.scope)
    let projectId: string | undefined
    if (implicitProject) {
      projectId = o.projectId
    } else if (scope) {
      const project = obj(scope.project)
      if (!project) return keystoneUnauthorized()
      const byId = str(project.id) === o.projectId
      const byName = str(project.name) === o.projectName && this.domainMatches(obj(project.domain), o.projectDomainName)
      if (!byId && !byName) return keystoneUnauthorized()
      projectId = o.projectId
    }
    const token = this.issue('openstack', o.userId, projectId, methods)
    return json(201, this.v3TokenBody(request, token), {'x-subject-token': token.id})
  }

  /** GET /identity/v3/auth/tokens: validate X-Subject-Token using X-Auth-Token. */
  v3Validate(request: SandboxRequest): SandboxResponse {
    if (!this.validate('openstack', request.headers['x-auth-token'] as string | undefined)) return keystoneUnauthorized()
    const subject = this.validate('openstack', request.headers['x-subject-token'] as string | undefined)
    if (!subject) return json(404, {error: {code: 404, message: 'Could not find token.', title: 'Not Found'}})
    return json(200, this.v3TokenBody(request, subject), {'x-subject-token': subject.id})
  }

  /** GET /identity/v3/users/{id}: a user may read their own record (Keystone's default policy). */
  v3User(request: SandboxRequest, id: string): SandboxResponse {
    const token = this.validate('openstack', request.headers['x-auth-token'] as string | undefined)
    if (!token) return keystoneUnauthorized()
    const o = this.creds.openstack
    if (id !== o.userId) {
      return json(403, {error: {code: 403, message: 'You are not authorized to perform the requested action: identity:get_user.', title: 'Forbidden'}})
    }
    const self = `${origin(request)}/identity/v3/users/${o.userId}`
    return json(200, {user: {id: o.userId, name: o.username, domain_id: DOMAIN.id, enabled: true, password_expires_at: null, options: {}, links: {self}}})
  }

  /** POST /identity/v2.0/tokens (Keystone v2.0 passwordCredentials). */
  v2Tokens(request: SandboxRequest, body: unknown): SandboxResponse {
    const o = this.creds.openstack
    const auth = obj(obj(body)?.auth)
    if (!auth) return keystoneBadRequest('Expecting to find auth in request body.')
    const password = obj(auth.passwordCredentials)
    if (!password) return keystoneUnauthorized()
    if (str(password.username) !== o.username || str(password.password) !== o.password) return keystoneUnauthorized()
    const tenantName = str(auth.tenantName)
    const tenantId = str(auth.tenantId)
    if ((tenantName !== undefined && tenantName !== o.projectName) || (tenantId !== undefined && tenantId !== o.projectId)) return keystoneUnauthorized()
    const scoped = tenantName !== undefined || tenantId !== undefined
    const token = this.issue('openstack', o.userId, scoped ? o.projectId : undefined, ['password'])
    const host = origin(request)
    const tenant = {id: o.projectId, name: o.projectName, enabled: true, description: null}
    return json(200, {
      access: {
        token: {
          id: token.id,
          issued_at: iso6(token.issuedAt),
          expires: new Date(token.expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          ...(scoped ? {tenant} : {}),
          audit_ids: [randomBytes(16).toString('base64url').slice(0, 22)],
        },
        serviceCatalog: scoped
          ? [
              ...OPENSTACK_SERVICES.map((s) => ({name: s.name, type: s.type, endpoints: v2Endpoints((r) => `${host}${s.path(r, o.projectId)}`), endpoints_links: []})),
              {name: 'keystone', type: 'identity', endpoints: v2Endpoints(() => `${host}/identity/v2.0`), endpoints_links: []},
            ]
          : [],
        user: {id: o.userId, name: o.username, username: o.username, roles: scoped ? ROLES.map((r) => ({name: r.name})) : [], roles_links: []},
        metadata: {is_admin: 0, roles: scoped ? ROLES.map((r) => r.id) : []},
      },
    })
  }

  // ------------------------------------------------------------ Rackspace Identity

  /** POST /rackspace/v2.0/tokens */
  rackspaceTokens(request: SandboxRequest, body: unknown): SandboxResponse {
    const r = this.creds.rackspace
    const auth = obj(obj(body)?.auth)
    if (!auth) return json(400, {badRequest: {code: 400, message: 'Invalid json request body'}})
    const apiKey = obj(auth['RAX-KSKEY:apiKeyCredentials'])
    const password = obj(auth.passwordCredentials)
    let method: string
    if (apiKey) {
      if (str(apiKey.username) !== r.username || str(apiKey.apiKey) !== r.apiKey) {
        return json(401, {unauthorized: {code: 401, message: 'Username or api key is invalid.'}})
      }
      method = 'APIKEY'
    } else if (password) {
      if (str(password.username) !== r.username || str(password.password) !== r.password) {
        return json(401, {unauthorized: {code: 401, message: 'Unable to authenticate user with credentials provided.'}})
      }
      method = 'PASSWORD'
    } else {
      return json(400, {badRequest: {code: 400, message: 'Invalid json request body'}})
    }
    const wantedTenant = str(auth.tenantId) ?? str(auth.tenantName)
    if (wantedTenant !== undefined && wantedTenant !== r.tenantId) {
      return json(401, {unauthorized: {code: 401, message: `Token doesn't belong to Tenant with Id/Name: '${wantedTenant}'`}})
    }
    const token = this.issue('rackspace', stableHex(`rackspace/user/${r.username}`, 6), r.tenantId, [method])
    const host = origin(request)
    return json(200, {
      access: {
        token: {
          id: token.id,
          expires: new Date(token.expiresAt).toISOString(),
          tenant: {id: r.tenantId, name: r.tenantId},
          'RAX-AUTH:authenticatedBy': [method],
        },
        serviceCatalog: [
          {
            name: RACKSPACE.serviceName,
            type: 'compute',
            endpoints: RACKSPACE.regions.map((region) => {
              const url = `${host}${novaPath('rackspace', region, r.tenantId)}`
              return {
                region,
                tenantId: r.tenantId,
                publicURL: url,
                versionInfo: url.replace(/\/[^/]+$/, '/'),
                versionList: url.replace(/\/v2\/[^/]+$/, '/'),
                versionId: '2',
              }
            }),
          },
        ],
        user: {
          id: token.userId,
          name: r.username,
          roles: [
            {id: '3', name: 'identity:user-admin', description: 'User Admin Role.'},
            {id: '6', name: 'compute:default', description: 'A Role that allows a user access to keystone Service methods', tenantId: r.tenantId},
          ],
          'RAX-AUTH:defaultRegion': r.region,
        },
      },
    })
  }
}
