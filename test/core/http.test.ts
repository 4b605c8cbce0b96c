import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {gzipSync} from 'node:zlib'
import {afterEach, describe, expect, it} from 'vitest'

import {ProviderError, TimeoutError, TransientError} from '../../src/core/errors.js'
import {bypassesProxy, httpRequest, proxyFor} from '../../src/core/http.js'
import {silentLog} from '../../src/core/log.js'
import {redactString, redactUrl} from '../../src/core/redact.js'
import {LinodeClient} from '../../src/drivers/linode/client.js'

/** core/http against hostile servers on loopback: deadlines, size caps, pagination that never ends. */

const servers: Server[] = []

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler)
  servers.push(server)
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections()
    await new Promise((resolve) => {
      server.close(resolve)
    })
  }
})

function url(u: string): URL {
  return new URL(u)
}

function bypass(u: string, rule: string): boolean {
  return bypassesProxy(url(u), rule)
}

function elapsedSince(start: number): number {
  return Date.now() - start
}

describe('httpRequest deadlines', () => {
  it('gives up on a server that accepts and never answers: TimeoutError (exit 8) after the read timeout', async () => {
    const url = await serve(() => {})
    const start = Date.now()
    const error = await httpRequest({method: 'GET', url, network: {readTimeoutMs: 300}}, silentLog).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as TimeoutError).exitCode).toBe(8)
    expect((error as Error).message).toMatch(/sent nothing for 0\.3 s/)
    expect(elapsedSince(start)).toBeLessThan(10_000)
  })

  it('gives up on a server sending one byte at a time once the request budget is spent', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      res.write('[')
      const timer = setInterval(() => res.write(' '), 50)
      res.on('close', () => clearInterval(timer))
    })
    const error = await httpRequest({method: 'GET', url, timeoutMs: 600, network: {readTimeoutMs: 5000}}, silentLog).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toMatch(/did not finish within 0\.6 s/)
  })

  it('ends every request by the command deadline (MC_TIMEOUT), and says so', async () => {
    const url = await serve(() => {})
    const error = await httpRequest({method: 'GET', url, network: {deadline: Date.now() + 300, readTimeoutMs: 5000}}, silentLog).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(TimeoutError)
    expect((error as Error).message).toMatch(/MC_TIMEOUT/)
  })

  it('a refused connection is a TransientError (retried by the drivers), not a timeout', async () => {
    const url = await serve(() => {})
    servers[0].close()
    servers.splice(0)
    await expect(httpRequest({method: 'GET', url}, silentLog)).rejects.toBeInstanceOf(TransientError)
  })
})

describe('httpRequest size cap', () => {
  it('stops reading an endless body at the cap with a clear error', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x')
    const url = await serve((_req, res) => {
      res.writeHead(200, {'content-type': 'application/json'})
      const pump = () => {
        while (res.write(chunk)) {
          // keep the socket full
        }
      }
      res.on('drain', pump)
      pump()
    })
    const error = await httpRequest({method: 'GET', url, network: {maxBodyBytes: 1024 * 1024}}, silentLog).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect((error as Error).message).toMatch(/larger than 1 MB; mc stopped reading it/)
  })

  it('counts a gzip body decoded (a small bomb is stopped too), and refuses a stated length over the cap at once', async () => {
    const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024))
    const url = await serve((req, res) => {
      if (req.url === '/bomb') {
        res.writeHead(200, {'content-encoding': 'gzip', 'content-length': bomb.length})
        res.end(bomb)
      } else {
        res.writeHead(200, {'content-length': 10 * 1024 * 1024})
        res.write('x')
      }
    })
    const network = {maxBodyBytes: 1024 * 1024}
    await expect(httpRequest({method: 'GET', url: `${url}/bomb`, network}, silentLog)).rejects.toThrow(/larger than 1 MB/)
    await expect(httpRequest({method: 'GET', url: `${url}/stated`, network}, silentLog)).rejects.toThrow(/larger than 1 MB/)
  })
})

function client(url: string): LinodeClient {
  return new LinodeClient({endpoint: url, token: 'tok-12345', tokenSource: 'test', log: silentLog, retry: {attempts: 1}})
}

function page(res: ServerResponse, body: unknown): void {
  res.writeHead(200, {'content-type': 'application/json'})
  res.end(JSON.stringify(body))
}

