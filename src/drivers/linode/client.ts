import {AuthError, McError, NotFoundError, ProviderError, RateLimitError, TransientError, ValidationError} from '../../core/errors.js'
import {httpRequest, type HttpResponse, joinUrl, MAX_LISTING_PAGES, type NetworkOptions} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import type {RetryOptions} from '../../core/retry.js'
import {restCall} from '../rest-call.js'
import type {LinodeErrorResponse, Page} from './api-types.js'

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

/** Linode's `errors[]`, made safe to read whatever the body was. */
function linodeErrors(json: unknown): {field?: string; reason: string}[] {
  const errors = (json as LinodeErrorResponse | undefined)?.errors
  if (!Array.isArray(errors)) return []
  return errors.filter((e) => e && typeof e.reason === 'string').map((e) => ({field: typeof e.field === 'string' ? e.field : undefined, reason: e.reason!}))
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
    return restCall<T>({
      title: 'Linode',
      method,
      shown: `${method} /v4/${path}`,
      where: this.where(method, path),
      log: this.options.log,
      signal: this.options.signal,
      retry: this.options.retry,
      send: () => this.send(method, url, options.body),
      toError: (res) => this.toError(method, path, res, options.notFound),
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

  private toError(method: string, path: string, res: HttpResponse, notFound?: string): McError {
    const errors = linodeErrors(res.json)
    const reasons = errors.map((e) => (e.field ? `${e.field}: ${e.reason}` : e.reason)).join('; ')
    const detail = reasons ? `: ${reasons}` : ''
    const where = this.where(method, path)
    switch (res.status) {
      case 401: {
        return new AuthError(
          `Linode rejected the token from ${this.options.tokenSource} (HTTP 401${detail}). Create a personal access token at https://cloud.linode.com/profile/tokens and set LINODE_TOKEN or "mc config set linode.token".`,
        )
      }
      case 403: {
        return new AuthError(
          `The Linode token from ${this.options.tokenSource} is not allowed to ${where} (HTTP 403${detail}). Give the token read/write access to Linodes and SSH keys.`,
        )
      }
      case 404: {
        return new NotFoundError(`${notFound ?? 'Not found'} (HTTP 404 from ${where}).`)
      }
      case 429: {
        return new RateLimitError(`Linode rate-limited ${where} (HTTP 429).`, res.retryAfterMs)
      }
    }
    if ((res.status === 400 || res.status === 422) && errors.length > 0) {
      return new ValidationError(
        `Linode refused ${where}: ${reasons}.`,
        errors.map((e) => ({field: e.field ?? '', reason: e.reason})),
      )
    }
    if (res.status >= 500) {
      return new TransientError(`Linode failed ${where} with HTTP ${res.status}${detail}.`, undefined, res.status, res.retryAfterMs)
    }
    return new ProviderError(`Linode answered ${where} with HTTP ${res.status}${detail}.`, undefined, res.status)
  }
}
