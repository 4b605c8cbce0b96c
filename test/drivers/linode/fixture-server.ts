import {readFileSync} from 'node:fs'
import {createServer, type IncomingHttpHeaders} from 'node:http'
import type {AddressInfo} from 'node:net'
import {fileURLToPath} from 'node:url'

import {silentLog} from '../../../src/core/log.js'
import {LinodeClient, type LinodeClientOptions} from '../../../src/drivers/linode/client.js'
import {LinodeDriver} from '../../../src/drivers/linode/driver.js'

export interface SeenRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body?: unknown
}

export interface Reply {
  status?: number
  body?: unknown
  headers?: Record<string, string>
}

/** Answers a request, or returns undefined to fall through to a 404 like Linode's. */
export type Routes = (req: SeenRequest) => Reply | undefined

export interface LinodeTestServer {
  url: string
  requests: SeenRequest[]
  close(): Promise<void>
}

const FIXTURES = fileURLToPath(new URL('../../fixtures/linode/', import.meta.url))

export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(`${FIXTURES}${name}.json`, 'utf8')) as T
}

export const NOT_FOUND: Reply = {status: 404, body: {errors: [{reason: 'Not found'}]}}

/** Libcloud's recorded Linode responses, on the paths the driver asks for. */
export const recordedRoutes: Routes = ({method, path, query}) => {
  const key = `${method} ${path}`
  if (key === 'GET /v4/linode/instances') return {body: fixture('list_nodes')}
  if (key === 'GET /v4/linode/instances/22344420') return {body: fixture('ex_get_node')}
  if (key === 'POST /v4/linode/instances') return {body: fixture('create_node')}
  if (key === 'GET /v4/linode/types') return {body: fixture('list_types')}
  if (key === 'GET /v4/images') return {body: fixture(`list_images_paginated_page_${query.get('page') ?? '1'}`)}
  if (key === 'GET /v4/regions') return {body: fixture('list_locations')}
  if (key === 'GET /v4/profile/sshkeys') return {body: fixture('list_key_pairs')}
  if (key === 'POST /v4/profile/sshkeys') return {body: fixture('create_key_pair')}
}

/** A local Linode API on 127.0.0.1 (port 0) that records every request it answers. */
export async function startLinodeServer(routes: Routes): Promise<LinodeTestServer> {
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => {
      raw += chunk
    })
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost')
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: raw ? JSON.parse(raw) : undefined,
      }
      requests.push(seen)
      let reply: Reply
      try {
        reply = routes(seen) ?? NOT_FOUND
      } catch (error) {
        reply = {status: 500, body: {errors: [{reason: `test route failed: ${(error as Error).message}`}]}}
      }
      res.writeHead(reply.status ?? 200, {'content-type': 'application/json', ...reply.headers})
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body))
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}

/** A driver on a test server, with waits shortened so retry tests run in milliseconds. */
export function testDriver(url: string, options: Partial<LinodeClientOptions> & {region?: string} = {}): LinodeDriver {
  const {region = 'eu-west', ...client} = options
  return new LinodeDriver(
    new LinodeClient({
      endpoint: url,
      token: 'test-token-1234',
      tokenSource: 'test',
      log: silentLog,
      retry: {baseDelayMs: 1, maxDelayMs: 5},
      ...client,
    }),
    region,
  )
}
