import {ProviderError, TransientError} from './errors.js'
import type {DebugLog} from './log.js'
import {parseRetryAfter} from './retry.js'

export interface HttpRequest {
  method: string
  url: string
  headers?: Record<string, string>
  /** Serialized as JSON when an object. */
  json?: unknown
  body?: string
  signal?: AbortSignal
  timeoutMs?: number
}

export interface HttpResponse {
  status: number
  headers: Headers
  text: string
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown
  retryAfterMs?: number
}

/**
 * One fetch with debug logging (redacted) and a timeout. Network failures become TransientError
 * so retry() can take them; HTTP statuses are left to the driver, which knows its error formats.
 */
export async function httpRequest(req: HttpRequest, log: DebugLog, fetchImpl: typeof fetch = fetch): Promise<HttpResponse> {
  const headers: Record<string, string> = {accept: 'application/json', ...req.headers}
  let {body} = req
  if (req.json !== undefined) {
    body = JSON.stringify(req.json)
    headers['content-type'] ??= 'application/json'
  }
  log.request(req.method, req.url, headers, body)
  const signals = [AbortSignal.timeout(req.timeoutMs ?? 60_000)]
  if (req.signal) signals.push(req.signal)
  let res: Response
  try {
    res = await fetchImpl(req.url, {method: req.method, headers, body, signal: AbortSignal.any(signals)})
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
    if (req.signal?.aborted) throw error
    throw new TransientError(`${req.method} ${new URL(req.url).origin} failed: ${reason}`)
  }
  const text = await res.text()
  log.response(res.status, req.url, Object.fromEntries(res.headers), text)
  let json: unknown
  if (text && (res.headers.get('content-type') ?? '').includes('json')) {
    try {
      json = JSON.parse(text)
    } catch {
      throw new ProviderError(`${new URL(req.url).origin} answered with malformed JSON (HTTP ${res.status})`, undefined, res.status)
    }
  }
  return {status: res.status, headers: res.headers, text, json, retryAfterMs: parseRetryAfter(res.headers.get('retry-after'))}
}

/** Join a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
