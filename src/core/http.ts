import type {IncomingMessage, OutgoingHttpHeaders} from 'node:http'
import {request as plainRequest} from 'node:http'
import type {Transform} from 'node:stream'
import {createBrotliDecompress, createGunzip, createInflate} from 'node:zlib'

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

/** Response headers by name, case-insensitively (a fetch `Headers` is one). */
export interface ResponseHeaders {
  get(name: string): null | string
}

export interface HttpResponse {
  status: number
  headers: ResponseHeaders
  text: string
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown
  retryAfterMs?: number
}

/** What was received: status, headers (lower-case names) and the decoded body. */
interface RawResponse {
  status: number
  headers: Record<string, string>
  text: string
}

const MAX_REDIRECTS = 20

/**
 * One request with debug logging (redacted) and a timeout. Network failures become TransientError
 * so retry() can take them; HTTP statuses are left to the driver, which knows its error formats.
 *
 * It speaks node:http(s) rather than fetch: the first fetch in a process loads and compiles undici
 * (+130 ms and +40 MB of RSS here), which was most of the cost of a small Linode or OpenStack
 * listing. It sends what fetch sent (user-agent node, gzip/deflate, content-length) and, like fetch,
 * follows redirects. `fetchImpl`, when given, is used instead.
 */
export async function httpRequest(req: HttpRequest, log: DebugLog, fetchImpl?: typeof fetch): Promise<HttpResponse> {
  const headers: Record<string, string> = {accept: 'application/json', ...req.headers}
  let {body} = req
  if (req.json !== undefined) {
    body = JSON.stringify(req.json)
    headers['content-type'] ??= 'application/json'
  }
  log.request(req.method, req.url, headers, body)
  const signals = [AbortSignal.timeout(req.timeoutMs ?? 60_000)]
  if (req.signal) signals.push(req.signal)
  const signal = AbortSignal.any(signals)
  let res: RawResponse
  try {
    res = fetchImpl ? await viaFetch(fetchImpl, req.url, {method: req.method, headers, body, signal}) : await send({method: req.method, url: new URL(req.url), headers, body, signal})
  } catch (error) {
    // An abort asked for by the caller surfaces as its own reason, as fetch rejects.
    if (req.signal?.aborted) throw fetchImpl ? error : req.signal.reason
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)
    throw new TransientError(`${req.method} ${new URL(req.url).origin} failed: ${reason}`)
  }
  const {status, text} = res
  log.response(status, req.url, res.headers, text)
  let json: unknown
  if (text && (res.headers['content-type'] ?? '').includes('json')) {
    try {
      json = JSON.parse(text)
    } catch {
      throw new ProviderError(`${new URL(req.url).origin} answered with malformed JSON (HTTP ${status})`, undefined, status)
    }
  }
  const responseHeaders: ResponseHeaders = {get: (name) => res.headers[name.toLowerCase()] ?? null}
  return {status, headers: responseHeaders, text, json, retryAfterMs: parseRetryAfter(responseHeaders.get('retry-after'))}
}

async function viaFetch(fetchImpl: typeof fetch, url: string, init: NonNullable<Parameters<typeof fetch>[1]>): Promise<RawResponse> {
  const res = await fetchImpl(url, init)
  return {status: res.status, headers: Object.fromEntries(res.headers), text: await res.text()}
}

interface Outgoing {
  method: string
  url: URL
  headers: Record<string, string>
  body?: string
  signal: AbortSignal
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Credentials are for the origin they were given to. */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization'])

/** A request and its redirects, as fetch's "follow" mode handles them. */
async function send(request: Outgoing): Promise<RawResponse> {
  let current = request
  for (let redirects = 0; ; redirects++) {
    const res = await once(current)
    const {location} = res.headers
    if (!REDIRECTS.has(res.status) || location === undefined) return res
    if (redirects === MAX_REDIRECTS) throw new Error('redirect count exceeded')
    const url = new URL(location, current.url)
    const toGet = (res.status === 303 && current.method !== 'HEAD') || ((res.status === 301 || res.status === 302) && current.method === 'POST')
    current = {
      ...current,
      url,
      method: toGet ? 'GET' : current.method,
      body: toGet ? undefined : current.body,
      headers: redirectHeaders(current.headers, toGet, url.origin === current.url.origin),
    }
  }
}

/** A redirect to GET drops the body's headers; one to another origin drops the credentials. */
function redirectHeaders(headers: Record<string, string>, toGet: boolean, sameOrigin: boolean): Record<string, string> {
  const keep = (name: string) => !(toGet && name.startsWith('content-')) && (sameOrigin || !CREDENTIALS.has(name))
  return Object.fromEntries(Object.entries(headers).filter(([name]) => keep(name.toLowerCase())))
}

async function once({method, url, headers, body, signal}: Outgoing): Promise<RawResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`)
  // TLS loads only for https endpoints.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : plainRequest
  const outgoing: OutgoingHttpHeaders = {'user-agent': 'node', 'accept-encoding': 'gzip, deflate', ...headers}
  if (body !== undefined) outgoing['content-length'] = Buffer.byteLength(body)
  return new Promise((resolve, reject) => {
    const req = request(url, {method, headers: outgoing, signal}, (res) => {
      readBody(res).then((text) => resolve({status: res.statusCode ?? 0, headers: flatHeaders(res), text}), reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  return out
}

const DECODERS: Record<string, () => Transform> = {gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress}

function readBody(res: IncomingMessage): Promise<string> {
  const decoder = DECODERS[(res.headers['content-encoding'] ?? '').trim().toLowerCase()]?.()
  const stream = decoder ? res.pipe(decoder) : res
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8')
      // As fetch's text(): a UTF-8 byte order mark is not part of the text.
      resolve(text.codePointAt(0) === 0xFE_FF ? text.slice(1) : text)
    })
    stream.on('error', reject)
    if (decoder) res.on('error', reject)
  })
}

/** Join a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
