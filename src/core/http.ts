import {readFileSync} from 'node:fs'
import type {Agent, ClientRequest, IncomingMessage, OutgoingHttpHeaders} from 'node:http'
import {Agent as HttpAgent, request as plainRequest} from 'node:http'
import {BlockList, isIP} from 'node:net'
import type {Transform} from 'node:stream'
import {createBrotliDecompress, createGunzip, createInflate} from 'node:zlib'

import type {HttpsProxyAgent as HttpsProxyAgentType} from 'https-proxy-agent'

import {AuthError, ConfigError, ProviderError, TimeoutError, TransientError} from './errors.js'
import type {DebugLog} from './log.js'
import {redactUrl} from './redact.js'
import {parseRetryAfter} from './retry.js'

/**
 * How requests leave this process: proxy, trusted CAs and the limits that keep a hostile or stuck
 * server from hanging mc or filling its memory. One object per driver, shared by its requests.
 */
export interface NetworkOptions {
  /** A proxy for every request (the profile's `proxy` key); else HTTPS_PROXY / HTTP_PROXY / ALL_PROXY. NO_PROXY applies to both. */
  proxy?: string
  /** PEM files of CAs to trust besides the system's and NODE_EXTRA_CA_CERTS (caFile, AWS_CA_BUNDLE, OS_CACERT, clouds.yaml cacert). */
  caFiles?: string[]
  /** No certificate checks (clouds.yaml `verify: false`). */
  insecure?: boolean
  /** Until the TCP (and proxy) connection stands. */
  connectTimeoutMs?: number
  /** The longest silence while waiting for or reading an answer. */
  readTimeoutMs?: number
  /** A request's budget when it sets none itself (default 60 s). */
  requestTimeoutMs?: number
  /** Every request of the command ends by this time (ms since the epoch): the command's total budget. */
  deadline?: number
  /** The largest answer read into memory (decoded). */
  maxBodyBytes?: number
  /** Where HTTPS_PROXY, NO_PROXY and NODE_EXTRA_CA_CERTS are read; process.env by default. */
  env?: NodeJS.ProcessEnv
}

export interface HttpRequest {
  method: string
  url: string
  headers?: Record<string, string>
  /** Serialized as JSON when an object. */
  json?: unknown
  body?: string
  signal?: AbortSignal
  /** This request's own budget, from the first byte sent to the last byte read (default 60 s). */
  timeoutMs?: number
  network?: NetworkOptions
}

/** Response headers by name, case-insensitively. */
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

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
export const DEFAULT_READ_TIMEOUT_MS = 30_000
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000
/** 1,000 EC2 instances are one 3.2 MB page; a page 20 times that is not a listing. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
const MAX_REDIRECTS = 20
/** Pages of one listing a driver reads before it calls the server broken (500,000 EC2 instances, 250,000 Linodes). */
export const MAX_LISTING_PAGES = 500

/** What was received: status, headers (lower-case names) and the decoded body. */
interface RawResponse {
  status: number
  headers: Record<string, string>
  text: string
}

/**
 * One request with debug logging (redacted), deadlines and a size cap. Network failures become
 * TransientError so retry() can take them; a deadline passed is a TimeoutError (exit 8, not retried:
 * a server that stalls once stalls again); HTTP statuses are left to the driver, which knows its
 * error formats.
 *
 * It speaks node:http(s) with keep-alive agents rather than fetch: the first fetch in a process loads
 * and compiles undici (+130 ms and +40 MB of RSS here), and fetch knows no proxies. It sends what
 * fetch sent (gzip/deflate, content-length) and, like fetch, follows redirects.
 */
