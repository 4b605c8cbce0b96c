import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {type AddressInfo} from 'node:net'
import {createServer, request as httpRequest, type Server} from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {AuthError, NotFoundError, ValidationError} from '../../../src/core/errors.js'
import {silentLog} from '../../../src/core/log.js'
import {LinodeClient} from '../../../src/drivers/linode/client.js'
import {expectNodeShape} from '../contract.js'
import {testDriver} from './fixture-server.js'

/**
 * Every request the Linode driver can make, sent to Prism mocking Linode's own OpenAPI spec. Prism
 * answers a request that breaks the spec with 422 and lists why in `sl-violations`; the relay below
 * collects those, and each test ends by requiring that there were none. (Prism's --errors mode is
 * not usable: Linode's examples break their own date-time formats, so every response would fail.)
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const SPEC = `${ROOT}specs/linode-openapi.yaml`

let prism: ChildProcess
let url: string
let violations: string[] = []
let sent: string[] = []
/** Ask Prism for one of the spec's documented error answers (its `Prefer: code=` header). */
let preferCode: number | undefined

/**
 * A relay between the driver and Prism (the driver speaks node:http, so the check sits on the wire):
 * it adds the Prefer header a test asks for, and records each request and Prism's `sl-violations`.
 */
let relay: Server
let relayUrl: string

function startRelay(target: string): Promise<string> {
  const upstream = new URL(target)
  relay = createServer((req, res) => {
    const where = `${req.method} ${new URL(req.url ?? '/', 'http://relay').pathname}`
    sent.push(where)
    const headers = {...req.headers, host: upstream.host, ...(preferCode ? {prefer: `code=${preferCode}`} : {})}
    const forward = httpRequest({host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers}, (answer) => {
      for (const v of JSON.parse(String(answer.headers['sl-violations'] ?? '[]')) as {location: string[]; message: string}[]) {
        if (v.location[0] === 'request') violations.push(`${where}: ${v.message}`)
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
    })
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  return new Promise((resolve) => {
    relay.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(relay.address() as AddressInfo).port}`))
  })
}

function driver() {
  return testDriver(relayUrl, {region: 'us-east', retry: {attempts: 1}})
}

/** Starts Prism on a free port; `prism` is set at once, so afterAll ends it even if start-up fails. */
async function startPrism(): Promise<string> {
  // Its own process group, so afterAll can end Prism and anything it started in one signal.
  const child = spawn(`${ROOT}node_modules/.bin/prism`, ['mock', '-h', '127.0.0.1', '-p', '0', SPEC], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  prism = child
  let output = ''
  const listening = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Prism is listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match) resolve(match[1])
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`prism exited with ${code} before listening:\n${output}`)))
  })
  // Listening is announced just before the server takes requests: wait until it answers one.
  for (let i = 0; ; i++) {
    try {
      await fetch(`${listening}/v4/regions`, {headers: {authorization: 'Bearer probe'}})
      break
    } catch (error) {
      if (i > 100) throw error
      await sleep(100)
    }
  }
  return listening
}

async function stopPrism(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  process.kill(-child.pid!, 'SIGTERM')
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

beforeAll(async () => {
  url = await startPrism()
  relayUrl = await startRelay(url)
})

afterAll(async () => {
  relay?.close()
  if (prism) await stopPrism(prism)
})

beforeEach(() => {
  violations = []
  sent = []
  preferCode = undefined
})

/** The end of every test: something went through Prism, and none of it broke the spec. */
function expectSpecCompliant(requests: number): void {
  expect(sent).toHaveLength(requests)
  expect(violations).toEqual([])
}

describe("linode driver against Prism mocking Linode's OpenAPI spec", () => {
  it('notices a request that breaks the spec (the check itself works)', async () => {
    const client = new LinodeClient({endpoint: relayUrl, token: 't0ken', tokenSource: 'test', log: silentLog, retry: {attempts: 1}})
    await expect(client.get('linode/instances', {query: {page: 1, page_size: 1000}})).rejects.toBeInstanceOf(ValidationError)
    expect(violations.join('\n')).toMatch(/page_size must be <= 500/)
  })

  it('lists nodes, gets one, and waits for it to run', async () => {
    const d = driver()
    const [node] = await d.listNodes()
    expectNodeShape(node, {extraKey: 'linode'})
    // The spec's example addresses are documentation ranges, not private ones: both public.
    expect(node).toMatchObject({id: '123', state: 'running', publicIps: ['203.0.113.1', '192.0.2.1', 'c001:d00d::1337'], privateIps: []})
    expect((await d.getNode(node.id)).id).toBe('123')
    expect((await d.waitUntilRunning(node.id, {pollMs: 1})).state).toBe('running')
    expectSpecCompliant(3)
  })

  it('lists sizes, images, regions and SSH keys', async () => {
    const d = driver()
    expect((await d.listSizes())[0]).toMatchObject({id: 'g6-standard-2', vcpus: 2, memoryMb: 4096, diskGb: 80, priceHourly: 0.03})
    expect((await d.listImages())[0]).toMatchObject({id: 'linode/debian11', name: 'Debian 11'})
    expect((await d.listLocations())[0]).toMatchObject({id: 'us-east', kind: 'region', country: 'US'})
    expect((await d.listKeyPairs())[0]).toMatchObject({name: 'My SSH Key', id: '42'})
    expectSpecCompliant(4)
  })

  it('creates a node with a profile key, tags, user data and a root password', async () => {
    const node = await driver().createNode({
      name: 'mc-probe-newark',
      image: 'linode/debian12',
      size: 'g6-nanode-1',
      keyName: 'My SSH Key',
      tags: {'mc-ssh-port': '2222', role: 'probe', managed: ''},
      userData: '#cloud-config\n',
    })
    expect(node.id).toBe('123')
    expectSpecCompliant(2)
  })

  it('imports a new key while creating, and imports a key on its own', async () => {
    const d = driver()
    const publicKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPrismTestKeyMaterial0000000000000000000 mc@test'
    await d.createNode({name: 'mc-probe-2', image: 'linode/debian12', size: 'g6-nanode-1', location: 'us-west', keyName: 'mc-new', publicKey})
    expect(sent).toEqual(['GET /v4/profile/sshkeys', 'POST /v4/profile/sshkeys', 'POST /v4/linode/instances'])
    expect((await d.importKeyPair('mc-other', publicKey)).name).toBe('My SSH Key')
    expectSpecCompliant(4)
  })

  it('reboots and deletes', async () => {
    const d = driver()
    await d.rebootNode('123')
    await d.destroyNode('123')
    expectSpecCompliant(2)
  })

  it("maps the spec's documented error answers", async () => {
    const d = driver()
    preferCode = 400
    const invalid = await d.createNode({name: 'mc-probe-3', image: 'linode/debian12', size: 'g6-nanode-1'}).catch((error) => error)
    expect(invalid).toBeInstanceOf(ValidationError)
    expect(invalid.fields).toEqual([{field: 'fieldname', reason: 'fieldname must be a valid value'}])
    preferCode = 401
    await expect(d.listNodes()).rejects.toBeInstanceOf(AuthError)
    preferCode = 404
    await expect(d.getNode('123')).rejects.toBeInstanceOf(NotFoundError)
    expectSpecCompliant(3)
  })
})