describe('Linode pagination that never ends', () => {
  it('refuses a claim of a million pages before reading them', async () => {
    let requests = 0
    const url = await serve((_req, res) => {
      requests++
      page(res, {data: [{id: requests}], page: requests, pages: 1_000_000, results: 1_000_000})
    })
    await expect(client(url).listAll('linode/instances', {pageSize: 500})).rejects.toThrow(/claims 1000000 pages; mc reads at most 500/)
    expect(requests).toBe(1)
  })

  it('stops when the server sends the same page again (it ignores ?page=)', async () => {
    const url = await serve((_req, res) => page(res, {data: [{id: 1}, {id: 2}], pages: 3, results: 6}))
    await expect(client(url).listAll('linode/instances', {pageSize: 500})).rejects.toThrow(/page 2 with the same items as an earlier page/)
  })

  it('stops when the pages hold more items than the stated total', async () => {
    let n = 0
    const url = await serve((req, res) => {
      const p = Number(new URL(req.url!, 'http://x').searchParams.get('page'))
      page(res, {data: [{id: ++n}, {id: ++n}], page: p, pages: 3, results: 3})
    })
    await expect(client(url).listAll('linode/instances', {pageSize: 500})).rejects.toThrow(/more items \(4\) than the 3 it said there are/)
  })
})

describe('proxy selection and NO_PROXY', () => {
  it('takes the profile proxy first, then HTTPS_PROXY / HTTP_PROXY in either case, then ALL_PROXY', () => {
    expect(proxyFor(url('https://api.linode.com/v4'), {env: {HTTPS_PROXY: 'http://p:3128'}})).toBe('http://p:3128')
    expect(proxyFor(url('https://api.linode.com/v4'), {env: {https_proxy: 'p:3128'}})).toBe('http://p:3128')
    expect(proxyFor(url('http://127.0.0.1:8080/'), {env: {HTTPS_PROXY: 'http://p:3128'}})).toBeUndefined()
    expect(proxyFor(url('http://127.0.0.1:8080/'), {env: {http_proxy: 'http://q:1'}})).toBe('http://q:1')
    expect(proxyFor(url('https://x.example/'), {env: {ALL_PROXY: 'http://all:1'}})).toBe('http://all:1')
    expect(proxyFor(url('https://x.example/'), {proxy: 'http://mine:1', env: {HTTPS_PROXY: 'http://p:3128'}})).toBe('http://mine:1')
    expect(proxyFor(url('https://x.example/'), {proxy: 'http://mine:1', env: {NO_PROXY: 'other.example'}})).toBe('http://mine:1')
    expect(proxyFor(url('https://x.example/'), {proxy: 'http://mine:1', env: {no_proxy: 'x.example'}})).toBeUndefined()
  })

  it('reads NO_PROXY as curl does: suffixes, IPs, CIDRs, ports and *', () => {
    expect(bypass('https://ec2.us-east-1.amazonaws.com/', 'amazonaws.com')).toBe(true)
    expect(bypass('https://ec2.us-east-1.amazonaws.com/', '.amazonaws.com')).toBe(true)
    expect(bypass('https://ec2.us-east-1.amazonaws.com/', '*.amazonaws.com')).toBe(true)
    expect(bypass('https://notamazonaws.com/', 'amazonaws.com')).toBe(false)
    expect(bypass('http://10.1.2.3:5000/', '10.0.0.0/8')).toBe(true)
    expect(bypass('http://11.1.2.3:5000/', '10.0.0.0/8')).toBe(false)
    expect(bypass('http://[fd00::5]:5000/', 'fd00::/8')).toBe(true)
    expect(bypass('http://127.0.0.1:5000/', 'localhost, 127.0.0.1')).toBe(true)
    expect(bypass('http://127.0.0.1:5000/', '127.0.0.1:5000')).toBe(true)
    expect(bypass('http://127.0.0.1:5001/', '127.0.0.1:5000')).toBe(false)
    expect(bypass('https://anything.example/', '*')).toBe(true)
    expect(bypass('https://anything.example/', '')).toBe(false)
  })
})

describe('credentials in URLs', () => {
  it('are redacted in every message, whatever the scheme', () => {
    expect(redactUrl('http://admin:PASSWORD@push.example:9091/metrics')).toBe('http://[REDACTED]@push.example:9091/metrics')
    expect(redactString('The Pushgateway at http://admin:PASSWORD@host/ refused, and https://tok@proxy:3128 too')).not.toMatch(/PASSWORD|tok@/)
    expect(redactString('socks5://u:p%40ss@10.0.0.1:1080 failed')).toBe('socks5://[REDACTED]@10.0.0.1:1080 failed')
    expect(redactString('mail me at someone@example.com')).toBe('mail me at someone@example.com')
  })
})
