import {ProviderError} from '../../core/errors.js'
import {httpRequest, type HttpResponse, joinUrl, MAX_LISTING_PAGES, type NetworkOptions} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import type {RetryOptions} from '../../core/retry.js'
import {restCall} from '../rest-call.js'
import type {DoPage} from './api-types.js'
import {toDigitalOceanError} from './errors.js'

export const DEFAULT_DIGITALOCEAN_ENDPOINT = 'https://api.digitalocean.com'

/** The largest page DigitalOcean serves: fewest round trips. */
export const PER_PAGE = 200

export interface DigitalOceanClientOptions {
  /** Replaces https://api.digitalocean.com; the client adds /v2/... */
  endpoint?: string
  token: string
  /** Where the token came from, named in auth errors. */
  tokenSource: string
  log: DebugLog
  signal?: AbortSignal
  timeoutMs?: number
  /** Backoff tuning; tests shorten the waits. */
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxElapsedMs' | 'sleep'>
  network?: NetworkOptions
}

interface CallOptions {
  body?: unknown
  /** What a 404 means here, e.g. "No Droplet with id 42". */
  notFound?: string
}

/**
 * A thin DigitalOcean API v2 client: one token and endpoint per instance, every request through
 * core/http (redacted debug log, timeouts, proxies) and core/retry (429 waits for Retry-After or
 * RateLimit-Reset; 5xx and network failures are retried only for requests safe to repeat).
 */
export class DigitalOceanClient {
  private readonly base: string

  constructor(private readonly options: DigitalOceanClientOptions) {
    // People paste the versioned URL too; the client owns the /v2 part.
    this.base = (options.endpoint ?? DEFAULT_DIGITALOCEAN_ENDPOINT).replace(/\/+$/, '').replace(/\/v2$/, '')
  }

  get<T>(path: string, options: CallOptions = {}): Promise<T> {
    return this.call<T>('GET', this.url(path), options)
  }

  post<T>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.call<T>('POST', this.url(path), {...options, body})
  }

  async delete(path: string, options: CallOptions = {}): Promise<void> {
    await this.call<unknown>('DELETE', this.url(path), options)
  }

  /**
   * Every item of a listing (`key` names its array: "droplets", "sizes"), following `links.pages.next`
   * until there is none. A next link to another host, more pages than any listing has, a page that
   * repeats an earlier one or more items than `meta.total` stop the listing with an error.
   */
  async listAll<T>(path: string, key: string): Promise<T[]> {
    const items: T[] = []
    const seen = new Set<string>()
    const first = this.url(path)
    first.searchParams.set('per_page', String(PER_PAGE))
    let url: URL | undefined = first
    for (let page = 1; url; page++) {
      const where = this.where('GET', path)
      if (page > MAX_LISTING_PAGES) throw new ProviderError(`${where} had more than ${MAX_LISTING_PAGES} pages; mc reads at most that many and stopped.`)
      const body: (DoPage & Record<string, unknown>) | undefined = await this.call('GET', url, {})
      const list = body?.[key]
      if (!Array.isArray(list)) throw new ProviderError(`${where} answered without a "${key}" list: is ${this.base} a DigitalOcean API endpoint?`)
      const fingerprint = JSON.stringify([list[0], list.at(-1)])
      if (list.length > 0 && seen.has(fingerprint)) throw new ProviderError(`${where} sent page ${page} with the same items as an earlier page; mc stopped instead of looping.`)
      seen.add(fingerprint)
      items.push(...(list as T[]))
      const total = body?.meta?.total
      if (typeof total === 'number' && items.length > total) {
        throw new ProviderError(`${where} sent more items (${items.length}) than the ${total} it said there are; mc stopped reading.`)
      }
      url = this.nextPage(body?.links?.pages?.next, where)
    }
    return items
  }

  /** The next page's URL, only on the endpoint mc was given: the token never goes to a host a response names. */
  private nextPage(next: unknown, where: string): URL | undefined {
    if (typeof next !== 'string' || next === '') return undefined
    let url: URL
    try {
      url = new URL(next, this.base)
    } catch {
      throw new ProviderError(`${where} sent a next-page link that is not a URL; mc stopped reading.`)
    }
    const base = new URL(this.base)
    // The API writes its links as https://api.digitalocean.com whatever host was asked; keep mc's origin.
    url.protocol = base.protocol
    url.host = base.host
    if (!url.pathname.startsWith(`${base.pathname.replace(/\/$/, '')}/v2/`)) {
      throw new ProviderError(`${where} sent a next-page link outside the API (${url.pathname}); mc stopped reading.`)
    }
    return url
  }

  private url(path: string): URL {
    return new URL(joinUrl(this.base, `v2/${path}`))
  }

  private where(method: string, path: string): string {
    const origin = this.base === DEFAULT_DIGITALOCEAN_ENDPOINT ? '' : ` at ${this.base}`
    return `${method} /v2/${path.split('?')[0]}${origin}`
  }

  private async call<T>(method: string, url: URL, options: CallOptions): Promise<T> {
    const path = url.pathname.replace(/^.*?\/v2\//, '')
    const where = this.where(method, path)
    return restCall<T>({
      title: 'DigitalOcean',
      method,
      shown: `${method} /v2/${path}`,
      where,
      log: this.options.log,
      signal: this.options.signal,
      retry: this.options.retry,
      send: async () => {
        const res = await this.send(method, url, options.body)
        this.noteBudget(res)
        return res
      },
      toError: (res) => toDigitalOceanError(res, where, this.options.tokenSource, options.notFound),
    })
  }

  /** DigitalOcean sends its hourly budget on every answer: say so in the debug log when it runs low. */
  private noteBudget(res: HttpResponse): void {
    const remaining = Number(res.headers.get('ratelimit-remaining') ?? Number.NaN)
    if (Number.isFinite(remaining) && remaining < 100) {
      this.options.log.line(`digitalocean: ${remaining} requests left of ${res.headers.get('ratelimit-limit') ?? '?'} this hour`)
    }
  }

  private send(method: string, url: URL, body: unknown): Promise<HttpResponse> {
    return httpRequest(
      {
        method,
        url: url.href,
        headers: {authorization: `Bearer ${this.options.token}`},
        json: body,
        signal: this.options.signal,
        timeoutMs: this.options.timeoutMs,
        network: this.options.network,
      },
      this.options.log,
    )
  }
}