export async function httpRequest(req: HttpRequest, log: DebugLog): Promise<HttpResponse> {
  const headers: Record<string, string> = {accept: 'application/json', ...req.headers}
  let {body} = req
  if (req.json !== undefined) {
    body = JSON.stringify(req.json)
    headers['content-type'] ??= 'application/json'
  }
  log.request(req.method, req.url, headers, body)
  const network = req.network ?? {}
  const url = new URL(req.url)
  const limits = requestLimits(req, network)
  let res: RawResponse
  try {
    res = await send({method: req.method, url, headers, body, signal: req.signal, network, limits})
  } catch (error) {
    // An abort asked for by the caller surfaces as its own reason.
    if (req.signal?.aborted) throw req.signal.reason
    throw describeNetworkError(error, req.method, url, network)
  }
  const {status, text} = res
  log.response(status, req.url, res.headers, text)
  let json: unknown
  if (text && (res.headers['content-type'] ?? '').includes('json')) {
    try {
      json = JSON.parse(text)
    } catch {
      throw new ProviderError(`${url.origin} answered with malformed JSON (HTTP ${status})`, undefined, status)
    }
  }
  const responseHeaders: ResponseHeaders = {get: (name) => res.headers[name.toLowerCase()] ?? null}
  return {status, headers: responseHeaders, text, json, retryAfterMs: parseRetryAfter(responseHeaders.get('retry-after'))}
}

interface Limits {
  connectMs: number
  readMs: number
  /** When this request must be over (ms since the epoch), and why: its own budget or the command's. */
  endsAt: number
  endsBecause: string
  maxBodyBytes: number
}

/** How long one request may take: its own budget, cut short by the command's deadline; and how to say so. */
export function requestBudget(network: NetworkOptions = {}, timeoutMs?: number): {ms: number; why: string} {
  const own = Math.min(timeoutMs ?? Number.POSITIVE_INFINITY, network.requestTimeoutMs ?? timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS)
  const left = network.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, network.deadline - Date.now())
  return left < own ? {ms: left, why: `the command's time budget (MC_TIMEOUT)`} : {ms: own, why: `${formatSeconds(own)} s`}
}

function requestLimits(req: HttpRequest, network: NetworkOptions): Limits {
  const budget = requestBudget(network, req.timeoutMs)
  return {
    connectMs: network.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    readMs: network.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
    endsAt: Date.now() + budget.ms,
    endsBecause: budget.why,
    maxBodyBytes: network.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  }
}

function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10)
}

