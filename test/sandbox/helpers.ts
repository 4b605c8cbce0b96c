import {EC2Client} from '@aws-sdk/client-ec2'
import {createHmac} from 'node:crypto'
import {mkdtempSync, rmSync} from 'node:fs'
import {request} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ssh2 from 'ssh2'

import {type SandboxHandle, type SandboxOptions, startSandbox} from '../../src/sandbox/index.js'

/** A sandbox on an ephemeral port in a temp data dir; `close()` stops it and removes the dir. */
export interface TestSandbox {
  handle: SandboxHandle
  dataDir: string
  /** Stop and start again on the same data dir (same port when free). */
  restart(options?: Partial<SandboxOptions>): Promise<SandboxHandle>
  close(): Promise<void>
}

export async function openSandbox(options: Partial<SandboxOptions> = {}): Promise<TestSandbox> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mc-sandbox-test-'))
  let handle = await startSandbox({port: 0, bootDelayMs: 100, ...options, dataDir})
  const box: TestSandbox = {
    get handle() {
      return handle
    },
    dataDir,
    async restart(more = {}) {
      await handle.stop()
      handle = await startSandbox({bootDelayMs: 100, ...options, ...more, dataDir, port: handle.port})
      return handle
    },
    async close() {
      await handle.stop()
      rmSync(dataDir, {recursive: true, force: true})
    },
  }
  return box
}

export function ec2Client(handle: SandboxHandle, overrides: {secretAccessKey?: string; accessKeyId?: string; region?: string} = {}): EC2Client {
  return new EC2Client({
    endpoint: handle.endpoints.ec2,
    region: overrides.region ?? handle.credentials.ec2.region,
    credentials: {
      accessKeyId: overrides.accessKeyId ?? handle.credentials.ec2.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? handle.credentials.ec2.secretAccessKey,
    },
    maxAttempts: 1,
  })
}

export async function keystoneToken(handle: SandboxHandle): Promise<{token: string; nova: (region?: string) => string; endpoint: (type: string, region?: string) => string}> {
  const c = handle.credentials.openstack
  const res = await http(`${handle.endpoints.openstack}/auth/tokens`, {
    method: 'POST',
    json: {
      auth: {
        identity: {methods: ['password'], password: {user: {name: c.username, domain: {name: c.userDomainName}, password: c.password}}},
        scope: {project: {name: c.projectName, domain: {name: c.projectDomainName}}},
      },
    },
  })
  if (res.status !== 201) throw new Error(`keystone answered ${res.status}`)
  const body = res.body as {token: {catalog: {type: string; endpoints: {interface: string; region: string; url: string}[]}[]}}
  const endpoint = (type: string, region = 'RegionOne') =>
    body.token.catalog.find((s) => s.type === type)!.endpoints.find((e) => e.interface === 'public' && e.region === region)!.url
  return {token: res.headers.get('x-subject-token')!, nova: (region = 'RegionOne') => endpoint('compute', region), endpoint}
}

export async function rackspaceToken(handle: SandboxHandle): Promise<{token: string; nova: (region?: string) => string}> {
  const c = handle.credentials.rackspace
  const res = await http(`${handle.endpoints.rackspace}/v2.0/tokens`, {method: 'POST', json: {auth: {'RAX-KSKEY:apiKeyCredentials': {username: c.username, apiKey: c.apiKey}}}})
  if (res.status !== 200) throw new Error(`rackspace identity answered ${res.status}`)
  const body = res.body as {access: {token: {id: string}; serviceCatalog: {name: string; endpoints: {region: string; publicURL: string}[]}[]}}
  const servers = body.access.serviceCatalog.find((s) => s.name === 'cloudServersOpenStack')!
  return {token: body.access.token.id, nova: (region = 'DFW') => servers.endpoints.find((e) => e.region === region)!.publicURL}
}

export interface HttpResult {
  status: number
  headers: Headers
  // Tests read whatever JSON each API answers.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any
  text: string
}

/**
 * One request on a fresh connection (node:http, no agent): tests that restart the sandbox must not
 * reuse a pooled keep-alive socket the old server closed.
 */
