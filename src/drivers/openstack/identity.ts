import {createHash} from 'node:crypto'

import {ConfigError, ProviderError} from '../../core/errors.js'
import {httpRequest, type HttpResponse, type NetworkOptions} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import {registerSecret} from '../../core/redact.js'
import {retry, type RetryOptions} from '../../core/retry.js'
import {type CatalogEndpoint, parseV2Catalog, parseV3Catalog} from './catalog.js'
import {identityError} from './errors.js'

/** A scoped token and the catalogue that came with it. */
export interface IdentityToken {
  token: string
  /** ISO date. */
  expiresAt: string
  catalog: CatalogEndpoint[]
  projectId?: string
  /** Rackspace: the account's default region (`RAX-AUTH:defaultRegion`), used when none is asked for. */
  defaultRegion?: string
}

export interface UserRef {
  id?: string
  name?: string
  domainId?: string
  domainName?: string
}

export interface ProjectRef {
  id?: string
  name?: string
  domainId?: string
  domainName?: string
}

export type IdentityCredentials =
  /** Rackspace Identity v2.0 API-key extension. */
  | {kind: 'v2-apikey'; username: string; apiKey: string}
  | {kind: 'v2-password'; username: string; password: string; tenantName?: string; tenantId?: string}
  | {kind: 'v3-password'; user: UserRef; password: string; project?: ProjectRef}
  | {kind: 'v3-application-credential'; id?: string; name?: string; user?: UserRef; secret: string}

export interface IdentityService {
  /** Full URL of the token request: `…/v2.0/tokens` or `…/v3/auth/tokens`. */
  tokensUrl: string
  /** "Rackspace Identity" or "Keystone", for messages. */
  label: string
  credentials: IdentityCredentials
}

export interface IdentityDeps {
  log: DebugLog
  signal?: AbortSignal
  network?: NetworkOptions
  retry?: RetryOptions
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T
}

function v3User(user: UserRef): Json {
  const domain = user.domainId || user.domainName ? definedOnly({id: user.domainId, name: user.domainName}) : undefined
  return definedOnly({id: user.id, name: user.name, domain})
}

/** The JSON body of the token request. */
export function tokenRequestBody(credentials: IdentityCredentials): Json {
  switch (credentials.kind) {
    case 'v2-apikey': {
      return {auth: {'RAX-KSKEY:apiKeyCredentials': {username: credentials.username, apiKey: credentials.apiKey}}}
    }
    case 'v2-password': {
      return {
        auth: definedOnly({
          passwordCredentials: {username: credentials.username, password: credentials.password},
          tenantName: credentials.tenantName,
          tenantId: credentials.tenantId,
        }),
      }
    }
    case 'v3-password': {
      const {project} = credentials
      const scope =
        project && (project.id || project.name)
          ? {project: definedOnly({id: project.id, name: project.id ? undefined : project.name, domain: project.id ? undefined : v3DomainOf(project)})}
          : undefined
      return {
        auth: definedOnly({
          identity: {methods: ['password'], password: {user: {...v3User(credentials.user), password: credentials.password}}},
          scope,
        }),
      }
    }
    case 'v3-application-credential': {
      // An application credential is already scoped to its project: Keystone rejects a scope next to it.
      const appCred = definedOnly({
        id: credentials.id,
        name: credentials.id ? undefined : credentials.name,
        user: credentials.id || !credentials.user ? undefined : v3User(credentials.user),
        secret: credentials.secret,
      })
      return {auth: {identity: {methods: ['application_credential'], application_credential: appCred}}}
    }
  }
}

function v3DomainOf(project: ProjectRef): Json | undefined {
  if (!project.domainId && !project.domainName) return undefined
  return definedOnly({id: project.domainId, name: project.domainName})
}

/** Who is asking, for messages: a user name or id, never a secret. */
function principal(credentials: IdentityCredentials): string {
  switch (credentials.kind) {
    case 'v2-apikey':
    case 'v2-password': {
      return `user "${credentials.username}"`
    }
    case 'v3-password': {
      return `user "${credentials.user.name ?? credentials.user.id}"`
    }
    case 'v3-application-credential': {
      return `application credential "${credentials.id ?? credentials.name}"`
    }
  }
}

function secretName(credentials: IdentityCredentials): string {
  switch (credentials.kind) {
    case 'v2-apikey': {
      return 'API key'
    }
    case 'v3-application-credential': {
      return 'application credential secret'
    }
    default: {
      return 'password'
    }
  }
}