interface Outgoing {
  method: string
  url: URL
  headers: Record<string, string>
  body?: string
  signal?: AbortSignal
  network: NetworkOptions
  limits: Limits
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** Credentials are for the origin they were given to. */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization', 'x-auth-token'])

/** A request and its redirects, as fetch's "follow" mode handles them. */
async function send(request: Outgoing): Promise<RawResponse> {
  let current = request
  for (let redirects = 0; ; redirects++) {
    const res = await onceRetryingStaleSocket(current)
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

class StaleSocketError extends Error {}

/** A kept-alive socket the server closed meanwhile fails before anything was sent: one fresh try. */
async function onceRetryingStaleSocket(request: Outgoing): Promise<RawResponse> {
  try {
    return await once(request)
  } catch (error) {
    if (error instanceof StaleSocketError) return once(request)
    throw error
  }
}

async function once({method, url, headers, body, signal, network, limits}: Outgoing): Promise<RawResponse> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported protocol ${url.protocol}`)
  const agent = await agentFor(url, network)
  // TLS loads only for https endpoints.
  const request = url.protocol === 'https:' ? (await import('node:https')).request : plainRequest
  const outgoing: OutgoingHttpHeaders = {'user-agent': 'mc', 'accept-encoding': 'gzip, deflate', ...headers}
  if (body !== undefined) outgoing['content-length'] = Buffer.byteLength(body)
  return new Promise((resolve, reject) => {
    const timers: NodeJS.Timeout[] = []
    let settled = false
    let res: IncomingMessage | undefined
    const finish = (error: Error | undefined, value?: RawResponse) => {
      if (settled) return
      settled = true
      for (const t of timers) clearTimeout(t)
      signal?.removeEventListener('abort', onAbort)
      if (error) {
        res?.destroy()
        req.destroy()
        reject(error)
      } else resolve(value!)
    }
    const onAbort = () => finish(signal!.reason instanceof Error ? signal!.reason : new Error('aborted'))
    const where = `${method} ${url.origin}`
    const req: ClientRequest = request(url, {method, headers: outgoing, agent}, (response) => {
      res = response
      // A plain-HTTP request through a proxy gets the proxy's own 407; over CONNECT it comes as proxyConnect.
      if (response.statusCode === 407 && proxyFor(url, network)) {
        finish(proxyRefused(url, network, 407, response.statusMessage))
        return
      }
      const length = Number(response.headers['content-length'])
      if (length > limits.maxBodyBytes) {
        finish(tooLarge(where, limits.maxBodyBytes))
        return
      }
      readBody(response, limits.maxBodyBytes, where).then(
        (text) => finish(undefined, {status: response.statusCode ?? 0, headers: flatHeaders(response), text}),
        (error: Error) => finish(error),
      )
    })
    const remaining = limits.endsAt - Date.now()
    if (remaining <= 0) {
      finish(new TimeoutError(`${where}: no time left within ${limits.endsBecause}`))
      return
    }
    timers.push(setTimeout(() => finish(new TimeoutError(`${where} did not finish within ${limits.endsBecause}`)), remaining))
    const connectTimer = setTimeout(
      () => finish(new TimeoutError(`${where}: no connection within ${formatSeconds(limits.connectMs)} s${proxyNote(url, network)}`)),
      Math.min(limits.connectMs, remaining),
    )
    timers.push(connectTimer)
    req.on('socket', (socket) => {
      if (socket.connecting) socket.once('connect', () => clearTimeout(connectTimer))
      else clearTimeout(connectTimer)
    })
    // Silence on an open connection (a server that accepts and never answers, or stops mid-body).
    req.setTimeout(limits.readMs, () => finish(new TimeoutError(`${where} sent nothing for ${formatSeconds(limits.readMs)} s`)))
    req.on('proxyConnect', (connect: {statusCode: number; statusText?: string}) => {
      if (connect.statusCode !== 200) finish(proxyRefused(url, network, connect.statusCode, connect.statusText))
    })
    req.on('error', (error: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') && res === undefined
      finish(stale ? new StaleSocketError(error.message) : error)
    })
    signal?.addEventListener('abort', onAbort, {once: true})
    if (signal?.aborted) onAbort()
    req.end(body)
  })
}

function tooLarge(where: string, max: number): ProviderError {
  return new ProviderError(`${where} sent an answer larger than ${Math.round(max / 1024 / 1024)} MB; mc stopped reading it. Is this the cloud's API endpoint?`)
}

function flatHeaders(res: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value
  return out
}

const DECODERS: Record<string, () => Transform> = {gzip: createGunzip, 'x-gzip': createGunzip, deflate: createInflate, br: createBrotliDecompress}

/** The decoded body, stopped (with an error) once it outgrows `max` bytes: a gzip bomb counts decoded. */
function readBody(res: IncomingMessage, max: number, where: string): Promise<string> {
  const decoder = DECODERS[(res.headers['content-encoding'] ?? '').trim().toLowerCase()]?.()
  const stream = decoder ? res.pipe(decoder) : res
  // A body of known length goes straight into one buffer of that size: gathering the chunks and then
  // concatenating them held the body twice (a 1.5 MB page of 1,000 servers: 1.5 MB more at the peak).
  const length = decoder ? Number.NaN : Number(res.headers['content-length'])
  let whole = Number.isSafeInteger(length) && length > 0 ? Buffer.allocUnsafe(length) : undefined
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    stream.on('data', (chunk: Buffer) => {
      if (size + chunk.length > max) {
        reject(tooLarge(where, max))
        stream.destroy()
        return
      }
      if (whole && size + chunk.length <= whole.length) chunk.copy(whole, size)
      else {
        // More than Content-Length said (node's parser stops that; kept for safety): gather instead.
        if (whole) chunks.push(whole.subarray(0, size))
        whole = undefined
        chunks.push(chunk)
      }
      size += chunk.length
    })
    stream.on('end', () => {
      const text = whole ? whole.toString('utf8', 0, size) : Buffer.concat(chunks).toString('utf8')
      // As fetch's text(): a UTF-8 byte order mark is not part of the text.
      resolve(text.codePointAt(0) === 0xfe_ff ? text.slice(1) : text)
    })
    stream.on('error', reject)
    res.on('aborted', () => reject(new Error('the connection closed before the answer was complete')))
    if (decoder) res.on('error', reject)
  })
}