export function http(url: string, init: {method?: string; headers?: Record<string, string>; json?: unknown} = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {...init.headers}
  const payload = init.json === undefined ? undefined : JSON.stringify(init.json)
  if (payload !== undefined) headers['content-type'] = 'application/json'
  return new Promise((resolve, reject) => {
    const req = request(url, {method: init.method ?? 'GET', headers, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown
        try {
          body = text ? JSON.parse(text) : undefined
        } catch {
          body = undefined
        }
        const responseHeaders = new Headers()
        for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value)
        resolve({status: res.statusCode ?? 0, headers: responseHeaders, body, text})
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}

export function linodeHeaders(handle: SandboxHandle, extra: Record<string, string> = {}): Record<string, string> {
  return {authorization: `Bearer ${handle.credentials.linode.token}`, ...extra}
}

/** ssh2's ED25519 generator sometimes writes keys it cannot read back; draw until one loads. */
export function newKeyPair(): {privateKey: string; publicKey: string} {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519')
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return {privateKey: pair.private, publicKey: pair.public}
  }
}

export interface ExecResult {
  stdout: string
  stderr: string
  code: number | null
  signal?: string
}

/** Connect, then run each command on its own channel of the same connection, concurrently. */
export function sshExec(port: number, auth: {privateKey?: string; password?: string}, commands: string[]): Promise<{results: ExecResult[]; hostKey: string}> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    let hostKey = ''
    let ready = false
    client.on('error', reject)
    // A node that is not running closes the connection before the handshake.
    client.on('close', () => {
      if (!ready) reject(new Error('connection closed before the SSH handshake'))
    })
    client.on('ready', () => {
      ready = true
      const runs = commands.map(
        (command) =>
          new Promise<ExecResult>((done, fail) => {
            client.exec(command, (error, stream) => {
              if (error) return fail(error)
              const result: ExecResult = {stdout: '', stderr: '', code: null}
              stream.on('data', (d: Buffer) => {
                result.stdout += d.toString()
              })
              stream.stderr.on('data', (d: Buffer) => {
                result.stderr += d.toString()
              })
              stream.on('exit', (code: number | null, signal?: string) => {
                result.code = code
                if (signal) result.signal = signal
              })
              stream.on('close', () => done(result))
            })
          }),
      )
      Promise.all(runs)
        .then((results) => {
          client.end()
          resolve({results, hostKey})
        })
        .catch((error) => {
          client.end()
          reject(error)
        })
    })
    client.connect({
      host: '127.0.0.1',
      port,
      username: 'root',
      ...auth,
      readyTimeout: 10_000,
      hostVerifier(key: Buffer) {
        hostKey = key.toString('base64')
        return true
      },
    })
  })
}

/** RFC 3986 encoding, as AWS signatures want it. */
function enc(s: string): string {
  return encodeURIComponent(s).replaceAll(/[!'()*]/g, (c) => `%${c.codePointAt(0)!.toString(16).toUpperCase()}`)
}

/** A Signature Version 2 query-string request, signed as Libcloud signs it. */
export function signedV2(sandbox: TestSandbox, action: Record<string, string>, secret = sandbox.handle.credentials.ec2.secretAccessKey): string {
  const params: Record<string, string> = {
    ...action,
    AWSAccessKeyId: sandbox.handle.credentials.ec2.accessKeyId,
    SignatureMethod: 'HmacSHA256',
    SignatureVersion: '2',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Version: '2016-11-15',
  }
  const query = Object.keys(params)
    .sort()
    .map((k) => `${enc(k)}=${enc(params[k])}`)
    .join('&')
  const signature = createHmac('sha256', secret).update(`GET\n127.0.0.1:${sandbox.handle.port}\n/\n${query}`).digest('base64')
  return `${sandbox.handle.endpoints.ec2}/?${query}&Signature=${enc(signature)}`
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    setTimeout(resolve, ms)
  })
}

/**
 * A clock for the sandbox's `clock` option that moves only when the test says: boots, reboots and
 * token expiry happen on `advance`, never on a sleep that a loaded machine might stretch.
 */
export class ManualClock {
  private t: number

  constructor(start = Date.now()) {
    this.t = start
  }

  advance(ms: number): void {
    this.t += ms
  }

  now(): number {
    return this.t
  }
}

/** Poll `probe` until it returns something other than undefined; fail after `timeoutMs`, saying what for. */
export async function waitUntil<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(20)
  }
}
