import {randomBytes} from 'node:crypto'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {setTimeout as sleep} from 'node:timers/promises'

import {emulator, EMULATORS, SANDBOX_CLOUDS} from './clouds.js'
import {type Faults, FaultSyntaxError, parseFaults} from './faults.js'
import {CreateHold} from './holds.js'
import {type ApiHandler, json, type SandboxRequest, type SandboxResponse} from './http.js'
import {splitFaults} from './network/faults.js'
import type {NetworkDescription, SandboxNetwork} from './network/index.js'
import {seedNodes} from './seed.js'
import {SandboxStore} from './store.js'
import type {SandboxCloud, SandboxCredentials} from './types.js'
import {type SshHost, World} from './world.js'

export {SANDBOX_CLOUDS} from './clouds.js'
export {FaultSyntaxError} from './faults.js'
export type {SandboxCloud} from './types.js'

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
  endpoints: Record<SandboxCloud, string>
  credentials: SandboxCredentials
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

function newCredentials(): SandboxCredentials {
  return Object.fromEntries(EMULATORS.map((e) => [e.cloud, e.newCredentials()])) as unknown as SandboxCredentials
}

/** Credentials are made once per data dir and kept across restarts and resets. */
function loadCredentials(store: SandboxStore): SandboxCredentials {
  const saved = store.getMeta(CREDENTIALS_KEY)
  // A data dir made before a cloud was added gets that cloud's credentials, the others stay.
  const credentials = {...newCredentials(), ...(saved ? (JSON.parse(saved) as Partial<SandboxCredentials>) : {})}
  if (!saved || Object.keys(JSON.parse(saved) as object).length < EMULATORS.length) store.setMeta(CREDENTIALS_KEY, JSON.stringify(credentials))
  return credentials
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
  for (const e of EMULATORS) {
    const below = e.mount(path)
    if (below !== undefined) return {handler: handlers[e.cloud], path: below}
  }
  return undefined
}

function settingsFor(options: SandboxOptions) {
  return {bootDelayMs: options.bootDelayMs ?? 2000, terminatedTtlMs: options.terminatedTtlMs ?? 3_600_000, clock: options.clock}
}

/**
 * Start the sandbox: one HTTP server on 127.0.0.1 for every cloud's emulator (clouds.ts), plus an SSH
 * server per node. State lives in SQLite under `dataDir`.
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
      throw new FaultSyntaxError(
        `${initial.network.join(', ')}: network faults need the networked sandbox (--network)${networkUnavailable ? `, which cannot run here: ${networkUnavailable}` : ''}.`,
      )
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
    const handlers = Object.fromEntries(await Promise.all(EMULATORS.map(async (e) => [e.cloud, await e.api(world)]))) as Record<SandboxCloud, ApiHandler>
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
            if (faults.holdCreate.has(cloud) && emulator(cloud).isCreateRequest(request)) await creates.wait(cloud, faults.holdCreate)
          } else {
            response = json(404, {message: `Nothing is emulated at ${url.pathname}. ${EMULATORS.map((e) => `${e.cloud} is at ${e.mountedAt}`).join(', ')}.`})
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
    const endpoints = Object.fromEntries(EMULATORS.map((e) => [e.cloud, e.endpoint(origin)])) as Record<SandboxCloud, string>
    const profile: Record<string, string> = Object.assign({}, ...EMULATORS.map((e) => e.profile(endpoints[e.cloud], credentials[e.cloud])))
    let stopped = false
    return {
      endpoints,
      credentials: structuredClone(credentials),
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
