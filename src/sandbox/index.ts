import {randomBytes} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'

import {Ec2Api} from './ec2/api.js'
import {type Faults, FaultSyntaxError, parseFaults} from './faults.js'
import {CreateHold, isCreateRequest} from './holds.js'
import {type ApiHandler, json, type SandboxRequest, type SandboxResponse} from './http.js'
import {LinodeApi} from './linode/api.js'
import {splitFaults} from './network/faults.js'
import type {NetworkDescription, SandboxNetwork} from './network/index.js'
import {OpenStackApi, RackspaceApi} from './openstack/api.js'
import {seedNodes} from './seed.js'
import {SandboxStore} from './store.js'
import {SANDBOX_CLOUDS, type SandboxCloud, type SandboxCredentials} from './types.js'
import {type SshHost, World} from './world.js'

export {FaultSyntaxError} from './faults.js'
export {SANDBOX_CLOUDS, type SandboxCloud} from './types.js'

export interface SandboxOptions {
  /** 0 = ephemeral. */
  port?: number
  dataDir: string
  /** How long nodes take from pending to running (and to stop, reboot, terminate). Default 2000. */
  bootDelayMs?: number
  /** e.g. 'throttle=0.2', 'latency=200ms', 'fail=linode', 'fail=rackspace/SYD', 'hold=boot', 'hold=create' (see faults.ts). */
  faults?: string[]
  /**
   * The time nodes boot, reboot and terminate by, tokens expire by, and so on (default the system
   * clock). A test passes its own and moves it forward instead of sleeping through boot delays.
   */
  clock?: {now(): number}
  /** SSH servers for nodes created through the APIs. Default true. */
  ssh?: boolean
  /** Make sure each cloud (or the named ones) holds this many seeded running nodes, without SSH. */
  seedNodes?: number | Partial<Record<SandboxCloud, number>>
  /** How long terminated EC2 instances stay listed. Default one hour, as on EC2. */
  terminatedTtlMs?: number
  /** Serve HTTPS with this key and certificate (PEM), e.g. signed by a test's own CA. */
  tls?: {key: string; cert: string}
  /**
   * Put nodes, the data center and a target in network namespaces (src/sandbox/network). Where this
   * machine cannot, the sandbox runs on loopback as without it and `networkUnavailable` says why.
   */
  network?: boolean
}

export interface SandboxHandle {
  endpoints: {ec2: string; rackspace: string; openstack: string; linode: string}
  credentials: {
    ec2: {accessKeyId: string; secretAccessKey: string; region: string}
    rackspace: {username: string; apiKey: string; region: string; password: string; tenantId: string}
    openstack: {
      username: string
      password: string
      projectName: string
      userDomainName: string
      projectDomainName: string
      region: string
      projectId: string
      applicationCredentialId: string
      applicationCredentialSecret: string
    }
    linode: {token: string}
  }
  /** mc profile keys (see src/store/config-keys.ts). */
  profile: Record<string, string>
  port: number
  dataDir: string
  /** Guards the /__sandbox/ control endpoints (status, reset, faults) of this running sandbox. */
  controlToken: string
  /** Replace the active API faults while running (network faults: addFaults / clearFaults); lifting hold=create sends the answers it kept back. */
  setFaults(faults: string[]): void
  /** Create requests whose answers hold=create keeps back now, per cloud (the nodes exist already). */
  heldCreates(): Partial<Record<SandboxCloud, number>>
  /** Add faults, API or network (loss=, down=); resolves with every active fault. */
  addFaults(faults: string[]): Promise<string[]>
  /** Clear the named faults, or all; resolves with what stays active. */
  clearFaults(faults?: string[]): Promise<string[]>
  /** The network, when the sandbox has one. */
  network(): Promise<NetworkDescription | undefined>
  /** Why a requested network could not be built (the sandbox then runs on loopback). */
  networkUnavailable?: string
  /** Forget every node, key and token (credentials stay); closes the nodes' SSH servers. */
  reset(): Promise<void>
  /** Live nodes per cloud. */
  counts(): Record<SandboxCloud, number>
  stop(): Promise<void>
}

const CREDENTIALS_KEY = 'credentials'
const MAX_BODY = 32 * 1024 * 1024

function base32(bytes: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  return [...randomBytes(bytes)].map((b) => alphabet[b % 32]).join('')
}

