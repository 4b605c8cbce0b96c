import {type McError, NotFoundError, ProviderError, RateLimitError, TransientError, ValidationError} from '../core/errors.js'
import type {HttpResponse} from '../core/http.js'
import type {DebugLog} from '../core/log.js'
import {retry, type RetryOptions} from '../core/retry.js'

export interface RestCall {
  /** The cloud as users know it: "Linode", "DigitalOcean". */
  title: string
  method: string
  /** The request as the debug log shows it: "GET /v4/linode/instances". */
  shown: string
  /** The request as errors name it (with the endpoint when it is not the default). */
  where: string
  log: DebugLog
  signal?: AbortSignal
  retry?: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxElapsedMs' | 'sleep'>
  send(): Promise<HttpResponse>
  /** The cloud's own error for a non-2xx answer. */
  toError(res: HttpResponse): Error
}

/**
 * One call to a token-authenticated JSON API (Linode, DigitalOcean) with the retry rules they share.
 * A POST that failed in transit may have been carried out: repeating it could create a second node or
 * key, so only a 429 (which proves nothing was done) retries it. A DELETE retried after a failed try
 * that then finds nothing: the failed try did the work.
 */
export async function restCall<T>(call: RestCall): Promise<T> {
  const {method} = call
  const isRetryable = (error: unknown) => error instanceof RateLimitError || (method !== 'POST' && error instanceof TransientError)
  let tries = 1
  let retriedAfterFailure = false
  try {
    return await retry(
      async () => {
        const res = await call.send()
        if (res.status >= 200 && res.status < 300) return res.json as T
        if (method === 'DELETE' && res.status === 404 && retriedAfterFailure) return undefined as T
        throw call.toError(res)
      },
      {
        ...call.retry,
        isRetryable,
        signal: call.signal,
        onRetry({attempt, delayMs, error}) {
          tries = attempt + 1
          if (error instanceof TransientError) retriedAfterFailure = true
          call.log.line(`${call.title.toLowerCase()}: ${call.shown} try ${attempt} failed (${(error as Error).message}); next in ${delayMs} ms`)
        },
      },
    )
  } catch (error) {
    if (error instanceof RateLimitError && tries > 1) {
      const wait = error.retryAfterMs === undefined ? '' : ` ${call.title} asks to wait ${Math.ceil(error.retryAfterMs / 1000)} s.`
      throw new RateLimitError(`${call.title} is still rate-limiting ${call.where} after ${tries} tries.${wait}`, error.retryAfterMs)
    }
    throw error
  }
}

export interface RestFailure {
  /** The cloud as users know it: "Linode", "DigitalOcean". */
  title: string
  where: string
  /** What the error body said ('' when nothing). */
  said: string
  /** The fields a 400 or 422 refused, from the body (none: the answer is not a validation error). */
  invalid: {field: string; reason: string}[]
  /** What a 404 means here, e.g. "No Linode with id 42". */
  notFound?: string
}

/**
 * A failed call's typed error for every answer but the cloud's own cases (401, 403 and 429, which each
 * cloud words itself): a 404, the fields a 400 or 422 refused, a server failure, anything else.
 */
export function restError(res: HttpResponse, failure: RestFailure): McError {
  const {title, where, said} = failure
  const detail = said ? `: ${said}` : ''
  if (res.status === 404) return new NotFoundError(`${failure.notFound ?? 'Not found'} (HTTP 404 from ${where}).`)
  if ((res.status === 400 || res.status === 422) && failure.invalid.length > 0) return new ValidationError(`${title} refused ${where}: ${said}.`, failure.invalid)
  if (res.status >= 500) return new TransientError(`${title} failed ${where} with HTTP ${res.status}${detail}.`, undefined, res.status, res.retryAfterMs)
  return new ProviderError(`${title} answered ${where} with HTTP ${res.status}${detail}.`, undefined, res.status)
}
