import {AuthError, ConfigError, type McError, NotFoundError, ProviderError, RateLimitError, TransientError} from '../../core/errors.js'
import type {HttpResponse} from '../../core/http.js'
import {parseRetryAfter} from '../../core/retry.js'
import type {ComputeRequest} from './client.js'
import type {IdentityService} from './identity.js'

/** What an OpenStack error body says, whichever of its shapes the service used. */
export interface ErrorBody {
  /** The fault's name: `itemNotFound`, `overLimit`, `badRequest`, or Keystone's title. */
  kind?: string
  message?: string
  /** From a Rackspace/Nova `overLimit` body (`retryAfter`: a date or seconds). */
  retryAfterMs?: number
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Nova and Rackspace wrap a fault as `{"<kind>": {"message", "code", "details"?}}`; Keystone v3 as
 * `{"error": {"message", "code", "title"}}`; some proxies answer with plain text.
 */
export function parseErrorBody(res: Pick<HttpResponse, 'json' | 'text'>): ErrorBody {
  const body = res.json
  if (isObject(body)) {
    const entries = Object.entries(body)
    if (entries.length === 1 && isObject(entries[0][1])) {
      const [kind, fault] = entries[0]
      const message = typeof fault.message === 'string' ? fault.message : undefined
      const details = typeof fault.details === 'string' && fault.details !== message ? fault.details : undefined
      const retryAfter = typeof fault.retryAfter === 'string' || typeof fault.retryAfter === 'number' ? String(fault.retryAfter) : undefined
      return {
        kind: kind === 'error' && typeof fault.title === 'string' ? fault.title : kind,
        message: details ? `${message ?? kind}: ${details}` : message,
        retryAfterMs: parseRetryAfter(retryAfter),
      }
    }
  }
  const trimmed = res.text.trim()
  // An HTML error page says nothing a person can use; its first line of text might.
  if (!trimmed || trimmed.startsWith('<')) return {}
  return {message: trimmed.split('\n')[0].slice(0, 300)}
}

/** Nova's answer to a failed compute request, typed; `endpointRegion` is the compute endpoint's region, if it names one. */
export function novaError(
  res: HttpResponse,
  req: Pick<ComputeRequest, 'method' | 'path' | 'subject'>,
  endpointRegion: string | undefined,
  identity: Pick<IdentityService, 'label' | 'tokensUrl'>,
): McError {
  const body = parseErrorBody(res)
  const said = body.message ? `: ${body.message}` : ''
  const what = `${req.method} ${req.path}`
  const region = endpointRegion ? ` in ${endpointRegion}` : ''
  if (res.status === 401) {
    return new AuthError(`Nova${region} refused a fresh token from ${identity.label} at ${identity.tokensUrl} (HTTP 401${said}).`)
  }
  if (res.status === 404) {
    return new NotFoundError(`${req.subject ?? `The resource of ${what}`} was not found${region} (Nova${said}).`)
  }
  if (res.status === 413 || res.status === 429) {
    const retryAfterMs = res.retryAfterMs ?? body.retryAfterMs
    // Older Nova answers an exhausted quota with 413 too; waiting does not refill a quota.
    if (retryAfterMs === undefined && /quota/i.test(body.message ?? '')) {
      return new ProviderError(`Nova refused ${what}: quota exceeded${said}`, body.kind, res.status)
    }
    return new RateLimitError(`Nova is rate-limiting ${what} (HTTP ${res.status}${said}).`, retryAfterMs)
  }
  const kind = body.kind ? ` ${body.kind}` : ''
  if (res.status >= 500) {
    return new TransientError(`Nova failed ${what} (HTTP ${res.status}${kind}${said})`, body.kind, res.status, res.retryAfterMs)
  }
  return new ProviderError(`Nova refused ${what} (HTTP ${res.status}${kind}${said})`, body.kind, res.status)
}

/** Neutron's answer to a failed networking request, typed (a 429 is transient: only reads are retried). */
export function neutronError(res: HttpResponse, method: string, path: string): McError {
  const body = parseErrorBody(res)
  const said = `HTTP ${res.status}${body.message ? `: ${body.message}` : ''}`
  if (res.status === 401) return new AuthError(`Neutron refused the token for ${method} ${path} (${said}).`)
  if (res.status >= 500 || res.status === 429) return new TransientError(`Neutron failed ${method} ${path} (${said})`, body.kind, res.status, res.retryAfterMs)
  return new ProviderError(`Neutron refused ${method} ${path} (${said})`, body.kind, res.status)
}

/** The identity service's answer to a failed token request, typed; `refused` names what it refused (`API key of user "alice"`). */
export function identityError(res: HttpResponse, service: Pick<IdentityService, 'label' | 'tokensUrl'>, refused: string): McError {
  const body = parseErrorBody(res)
  const said = body.message ? `: ${body.message}` : ''
  const where = `${service.label} at ${service.tokensUrl}`
  if (res.status === 401 || res.status === 403) {
    return new AuthError(`${where} refused the ${refused} (HTTP ${res.status}${said}). Check the credentials, and that the endpoint is the right identity service.`)
  }
  if (res.status === 404) {
    return new ConfigError(`${where} answered 404 Not Found: is the endpoint the identity (auth) URL? (--endpoint, OS_AUTH_URL)`)
  }
  if (res.status === 413 || res.status === 429) {
    return new RateLimitError(`${where} is rate-limiting token requests (HTTP ${res.status}${said}).`, res.retryAfterMs ?? body.retryAfterMs)
  }
  if (res.status >= 500) return new TransientError(`${where} failed (HTTP ${res.status}${said}).`, body.kind, res.status, res.retryAfterMs)
  return new ProviderError(`${where} rejected the token request (HTTP ${res.status}${said}).`, body.kind, res.status)
}