function newCredentials(): SandboxCredentials {
  const secret = () => randomBytes(24).toString('base64url')
  return {
    ec2: {accessKeyId: `AKIA${base32(16)}`, secretAccessKey: randomBytes(30).toString('base64').replaceAll(/[+/]/g, 'x'), region: 'us-east-1'},
    rackspace: {username: 'mc-sandbox', apiKey: randomBytes(16).toString('hex'), password: secret(), region: 'DFW', tenantId: String(900_000 + (randomBytes(2).readUInt16BE() % 99_999))},
    openstack: {
      username: 'demo',
      password: secret(),
      projectName: 'demo',
      projectId: randomBytes(16).toString('hex'),
      userId: randomBytes(16).toString('hex'),
      userDomainName: 'Default',
      projectDomainName: 'Default',
      region: 'RegionOne',
      applicationCredentialId: randomBytes(16).toString('hex'),
      applicationCredentialSecret: secret(),
    },
    linode: {token: randomBytes(32).toString('hex')},
  }
}

/** Credentials are made once per data dir and kept across restarts and resets. */
function loadCredentials(store: SandboxStore): SandboxCredentials {
  const saved = store.getMeta(CREDENTIALS_KEY)
  if (saved) return JSON.parse(saved) as SandboxCredentials
  const fresh = newCredentials()
  store.setMeta(CREDENTIALS_KEY, JSON.stringify(fresh))
  return fresh
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY) {
        reject(new Error('request body too large'))
        req.destroy()
      } else {
        chunks.push(chunk)
      }
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** Which emulator a path belongs to, and the path below its mount point. */
function mount(path: string, handlers: Record<SandboxCloud, ApiHandler>): {handler: ApiHandler; path: string} | undefined {
  if (path === '/') return {handler: handlers.ec2, path}
  if (/^\/v4(beta)?(\/|$)/.test(path)) return {handler: handlers.linode, path}
  if (path === '/rackspace' || path.startsWith('/rackspace/')) return {handler: handlers.rackspace, path: path.slice('/rackspace'.length) || '/'}
  if (/^\/(identity|compute|image|network|volume)(\/|$)/.test(path)) return {handler: handlers.openstack, path}
  return undefined
}

function settingsFor(options: SandboxOptions) {
  return {bootDelayMs: options.bootDelayMs ?? 2000, terminatedTtlMs: options.terminatedTtlMs ?? 3_600_000, clock: options.clock}
}

/**
 * Start the sandbox: one HTTP server on 127.0.0.1 for the EC2, Rackspace, OpenStack and Linode
 * emulators, plus an SSH server per node. State lives in SQLite under `dataDir`.
 */