// ---------------------------------------------------------------------------------------------
// Proxies

/** The proxy for `url`, or undefined when it goes direct (no proxy set, or NO_PROXY matches). */
export function proxyFor(url: URL, network: NetworkOptions = {}): string | undefined {
  const env = network.env ?? process.env
  const read = (name: string) => env[name.toLowerCase()] || env[name.toUpperCase()] || undefined
  const proxy = network.proxy || (url.protocol === 'https:' ? read('https_proxy') : read('http_proxy')) || read('all_proxy')
  if (!proxy) return undefined
  if (bypassesProxy(url, read('no_proxy') ?? '')) return undefined
  return proxy.includes('://') ? proxy : `http://${proxy}`
}

/**
 * NO_PROXY as curl and most tools read it: comma- or space-separated entries, each `*` (everything),
 * a host name matching itself and its subdomains (`example.com`, `.example.com`, `*.example.com`),
 * an IP address, or a CIDR block (`10.0.0.0/8`, `fd00::/8`); any of them with `:port`.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const host = url.hostname.replaceAll(/^\[|\]$/g, '').toLowerCase()
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80)
  const hostFamily = isIP(host)
  for (const raw of noProxy.toLowerCase().split(/[\s,]+/)) {
    if (!raw) continue
    if (raw === '*') return true
    const match = /^(\[[^\]]+]|[^:]+|[\da-f:]+(?:\/\d+)?)(?::(\d+))?$/.exec(raw)
    let entry = match?.[1] ?? raw
    const entryPort = match?.[2] === undefined ? undefined : Number(match[2])
    if (entryPort !== undefined && entryPort !== port) continue
    entry = entry.replaceAll(/^\[|\]$/g, '')
    if (entry.includes('/')) {
      if (hostFamily && cidrContains(entry, host, hostFamily)) return true
      continue
    }
    if (isIP(entry)) {
      if (entry === host) return true
      continue
    }
    const suffix = entry.replace(/^\*?\.?/, '')
    if (host === suffix || host.endsWith(`.${suffix}`)) return true
  }
  return false
}

function cidrContains(cidr: string, host: string, hostFamily: number): boolean {
  const [base, bits] = cidr.split('/')
  const family = isIP(base)
  if (!family || family !== hostFamily) return false
  const list = new BlockList()
  try {
    list.addSubnet(base, Number(bits), family === 4 ? 'ipv4' : 'ipv6')
  } catch {
    return false
  }
  return list.check(host, family === 4 ? 'ipv4' : 'ipv6')
}

function proxyNote(url: URL, network: NetworkOptions): string {
  const proxy = proxyFor(url, network)
  return proxy ? ` (through the proxy ${redactUrl(proxy)})` : ''
}

function proxyRefused(url: URL, network: NetworkOptions, status: number, statusText = ''): Error {
  const proxy = redactUrl(proxyFor(url, network) ?? '')
  const what = `The proxy ${proxy} refused to connect mc to ${url.host} (HTTP ${status}${statusText ? ` ${statusText}` : ''})`
  // 407 is the standard answer; some proxies (tinyproxy) answer a CONNECT with bad credentials 401.
  if (status === 407 || status === 401) return new AuthError(`${what}: it wants credentials. Put them in the proxy URL (http://user:password@host:port).`)
  return new ProviderError(`${what}. Check the proxy's rules, or NO_PROXY if this host should be reached directly.`, undefined, status)
}

// ---------------------------------------------------------------------------------------------
// Agents: one per way out (direct or which proxy) and trust settings, kept alive for the process.

const agents = new Map<string, Agent>()
type TunnelOptions = Parameters<HttpsProxyAgentType<string>['connect']>[1]

/** The agent for requests to `url`: shared with the AWS SDK's handler so EC2 goes the same way. */
export async function agentFor(url: URL, network: NetworkOptions = {}): Promise<Agent> {
  const proxy = proxyFor(url, network)
  const secure = url.protocol === 'https:'
  const key = JSON.stringify([secure, proxy, network.caFiles, network.insecure])
  let agent = agents.get(key)
  if (agent) return agent
  // CA files are read once per agent, not once per request (a paged listing sends hundreds).
  const tls = secure ? await tlsOptions(network) : {}
  const base = {keepAlive: true, ...tls}
  if (proxy) {
    if (secure) {
      const {HttpsProxyAgent} = await import('https-proxy-agent')
      // The agent's own options are for the connection to the proxy; the tunnelled TLS takes the
      // request's, which the AWS SDK's handler does not carry: add the trust settings to every tunnel.
      agent = new (class extends HttpsProxyAgent<string> {
        override connect(req: ClientRequest, opts: TunnelOptions) {
          return super.connect(req, {...opts, ...tls})
        }
      })(proxy, base)
    } else {
      const {HttpProxyAgent} = await import('http-proxy-agent')
      agent = new HttpProxyAgent(proxy, base)
    }
  } else if (secure) {
    const https = await import('node:https')
    agent = new https.Agent(base)
  } else {
    agent = new HttpAgent(base)
  }
  agents.set(key, agent)
  return agent
}

