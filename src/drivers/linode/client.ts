import {ProviderError} from '../../core/errors.js'
import {httpRequest, type HttpResponse, joinUrl, MAX_LISTING_PAGES, type NetworkOptions} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import type {RetryOptions} from '../../core/retry.js'
import {restCall} from '../rest-call.js'
import type {Page} from './api-types.js'
import {toLinodeError} from './errors.js'

export const DEFAULT_LINODE_ENDPOINT = 'https://api.linode.com'

export interface LinodeClientOptions {
  /** Replaces https://api.linode.com; the client adds /v4/... */
  endpoint?: string
  token: string
  /** Where the token came from, named in auth errors. */
  tokenSource: string
  log: DebugLog
  signal?: AbortSignal
  timeoutMs?: number
  /** Backoff tuning; tests shorten the waits. */
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxElapsedMs' | 'sleep'>
  /** Proxy, CAs and deadlines (drivers/network.ts). */
  network?: NetworkOptions
}

type Query = Record<string, number | string>

interface CallOptions {
  query?: Query
  body?: unknown
  /** What a 404 means here, e.g. "No Linode with id 42". */
  notFound?: string
}

/**
 * A thin Linode API v4 client: one token and one endpoint per instance (so any number of accounts
 * can be used side by side), every request through core/http (redacted debug log, timeout) and
 * core/retry (429 honouring Retry-After; 5xx and network failures for requests safe to repeat).
 */
export class LinodeClient {
  private readonly base: string

  constructor(private readonly options: LinodeClientOptions) {
    // People paste the versioned URL too; the client owns the /v4 part.
    this.base = (options.endpoint ?? DEFAULT_LINODE_ENDPOINT).replace(/\/+$/, '').replace(/\/v4(beta)?$/, '')
  }

  get<T>(path: string, options: Omit<CallOptions, 'body'> = {}): Promise<T> {
    return this.call<T>('GET', path, options)
  }

  post<T>(path: string, body: unknown, options: Omit<CallOptions, 'body' | 'query'> = {}): Promise<T> {
    return this.call<T>('POST', path, {...options, body})
  }

  async delete(path: string, options: Omit<CallOptions, 'body' | 'query'> = {}): Promise<void> {
    await this.call<unknown>('DELETE', path, options)
  }

  /**
   * Every item of a paginated collection, following `page`/`pages`. `pageSize` only for
   * collections whose spec takes `page_size` (instances, images, SSH keys: 25..500).
   */
  async listAll<T>(path: string, options: {pageSize?: number} = {}): Promise<T[]> {
    const items: T[] = []
    const seen = new Set<string>()
    for (let page = 1, pages = 1; page <= pages; page++) {
      const query: Query = options.pageSize ? {page, page_size: options.pageSize} : page > 1 ? {page} : {}
      const body = await this.get<Page<T>>(path, {query})
      if (!Array.isArray(body?.data)) {
        throw new ProviderError(`${this.where('GET', path)} answered without a "data" list: is ${this.base} a Linode API endpoint?`)
      }
      pages = this.checkPage(path, page, body, seen)
      items.push(...body.data)
      if (typeof body.results === 'number' && items.length > body.results) {
        throw new ProviderError(`${this.where('GET', path)} sent more items (${items.length}) than the ${body.results} it said there are; mc stopped reading.`)
      }
    }
    return items
  }

  /** A page that is not the one asked for, repeats an earlier one, or a page count no listing has, stops the listing. */
  private checkPage(path: string, page: number, body: Page<unknown>, seen: Set<string>): number {
    const pages = body.pages ?? 1
    const where = this.where('GET', path)
    if (!Number.isSafeInteger(pages) || pages < 1 || pages > MAX_LISTING_PAGES) {
      throw new ProviderError(`${where} claims ${pages} pages; mc reads at most ${MAX_LISTING_PAGES} pages of a listing and stopped.`)
    }
    if (body.page !== undefined && body.page !== page) {
      throw new ProviderError(`${where} answered page ${body.page} when asked for page ${page}; mc stopped instead of reading the same items again.`)
    }
    const data = body.data ?? []
    const fingerprint = JSON.stringify([data[0], data.at(-1)])
    if (data.length > 0 && seen.has(fingerprint)) {
      throw new ProviderError(`${where} sent page ${page} with the same items as an earlier page; mc stopped instead of looping.`)
    }
    seen.add(fingerprint)
    return pages
  }

  private where(method: string, path: string): string {
    const origin = this.base === DEFAULT_LINODE_ENDPOINT ? '' : ` at ${this.base}`
    return `${method} /v4/${path}${origin}`
  }

  private async call<T>(method: string, path: string, options: CallOptions): Promise<T> {
    const url = new URL(joinUrl(this.base, `v4/${path}`))
    for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, String(value))
    const where = this.where(method, path)
    return restCall<T>({
      title: 'Linode',
      method,
      shown: `${method} /v4/${path}`,
      where,
      log: this.options.log,
      signal: this.options.signal,
      retry: this.options.retry,
      send: () => this.send(method, url, options.body),
      toError: (res) => toLinodeError(res, where, this.options.tokenSource, options.notFound),
    })
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
