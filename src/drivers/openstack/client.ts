import {RateLimitError, TransientError} from '../../core/errors.js'
import {httpRequest, type HttpResponse, joinUrl, type NetworkOptions} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import {retry, type RetryOptions} from '../../core/retry.js'
import type {CatalogEndpoint} from './catalog.js'
import {novaError} from './errors.js'
import {identityCacheKey, type IdentityService, type IdentityToken, requestToken} from './identity.js'
import {isFresh, type TokenCache} from './token-cache.js'

/** The Nova microversion mc speaks: the 2.1 baseline every Nova (and Rackspace) serves. */
export const NOVA_MICROVERSION = '2.1'

export interface SessionOptions {
  identity: IdentityService
  /** Picks the compute endpoint from a token's catalogue (throws when the region is not offered). */
  endpointFor(token: IdentityToken): CatalogEndpoint
  cache?: TokenCache
  log: DebugLog
  signal?: AbortSignal
  network?: NetworkOptions
  /** Backoff for rate limits and server failures (tests shorten it). */
  retry?: RetryOptions
}

export interface ComputeRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Relative to the compute endpoint, e.g. `/servers/detail`. */
  path: string
  query?: Record<string, string | undefined>
  json?: unknown
  /**
   * Safe to send again after a server failure or a lost connection. Rate-limited requests are always
   * retried: Nova rejects them before doing anything.
   */
  idempotent: boolean
  /** What a 404 means here, for the NotFoundError message ("Server 123 in ORD"). */
  subject?: string
}

interface Connection {
  token: IdentityToken
  endpoint: CatalogEndpoint
}

/**
 * An authenticated conversation with Nova: a token (cached on disk, renewed before it expires), the
 * compute endpoint from its catalogue, one re-authentication when Nova answers 401, retries for rate
 * limits and server failures, and Nova's error bodies turned into typed errors.
 */
export class OpenStackSession {
  private current?: Connection
  private authenticating?: Promise<Connection>
  private readonly cacheKey: string

  constructor(private readonly options: SessionOptions) {
    this.cacheKey = identityCacheKey(options.identity)
  }

  /** Proxy, CAs and limits: the other services this session's token opens (Neutron) go the same way. */
  get network(): NetworkOptions | undefined {
    return this.options.network
  }

  /** The token and compute endpoint, authenticating only when there is no fresh token. */
  async connect(): Promise<Connection> {
    if (this.current && isFresh(this.current.token)) return this.current
    const cached = this.options.cache?.read(this.cacheKey)
    if (cached) {
      this.current = {token: cached, endpoint: this.options.endpointFor(cached)}
      return this.current
    }
    return this.authenticate()
  }

  /** A new token, once, however many requests found the old one refused at the same time. */
  private authenticate(): Promise<Connection> {
    this.authenticating ??= (async () => {
      try {
        const token = await requestToken(this.options.identity, this.options)
        const endpoint = this.options.endpointFor(token)
        this.options.cache?.write(this.cacheKey, token)
        this.current = {token, endpoint}
        this.options.log.line(`openstack: compute endpoint ${endpoint.url} (${endpoint.region ?? 'no region'}, ${endpoint.interface})`)
        return this.current
      } finally {
        this.authenticating = undefined
      }
    })()
    return this.authenticating
  }

  private async renew(refused: IdentityToken): Promise<Connection> {
    if (this.current && this.current.token.token !== refused.token) return this.current
    this.options.log.line('openstack: Nova refused the token (401); authenticating again')
    this.current = undefined
    this.options.cache?.remove(this.cacheKey)
    return this.authenticate()
  }

  async request(req: ComputeRequest): Promise<HttpResponse> {
    let renewed = false
    return retry(
      async (attempt) => {
        let connection = await this.connect()
        let res = await this.send(connection, req)
        if (res.status === 401 && !renewed) {
          renewed = true
          connection = await this.renew(connection.token)
          res = await this.send(connection, req)
        }
        // The first try went through before its answer was lost: what it deleted is gone.
        if (res.status === 404 && req.method === 'DELETE' && attempt > 1) return res
        if (res.status >= 400) throw novaError(res, req, connection.endpoint.region, this.options.identity)
        return res
      },
      {
        signal: this.options.signal,
        ...this.options.retry,
        isRetryable: (error) => error instanceof RateLimitError || (req.idempotent && error instanceof TransientError),
        onRetry: ({attempt, delayMs, error}) =>
          this.options.log.line(`openstack: ${req.method} ${req.path} attempt ${attempt} failed (${(error as Error).message}); retrying in ${delayMs} ms`),
      },
    )
  }

  private send(connection: Connection, req: ComputeRequest): Promise<HttpResponse> {
    const url = new URL(joinUrl(connection.endpoint.url, req.path))
    for (const [key, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(key, value)
    return httpRequest(
      {
        method: req.method,
        url: url.toString(),
        headers: {
          'x-auth-token': connection.token.token,
          // Both spellings: the legacy header for older Nova (and Rackspace), the generic one since 2.27.
          'x-openstack-nova-api-version': NOVA_MICROVERSION,
          'openstack-api-version': `compute ${NOVA_MICROVERSION}`,
        },
        json: req.json,
        signal: this.options.signal,
        network: this.options.network,
      },
      this.options.log,
    )
  }
}