/** Extra trust: node's own CAs and NODE_EXTRA_CA_CERTS stay trusted when a CA file is added. */
async function tlsOptions(network: NetworkOptions): Promise<{ca?: string[]; rejectUnauthorized?: boolean}> {
  if (network.insecure) return {rejectUnauthorized: false}
  if (!network.caFiles?.length) return {}
  const env = network.env ?? process.env
  const files = [env.NODE_EXTRA_CA_CERTS, ...network.caFiles].filter((file): file is string => typeof file === 'string' && file !== '')
  // node:tls (with node:https) loads only for https endpoints.
  const {rootCertificates} = await import('node:tls')
  return {ca: [...rootCertificates, ...files.map((file) => readCaFile(file))]}
}

function readCaFile(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new ConfigError(`Cannot read the CA file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Errors a person can act on

const TLS_TRUST = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
])
const TLS_OTHER = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID'])

/** A TLS failure as something a person can fix, or undefined when `code` is not one. */
export function certificateError(code: string, origin: string, reason: string): ProviderError | undefined {
  if (TLS_TRUST.has(code)) {
    return new ProviderError(
      `${origin} presented a certificate mc does not trust (${reason}). If a private CA signs it, give its PEM file: the profile key <provider>.caFile, the cloud's own setting (AWS_CA_BUNDLE or ca_bundle, OS_CACERT or clouds.yaml cacert) or NODE_EXTRA_CA_CERTS.`,
      code,
    )
  }
  if (TLS_OTHER.has(code)) return new ProviderError(`${origin} presented a certificate that is not valid for it (${reason}).`, code)
  return undefined
}

/** Timeouts, proxy and certificate errors stay as they are; the rest is a TransientError worth retrying. */
function describeNetworkError(error: unknown, method: string, url: URL, network: NetworkOptions): Error {
  if (error instanceof TimeoutError || error instanceof ProviderError || error instanceof AuthError || error instanceof ConfigError) return error
  const e = error as NodeJS.ErrnoException
  const reason = e instanceof Error ? (e.cause instanceof Error ? e.cause.message : e.message) : String(error)
  const code = e?.code ?? ''
  const tls = certificateError(code, url.origin, reason)
  if (tls) return tls
  const proxy = proxyFor(url, network)
  if (proxy && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|EHOSTUNREACH/.test(`${code} ${reason}`) && !(e as {reusedSocket?: boolean}).reusedSocket) {
    return new TransientError(`${method} ${url.origin} failed: cannot use the proxy ${redactUrl(proxy)} (${redactUrl(reason)})`)
  }
  return new TransientError(`${method} ${url.origin} failed: ${reason}`)
}

/** Join a base URL and a path without doubling or dropping slashes. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`
}
