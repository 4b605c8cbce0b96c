import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import {isIPv6} from 'node:net'
import type {TLSSocket} from 'node:tls'

import {ValidationError} from '../core/errors.js'
import {redactString} from '../core/redact.js'
import type {Answer, Exporter} from './exporter.js'
import {RefusedRequest} from './exporter-allow.js'
import {BasicAuth, type WebConfig} from './exporter-web.js'

export type Listen = {host: string; port: number}

/** "127.0.0.1:9469", "[::1]:9469", ":9469" (every interface: the user asked for it), or a bare port. */
export function parseListen(text: string): Listen {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text.trim()) ?? /^()()(\d{1,5})$/.exec(text.trim())
  const port = match ? Number(match[3]) : Number.NaN
  if (!match || port > 65_535) throw new ValidationError(`Bad --listen "${text}": use HOST:PORT, e.g. 127.0.0.1:9469 or [::1]:9469.`)
  const host = match[1] ?? match[2]
  return {host: host === '' ? (match[0].startsWith(':') ? '::' : '127.0.0.1') : host, port}
}

const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8'

export type ExporterServer = {url: string; server: Server; close(): Promise<void>}

/**
 * HTTP (or HTTPS, with the web config's tls_server_config) in front of the exporter: GET /probe,
 * /diagnose, /metrics. Basic auth comes before anything else; a refused request gets 400 and the
 * reason as plain text, never a stack trace.
 */
type Context = {exporter: Exporter; auth: BasicAuth; web: WebConfig}

export async function startExporterServer(exporter: Exporter, listen: Listen, webConfig: undefined | WebConfig, onError: (message: string) => void): Promise<ExporterServer> {
  const web: WebConfig = webConfig ?? {users: new Map()}
  const context: Context = {exporter, auth: new BasicAuth(web.users), web}
  let inFlight = 0
  let closing = false
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    inFlight++
    res.once('close', () => {
      inFlight--
      // Prometheus keeps connections open: once the last answer is out, a stopping server drops them.
      if (closing && inFlight === 0) server.closeAllConnections()
    })
    if (closing) res.setHeader('connection', 'close')
    handle(context, req, res).catch((error: Error) => {
      onError(`${req.url?.split('?')[0]}: ${error.message}`)
      if (!res.headersSent) reply(res, {status: 500, body: "Internal error; see the exporter's log.\n"})
    })
  }
  const server = web.tls ? createHttpsServer(web.tls, handler) : createHttpServer(handler)
  // Prometheus keeps connections alive between scrapes; a probe may hold one for a whole scrape timeout.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new ValidationError(
          `Cannot listen on ${listen.host}:${listen.port}: ${error.code === 'EADDRINUSE' ? 'the address is in use' : (error.code ?? error.message)}. Pick another --listen.`,
        ),
      )
    })
    server.listen(listen.port, listen.host, () => {
      server.removeAllListeners('error')
      resolve()
    })
  })
  const address = server.address() as {address: string; port: number}
  const host = isIPv6(address.address) ? `[${address.address}]` : address.address
  return {
    url: `${web.tls ? 'https' : 'http'}://${host}:${address.port}`,
    server,
    // Requests in flight get their answers (the exporter's stop cuts their checks short), then every
    // connection is dropped; none outlives 5 s.
    close: () =>
      new Promise<void>((resolve) => {
        closing = true
        const force = setTimeout(() => server.closeAllConnections(), 5000)
        server.close(() => {
          clearTimeout(force)
          resolve()
        })
        if (inFlight === 0) server.closeAllConnections()
      }),
  }
}

async function handle(context: Context, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://exporter')
  const endpoint = ['/probe', '/diagnose', '/metrics'].includes(url.pathname) ? url.pathname.slice(1) : 'other'
  const answer = await route(context, req, url, endpoint)
  context.exporter.stats.countRequest(endpoint, answer.status)
  reply(res, answer, req.method === 'HEAD')
}

async function route({exporter, auth, web}: Context, req: IncomingMessage, url: URL, endpoint: string): Promise<Answer & {headers?: Record<string, string>}> {
  // Node can only reject unverified certificates outright: "if given" and "any" are checked here.
  const socket = req.socket as TLSSocket
  if (web.tls?.requestCert) {
    const presented = Object.keys(socket.getPeerCertificate()).length > 0
    if (web.tls.clientAuth === 'RequireAnyClientCert' && !presented) return {status: 403, body: 'A client certificate is required.\n'}
    if (web.tls.clientAuth === 'VerifyClientCertIfGiven' && presented && !socket.authorized) {
      return {status: 403, body: `Client certificate refused: ${socket.authorizationError ?? 'not verified'}.\n`}
    }
  }
  if (!(await auth.check(req.headers.authorization))) {
    return {status: 401, body: 'Unauthorized: this exporter needs basic auth.\n', headers: {'www-authenticate': 'Basic realm="mc exporter", charset="UTF-8"'}}
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return {status: 405, body: 'Only GET and HEAD.\n', headers: {allow: 'GET, HEAD'}}
  const budgetMs = exporter.budgetMs(header(req, 'x-prometheus-scrape-timeout-seconds'))
  try {
    if (endpoint === 'probe') return await exporter.probe(url.searchParams, budgetMs)
    if (endpoint === 'diagnose') return await exporter.diagnose(url.searchParams, budgetMs)
    if (endpoint === 'metrics') return exporter.metrics()
  } catch (error) {
    if (error instanceof RefusedRequest || error instanceof ValidationError) return {status: 400, body: `${redactString(error.message)}\n`}
    throw error
  }
  if (url.pathname === '/') return {status: 200, body: 'mc exporter: /probe?target=HOST&check=CHECK&from=VANTAGE, /diagnose?target=HOST, /metrics\n'}
  return {status: 404, body: 'Not found: /probe, /diagnose or /metrics.\n'}
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function reply(res: ServerResponse, answer: Answer & {headers?: Record<string, string>}, headOnly = false): void {
  const type = answer.status === 200 && answer.body.startsWith('#') ? TEXT_FORMAT : 'text/plain; charset=utf-8'
  res.writeHead(answer.status, {'content-type': type, 'content-length': Buffer.byteLength(answer.body), ...answer.headers})
  res.end(headOnly ? undefined : answer.body)
}
