import {createServer, type IncomingMessage, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ProviderError, TransientError} from '../../src/core/errors.js'
import {httpRequest} from '../../src/core/http.js'
import {createDebugLog} from '../../src/core/log.js'

const log = createDebugLog(false)
let server: Server
let base: string
let seen: {method?: string; url?: string; headers: IncomingMessage['headers']; body: string}[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => {
      body += c.toString()
    })
    req.on('end', () => {
      seen.push({method: req.method, url: req.url, headers: req.headers, body})
      switch (req.url) {
        case '/hang': {
          return
        }
        case '/gzip': {
          res.writeHead(200, {'content-type': 'application/json', 'content-encoding': 'gzip'})
          res.end(gzipSync(JSON.stringify({zipped: true})))
          return
        }
        case '/moved': {
          res.writeHead(302, {location: '/json'})
          res.end()
          return
        }
        case '/elsewhere': {
          res.writeHead(307, {location: `http://localhost:${(server.address() as AddressInfo).port}/json`})
          res.end()
          return
        }
        case '/bom': {
          res.writeHead(200, {'content-type': 'application/json'})
          res.end('\uFEFF{"bom":true}')
          return
        }
        case '/malformed': {
          res.writeHead(200, {'content-type': 'application/json'})
          res.end('{nope')
          return
        }
        default: {
          res.writeHead(200, {'content-type': 'application/json; charset=utf-8', 'X-Subject-Token': 'tok', 'retry-after': '2'})
          res.end(JSON.stringify({ok: true}))
        }
      }
    })
  })
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => {
    server.close(resolve)
  })
})

describe('httpRequest', () => {
  it('sends JSON with its length and reads JSON, headers by any case and Retry-After', async () => {
    seen = []
    const res = await httpRequest({method: 'POST', url: `${base}/json`, json: {name: 'é'}, headers: {'x-auth-token': 'secret'}}, log)
    expect(res).toMatchObject({status: 200, json: {ok: true}, retryAfterMs: 2000})
    expect(res.headers.get('x-subject-token')).toBe('tok')
    expect(res.headers.get('X-Subject-Token')).toBe('tok')
    expect(res.headers.get('absent')).toBeNull()
    const [request] = seen
    expect(request.body).toBe('{"name":"é"}')
    expect(request.headers).toMatchObject({'content-type': 'application/json', 'content-length': '13', accept: 'application/json', 'x-auth-token': 'secret', 'accept-encoding': 'gzip, deflate'})
  })

  it('decompresses gzip bodies and drops a byte order mark', async () => {
    expect((await httpRequest({method: 'GET', url: `${base}/gzip`}, log)).json).toEqual({zipped: true})
    expect((await httpRequest({method: 'GET', url: `${base}/bom`}, log)).json).toEqual({bom: true})
  })

  it('follows a redirect as fetch does: a POST becomes a GET without its body', async () => {
    seen = []
    const res = await httpRequest({method: 'POST', url: `${base}/moved`, json: {a: 1}}, log)
    expect(res.json).toEqual({ok: true})
    expect(seen.map((r) => [r.method, r.url, r.body])).toEqual([['POST', '/moved', '{"a":1}'], ['GET', '/json', '']])
    expect(seen[1].headers['content-type']).toBeUndefined()
  })

  it('does not carry credentials to another origin', async () => {
    seen = []
    await httpRequest({method: 'GET', url: `${base}/elsewhere`, headers: {authorization: 'Bearer secret', 'x-other': 'kept'}}, log)
    expect(seen[1].headers.authorization).toBeUndefined()
    expect(seen[1].headers['x-other']).toBe('kept')
  })

  it('turns refused connections and timeouts into TransientError, malformed JSON into ProviderError', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => {
      closed.listen(0, '127.0.0.1', resolve)
    })
    const {port} = closed.address() as AddressInfo
    await new Promise((resolve) => {
      closed.close(resolve)
    })
    await expect(httpRequest({method: 'GET', url: `http://127.0.0.1:${port}/`}, log)).rejects.toThrow(new TransientError(`GET http://127.0.0.1:${port} failed: connect ECONNREFUSED 127.0.0.1:${port}`))
    await expect(httpRequest({method: 'GET', url: `${base}/hang`, timeoutMs: 200}, log)).rejects.toThrow(new TransientError(`GET ${base} failed: The operation was aborted due to timeout`))
    await expect(httpRequest({method: 'GET', url: `${base}/malformed`}, log)).rejects.toBeInstanceOf(ProviderError)
  })

  it('rejects with the caller\'s own abort reason', async () => {
    const controller = new AbortController()
    const reason = new Error('stopped by the user')
    setTimeout(() => controller.abort(reason), 100)
    await expect(httpRequest({method: 'GET', url: `${base}/hang`, signal: controller.signal}, log)).rejects.toBe(reason)
  })
})