export async function startSandbox(options: SandboxOptions): Promise<SandboxHandle> {
  const store = new SandboxStore(options.dataDir)
  let network: SandboxNetwork | undefined
  try {
    const credentials = loadCredentials(store)
    const initial = splitFaults(options.faults ?? [])
    let apiFaults = initial.api
    let faults: Faults = parseFaults(apiFaults)
    let networkUnavailable: string | undefined
    if (options.network) ({network, unavailable: networkUnavailable} = await (await import('./network/index.js')).openNetwork(store, options.dataDir))

    if (initial.network.length > 0 && !network) {
      throw new FaultSyntaxError(`${initial.network.join(', ')}: network faults need the networked sandbox (--network)${networkUnavailable ? `, which cannot run here: ${networkUnavailable}` : ''}.`)
    }

    // ssh2 loads only when nodes get SSH servers; the fleet looks nodes up in the world made next.
    const ssh: (SshHost & {closeAll(): Promise<void>}) | undefined =
      options.ssh === false ? undefined : new (await import('./ssh.js')).SshFleet((cloud, id) => network?.lookup(cloud, id) ?? world.getNode(cloud, id), network)
    /** The data center's SSH server, on its previous port if free. */
    const openDatacenter = async () => {
      if (!network || !ssh) return
      const node = await network.datacenterNode()
      network.datacenterListening(await ssh.open(node, node.ssh!.port))
    }
    const world = new World(store, credentials, settingsFor(options), ssh)
    world.holdBoot = faults.holdBoot
    const creates = new CreateHold()
    const handlers: Record<SandboxCloud, ApiHandler> = {
      ec2: new Ec2Api(world),
      rackspace: new RackspaceApi(world),
      openstack: new OpenStackApi(world),
      linode: new LinodeApi(world),
    }
    const controlToken = randomBytes(24).toString('hex')
    const counts = () => Object.fromEntries(SANDBOX_CLOUDS.map((c) => [c, world.listNodes(c).length])) as Record<SandboxCloud, number>
    const reset = async () => {
      await ssh?.closeAll()
      store.reset()
      world.forgetCache()
      network?.afterReset()
      await openDatacenter()
    }
    const activeFaults = () => [...apiFaults, ...(network?.faultSpecs() ?? [])]
    const addFaults = async (specs: string[]) => {
      const {api, network: onLinks} = splitFaults(specs)
      if (onLinks.length > 0 && !network) throw new FaultSyntaxError(`${onLinks.join(', ')}: network faults need the networked sandbox ("mc sandbox start --network").`)
      const nextApi = [...apiFaults, ...api]
      const parsed = parseFaults(nextApi)
      await network?.addFaults(onLinks)
      apiFaults = nextApi
      faults = parsed
      world.holdBoot = faults.holdBoot
      creates.release(faults.holdCreate)
      return activeFaults()
    }
    const clearFaults = async (specs?: string[]) => {
      const {api, network: onLinks} = splitFaults(specs ?? [])
      await network?.clearFaults(specs === undefined ? undefined : onLinks)
      apiFaults = specs === undefined ? [] : apiFaults.filter((f) => !api.includes(f))
      faults = parseFaults(apiFaults)
      world.holdBoot = faults.holdBoot
      creates.release(faults.holdCreate)
      return activeFaults()
    }

    const control = async (request: SandboxRequest): Promise<SandboxResponse> => {
      if (request.headers['x-sandbox-control'] !== controlToken) return json(403, {error: 'control token required'})
      if (request.path === '/__sandbox/status' && request.method === 'GET') {
        return json(200, {counts: counts(), faults: activeFaults(), network: await network?.describe(), networkUnavailable})
      }
      if (request.path === '/__sandbox/faults' && request.method === 'POST') {
        const body = JSON.parse(request.body || '{}') as {add?: string[]; clear?: string[] | 'all'}
        try {
          if (body.add) await addFaults(body.add)
          if (body.clear) await clearFaults(body.clear === 'all' ? undefined : body.clear)
        } catch (error) {
          if (error instanceof FaultSyntaxError) return json(400, {error: error.message})
          throw error
        }
        return json(200, {faults: activeFaults()})
      }
      if (request.path === '/__sandbox/reset' && request.method === 'POST') {
        await reset()
        return json(200, {reset: true})
      }
      return json(404, {error: 'not found'})
    }

    const serve = async (req: IncomingMessage, res: ServerResponse) => {
      let response: SandboxResponse
      try {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1')
        const rawTarget = req.url ?? '/'
        const q = rawTarget.indexOf('?')
        const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q)
        const rawQuery = q === -1 ? '' : rawTarget.slice(q + 1)
        const body = await readBody(req)
        const base = {method: req.method ?? 'GET', url, rawPath, rawQuery, headers: req.headers, rawHeaders: req.rawHeaders, body}
        if (url.pathname.startsWith('/__sandbox/')) {
          response = await control({...base, path: url.pathname})
        } else {
          const target = mount(url.pathname, handlers)
          if (target) {
            const request: SandboxRequest = {...base, path: target.path}
            const {cloud} = target.handler
            const latency = faults.latencyMs[cloud]
            if (latency) await sleep(latency)
            const throttle = faults.throttle[cloud]
            const regionDown = [...(faults.failRegions[cloud] ?? [])].some((region) => target.path.toLowerCase().includes(`/${region}/`))
            if (faults.fail.has(cloud) || regionDown) response = target.handler.unavailable(request)
            else if (throttle && Math.random() < throttle) response = target.handler.throttled(request) ?? (await target.handler.handle(request))
            else response = await target.handler.handle(request)
            if (faults.holdCreate.has(cloud) && isCreateRequest(cloud, request)) await creates.wait(cloud, faults.holdCreate)
          } else {
            response = json(404, {message: `Nothing is emulated at ${url.pathname}. EC2 is at /, Linode at /v4, OpenStack at /identity, /compute, /image, /network and /volume, Rackspace at /rackspace.`})
          }
        }
      } catch (error) {
        response = json(500, {message: `sandbox internal error: ${(error as Error).message}`})
        process.stderr.write(`mc sandbox: ${(error as Error).stack ?? String(error)}\n`)
      }
      // The emulators write links (the Keystone catalogue, Nova's next links) as http://<Host>; over TLS they are https.
      const body = options.tls && req.headers.host ? response.body.replaceAll(`http://${req.headers.host}`, `https://${req.headers.host}`) : response.body
      const payload = Buffer.from(body)
      res.writeHead(response.status, {...response.headers, 'content-length': payload.length})
      res.end(payload)
    }

    const handler = (req: IncomingMessage, res: ServerResponse) => {
      serve(req, res).catch(() => res.destroy())
    }
    const server: Server = options.tls ? (await import('node:https')).createServer(options.tls, handler) : createServer(handler)
    server.keepAliveTimeout = 5000
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve((server.address() as {port: number}).port)
      })
    })

    try {
      await world.reopenSshServers()
      await openDatacenter()
      await network?.addFaults(initial.network)
      if (options.seedNodes !== undefined) {
        const wanted = typeof options.seedNodes === 'number' ? Object.fromEntries(SANDBOX_CLOUDS.map((c) => [c, options.seedNodes])) : options.seedNodes
        for (const cloud of SANDBOX_CLOUDS) if (wanted[cloud]) seedNodes(store, credentials, cloud, wanted[cloud] as number, world.now())
        // Nova's links carry the client's host, so only its parsing can be done ahead.
        for (const cloud of SANDBOX_CLOUDS) {
          const {warm} = handlers[cloud]
          if (warm) warm.call(handlers[cloud])
          else world.listNodes(cloud)
        }
      }
    } catch (error) {
      await ssh?.closeAll()
      server.close()
      throw error
    }

    const origin = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`
    const endpoints = {ec2: origin, rackspace: `${origin}/rackspace`, openstack: `${origin}/identity/v3`, linode: origin}
    const {ec2, rackspace, openstack, linode} = credentials
    const profile: Record<string, string> = {
      'ec2.endpoint': endpoints.ec2,
      'ec2.accessKeyId': ec2.accessKeyId,
      'ec2.secretAccessKey': ec2.secretAccessKey,
      'ec2.region': ec2.region,
      'rackspace.endpoint': endpoints.rackspace,
      'rackspace.username': rackspace.username,
      'rackspace.apiKey': rackspace.apiKey,
      'rackspace.region': rackspace.region,
      'openstack.endpoint': endpoints.openstack,
      'openstack.username': openstack.username,
      'openstack.password': openstack.password,
      'openstack.projectName': openstack.projectName,
      'openstack.userDomainName': openstack.userDomainName,
      'openstack.projectDomainName': openstack.projectDomainName,
      'openstack.region': openstack.region,
      'linode.endpoint': endpoints.linode,
      'linode.token': linode.token,
      'linode.region': 'us-east',
    }
    let stopped = false
    return {
      endpoints,
      credentials: {
        ec2: {...ec2},
        rackspace: {...rackspace},
        openstack: {
          username: openstack.username,
          password: openstack.password,
          projectName: openstack.projectName,
          userDomainName: openstack.userDomainName,
          projectDomainName: openstack.projectDomainName,
          region: openstack.region,
          projectId: openstack.projectId,
          applicationCredentialId: openstack.applicationCredentialId,
          applicationCredentialSecret: openstack.applicationCredentialSecret,
        },
        linode: {...linode},
      },
      profile,
      port,
      dataDir: options.dataDir,
      controlToken,
      setFaults(specs) {
        faults = parseFaults(specs)
        apiFaults = [...specs]
        world.holdBoot = faults.holdBoot
        creates.release(faults.holdCreate)
      },
      heldCreates: () => creates.counts(),
      addFaults,
      clearFaults,
      network: async () => network?.describe(),
      networkUnavailable,
      reset,
      counts,
      async stop() {
        if (stopped) return
        stopped = true
        creates.release()
        await ssh?.closeAll()
        await network?.stop()
        // Idle keep-alive sockets are ended politely so clients see the close before reusing them.
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
          setTimeout(() => server.closeAllConnections(), 1000).unref()
        })
        store.close()
      },
    }
  } catch (error) {
    await network?.stop()
    store.close()
    throw error
  }
}