/**
 * A cache key for the token: every input that changes which token Keystone would issue, the secret
 * included (hashed), so a changed key or password never reuses a token issued for the old one.
 */
export function identityCacheKey(service: IdentityService): string {
  return createHash('sha256')
    .update(JSON.stringify([service.tokensUrl, service.credentials]))
    .digest('hex')
    .slice(0, 32)
}

/**
 * The token request's debug log must not carry the token: Keystone v2.0 returns it in the body
 * (`access.token.id`), which the shape-based body redaction does not recognise as a secret.
 */
function tokenSafeLog(log: DebugLog): DebugLog {
  return {
    enabled: log.enabled,
    line: (text) => log.line(text),
    request: (method, url, headers, body) => log.request(method, url, headers, body),
    response(status, url, headers, body) {
      let safe = body
      if (body) {
        try {
          const parsed = JSON.parse(body) as Json
          const token = isObject(parsed.access) && isObject(parsed.access.token) ? parsed.access.token : undefined
          if (token && typeof token.id === 'string') {
            token.id = '[REDACTED]'
            safe = JSON.stringify(parsed)
          }
        } catch {
          // not JSON: the text redaction applies as usual
        }
      }
      log.response(status, url, headers, safe)
    },
  }
}

function expiryOf(value: unknown): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
  // No usable expiry: assume an hour (Keystone's default); a 401 would still trigger re-authentication.
  return new Date(Number.isNaN(ms) ? Date.now() + 3_600_000 : ms).toISOString()
}

function parseV2Token(res: HttpResponse, service: IdentityService): IdentityToken {
  const access = isObject(res.json) && isObject(res.json.access) ? res.json.access : undefined
  const token = access && isObject(access.token) ? access.token : undefined
  if (!access || !token || typeof token.id !== 'string') {
    throw new ProviderError(`${service.label} at ${service.tokensUrl} answered without a token (HTTP ${res.status}).`)
  }
  const user = isObject(access.user) ? access.user : {}
  const defaultRegion = user['RAX-AUTH:defaultRegion'] ?? user.defaultRegion
  return {
    token: token.id,
    expiresAt: expiryOf(token.expires),
    catalog: parseV2Catalog(access.serviceCatalog),
    projectId: isObject(token.tenant) && typeof token.tenant.id === 'string' ? token.tenant.id : undefined,
    defaultRegion: typeof defaultRegion === 'string' && defaultRegion !== '' ? defaultRegion : undefined,
  }
}

function parseV3Token(res: HttpResponse, service: IdentityService): IdentityToken {
  const subject = res.headers.get('x-subject-token')
  const token = isObject(res.json) && isObject(res.json.token) ? res.json.token : undefined
  if (!subject || !token) {
    throw new ProviderError(`${service.label} at ${service.tokensUrl} answered without a token (HTTP ${res.status}).`)
  }
  if (!Array.isArray(token.catalog)) {
    throw new ConfigError(
      `${service.label} at ${service.tokensUrl} issued an unscoped token (no service catalogue). Name a project: OS_PROJECT_NAME or OS_PROJECT_ID, auth.project_name in clouds.yaml, or openstack.projectName.`,
    )
  }
  return {
    token: subject,
    expiresAt: expiryOf(token.expires_at),
    catalog: parseV3Catalog(token.catalog),
    projectId: isObject(token.project) && typeof token.project.id === 'string' ? token.project.id : undefined,
  }
}

/** POST the credentials, retrying rate limits and server failures; the token becomes a registered secret. */
export async function requestToken(service: IdentityService, deps: IdentityDeps): Promise<IdentityToken> {
  const log = tokenSafeLog(deps.log)
  const isV2 = service.credentials.kind.startsWith('v2')
  const token = await retry(
    async () => {
      const res = await httpRequest(
        {method: 'POST', url: service.tokensUrl, json: tokenRequestBody(service.credentials), signal: deps.signal, timeoutMs: 30_000, network: deps.network},
        log,
      )
      if (res.status !== 200 && res.status !== 201) throw identityError(res, service, `${secretName(service.credentials)} of ${principal(service.credentials)}`)
      return isV2 ? parseV2Token(res, service) : parseV3Token(res, service)
    },
    {signal: deps.signal, ...deps.retry},
  )
  registerSecret(token.token)
  return token
}
