import {spawn} from 'node:child_process'
import {BlockList, isIPv4} from 'node:net'
import {closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath, pathToFileURL} from 'node:url'

import {ConfigError, InterruptedError, McError, TimeoutError, ValidationError} from '../core/errors.js'
import {httpRequest} from '../core/http.js'
import {silentLog} from '../core/log.js'
import {writeFileAtomic} from '../store/atomic-write.js'
import {writeProfile} from '../store/config.js'
import {processAlive} from '../store/file-lock.js'
import {mcPaths} from '../store/paths.js'
import type {SandboxCloud} from './types.js'
import type {SandboxHandle, SandboxOptions} from './index.js'
import type {NetworkDescription} from './network/index.js'
import {SANDBOX_NETWORK_RANGES} from './network/topology.js'

/**
 * Running the sandbox as a service of the CLI: in the foreground, or detached as a child process
 * with a pidfile in the sandbox data dir; status, stop (by that PID, waiting for the exit) and reset.
 */

export const SANDBOX_PROFILE = 'sandbox'

export interface SandboxRunOptions {
  dataDir?: string
  /** Undefined: the port of the previous run if free, else an ephemeral one. */
  port?: number
  bootDelayMs?: number
  faults?: string[]
  seedNodes?: number
  ssh?: boolean
  /** Nodes in network namespaces (see src/sandbox/network); loopback, with the reason, where impossible. */
  network?: boolean
}

/** What a running sandbox writes to state.json (mode 0600: it holds credentials). */
export interface SandboxState {
  pid: number
  port: number
  startedAt: string
  dataDir: string
  profile: string
  faults: string[]
  endpoints: SandboxHandle['endpoints']
  credentials: SandboxHandle['credentials']
  controlToken: string
  /** The address ranges of the networked sandbox, when it runs with one (see localVantageRefusal). */
  networkRanges?: string[]
}

export interface SandboxStatus {
  running: boolean
  dataDir: string
  profile: string
  pid?: number
  port?: number
  startedAt?: string
  faults?: string[]
  endpoints?: SandboxHandle['endpoints']
  credentials?: SandboxHandle['credentials']
  /** Live nodes per emulated cloud. */
  nodes?: Record<SandboxCloud, number>
  /** The networked sandbox's target, transit, data center login, sites and link faults. */
  network?: NetworkDescription
  /** Why --network fell back to loopback. */
  networkUnavailable?: string
}

export class SandboxRunningError extends McError {
  override readonly exitCode = 1
  override readonly code = 'SANDBOX_RUNNING'
}

export function defaultSandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(mcPaths(env).dataDir, 'sandbox')
}

function files(dataDir: string) {
  return {pid: join(dataDir, 'sandbox.pid'), state: join(dataDir, 'state.json'), log: join(dataDir, 'sandbox.log'), port: join(dataDir, 'last-port')}
}

/** The PID in the pidfile if that process is alive and is a sandbox (a recycled PID is not). */
export function runningPid(dataDir: string): number | undefined {
  let pid: number
  try {
    pid = Number(readFileSync(files(dataDir).pid, 'utf8').trim())
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return undefined
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
    if (!cmdline.includes('sandbox')) return undefined
  } catch {
    // No /proc (not Linux): trust the live PID.
  }
  return pid
}

function readState(dataDir: string): SandboxState | undefined {
  try {
    return JSON.parse(readFileSync(files(dataDir).state, 'utf8')) as SandboxState
  } catch {
    return undefined
  }
}

/** Claim the pidfile for this process; refuse when another live sandbox holds it. */
function claimPidfile(dataDir: string): void {
  const path = files(dataDir).pid
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeFileSync(fd, `${process.pid}\n`)
      closeSync(fd)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const other = runningPid(dataDir)
      if (other !== undefined && other !== process.pid) {
        throw new SandboxRunningError(`A sandbox is already running (pid ${other}) with data dir ${dataDir}. Stop it with "mc sandbox stop".`)
      }
      rmSync(path, {force: true})
    }
  }
  throw new SandboxRunningError(`Could not claim ${path}: another sandbox is starting with the same data dir.`)
}

/**
 * Start the sandbox in this process: pidfile, state file and the mc profile "sandbox". Resolves
 * once it answers; `stop()` undoes all of it but the profile.
 */
export async function runSandbox(options: SandboxRunOptions, env: NodeJS.ProcessEnv = process.env): Promise<{handle: SandboxHandle; state: SandboxState; stop(): Promise<void>}> {
  const dataDir = options.dataDir ?? defaultSandboxDir(env)
  mkdirSync(dataDir, {recursive: true, mode: 0o700})
  claimPidfile(dataDir)
  const paths = files(dataDir)
  const ours = () => {
    try {
      return readFileSync(paths.pid, 'utf8').trim() === String(process.pid)
    } catch {
      return false
    }
  }
  const cleanup = () => {
    rmSync(paths.state, {force: true})
    if (ours()) rmSync(paths.pid, {force: true})
  }
  let handle: SandboxHandle
  try {
    const {startSandbox} = await import('./index.js')
    const sandboxOptions: SandboxOptions = {
      dataDir,
      bootDelayMs: options.bootDelayMs,
      faults: options.faults,
      ssh: options.ssh,
      seedNodes: options.seedNodes,
      network: options.network,
    }
    handle = await startOnPort(sandboxOptions, options.port, paths.port, startSandbox)
    writeFileSync(paths.port, `${handle.port}\n`)
    writeProfile(mcPaths(env).configFile, SANDBOX_PROFILE, handle.profile)
  } catch (error) {
    cleanup()
    throw error
  }
  const state: SandboxState = {
    pid: process.pid,
    port: handle.port,
    startedAt: new Date().toISOString(),
    dataDir,
    profile: SANDBOX_PROFILE,
    faults: options.faults ?? [],
    endpoints: handle.endpoints,
    credentials: handle.credentials,
    controlToken: handle.controlToken,
    ...(handle.networkUnavailable === undefined && options.network ? {networkRanges: [...SANDBOX_NETWORK_RANGES]} : {}),
  }
  writeFileAtomic(paths.state, JSON.stringify(state, null, 2) + '\n', 0o600)
  return {
    handle,
    state,
    async stop() {
      await handle.stop()
      cleanup()
    },
  }
}

async function startOnPort(options: SandboxOptions, port: number | undefined, lastPortFile: string, start: (o: SandboxOptions) => Promise<SandboxHandle>): Promise<SandboxHandle> {
  if (port !== undefined) {
    try {
      return await start({...options, port})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new ValidationError(`Port ${port} on 127.0.0.1 is in use. Pick another with --port, or --port 0 for any free one.`)
      throw error
    }
  }
  const last = Number(existsSync(lastPortFile) ? readFileSync(lastPortFile, 'utf8').trim() : Number.NaN)
  if (Number.isInteger(last) && last > 0) {
    try {
      return await start({...options, port: last})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
  return start({...options, port: 0})
}

/** The detached child: this module's sibling daemon entry, run by the same Node (with tsx from sources). */
function daemonCommand(): string[] {
  const self = import.meta.url
  if (self.endsWith('.ts')) {
    const tsx = createRequire(self).resolve('tsx')
    return ['--import', pathToFileURL(tsx).href, fileURLToPath(new URL('daemon.ts', self))]
  }
  return [fileURLToPath(new URL('daemon.js', self))]
}

/** Start a detached sandbox and wait until its state file says it answers. */
export async function startDetached(options: SandboxRunOptions, env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): Promise<SandboxState> {
  const dataDir = options.dataDir ?? defaultSandboxDir(env)
  mkdirSync(dataDir, {recursive: true, mode: 0o700})
  const existing = runningPid(dataDir)
  if (existing !== undefined) throw new SandboxRunningError(`A sandbox is already running (pid ${existing}) with data dir ${dataDir}. Stop it with "mc sandbox stop".`)
  const paths = files(dataDir)
  rmSync(paths.state, {force: true})
  const log = openSync(paths.log, 'a', 0o600)
  const child = spawn(process.execPath, [...daemonCommand(), JSON.stringify({...options, dataDir})], {
    detached: true,
    stdio: ['ignore', log, log],
    env,
  })
  closeSync(log)
  let exited: number | null | undefined
  child.on('exit', (code) => {
    exited = code
  })
  child.unref()
  // Interrupted while it starts (Ctrl-C): nobody would know its PID yet, so it goes, with its namespaces.
  const interruption: {signal?: NodeJS.Signals} = {}
  const onSignal = (signal: NodeJS.Signals) => {
    interruption.signal = signal
  }
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal)
  try {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline && !interruption.signal) {
      const state = readState(dataDir)
      if (state && state.pid === child.pid) return state
      if (exited !== undefined) {
        const tail = readFileSync(paths.log, 'utf8').trim().split('\n').slice(-5).join('\n')
        throw new McError(`The sandbox failed to start (exit ${exited}). Log ${paths.log}:\n${tail}`)
      }
      await sleep(50)
    }
  } finally {
    for (const signal of STOP_SIGNALS) process.off(signal, onSignal)
  }
  if (child.pid !== undefined) killGroup(child.pid)
  if (interruption.signal) throw new InterruptedError(`Interrupted (${interruption.signal}) while the sandbox started; it was stopped.`)
  throw new TimeoutError(`The sandbox did not answer within ${timeoutMs / 1000}s; see ${paths.log}.`)
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** SIGKILL the daemon's whole process group (it leads one), so no command it ran survives. */
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Stop the sandbox recorded in the pidfile: SIGTERM, wait, then SIGKILL its process group. */
export async function stopSandbox(dataDir: string, timeoutMs = 10_000): Promise<{stopped: boolean; pid?: number}> {
  const pid = runningPid(dataDir)
  const paths = files(dataDir)
  if (pid === undefined) {
    rmSync(paths.pid, {force: true})
    rmSync(paths.state, {force: true})
    return {stopped: false}
  }
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + timeoutMs
  while (processAlive(pid) && Date.now() < deadline) await sleep(50)
  if (processAlive(pid)) {
    killGroup(pid)
    while (processAlive(pid)) await sleep(20)
  }
  rmSync(paths.pid, {force: true})
  rmSync(paths.state, {force: true})
  return {stopped: true, pid}
}

async function controlRequest(state: SandboxState, method: string, path: string, body?: unknown): Promise<unknown> {
  // Straight to loopback whatever *_PROXY says.
  const res = await httpRequest(
    {
      method,
      url: `http://127.0.0.1:${state.port}/__sandbox/${path}`,
      headers: {'x-sandbox-control': state.controlToken, ...(body === undefined ? {} : {'content-type': 'application/json'})},
      body: body === undefined ? undefined : JSON.stringify(body),
      timeoutMs: 30_000,
      network: {env: {}},
    },
    silentLog,
  )
  if (res.status === 400) throw new ValidationError((res.json as {error: string}).error)
  if (res.status < 200 || res.status >= 300) throw new McError(`The sandbox answered ${res.status} to ${path}.`)
  return res.json
}

export class SandboxNotRunningError extends McError {
  override readonly exitCode = 1
  override readonly code = 'SANDBOX_NOT_RUNNING'
}

/** Add or clear faults of the running sandbox; resolves with the faults active afterwards. */
export async function changeFaults(dataDir: string, change: {add?: string[]; clear?: string[] | 'all'}): Promise<string[]> {
  const pid = runningPid(dataDir)
  const state = pid === undefined ? undefined : readState(dataDir)
  if (!state || state.pid !== pid) throw new SandboxNotRunningError(`mc sandbox is not running (data dir ${dataDir}). Start it with "mc sandbox start --detach".`)
  const {faults} = (await controlRequest(state, 'POST', 'faults', change)) as {faults: string[]}
  return faults
}

export async function sandboxStatus(dataDir: string): Promise<SandboxStatus> {
  const pid = runningPid(dataDir)
  const state = pid === undefined ? undefined : readState(dataDir)
  if (!state || state.pid !== pid) return {running: false, dataDir, profile: SANDBOX_PROFILE}
  const live = (await controlRequest(state, 'GET', 'status')) as {
    counts: Record<SandboxCloud, number>
    faults: string[]
    network?: NetworkDescription
    networkUnavailable?: string
  }
  return {
    running: true,
    dataDir,
    profile: state.profile,
    pid,
    port: state.port,
    startedAt: state.startedAt,
    faults: live.faults,
    endpoints: state.endpoints,
    credentials: state.credentials,
    nodes: live.counts,
    ...(live.network ? {network: live.network} : {}),
    ...(live.networkUnavailable ? {networkUnavailable: live.networkUnavailable} : {}),
  }
}

/** Clear nodes, keys and tokens: through the running sandbox, or by removing its database. */
export async function resetSandbox(dataDir: string): Promise<{running: boolean}> {
  const pid = runningPid(dataDir)
  const state = pid === undefined ? undefined : readState(dataDir)
  if (state && state.pid === pid) {
    await controlRequest(state, 'POST', 'reset')
    return {running: true}
  }
  if (!existsSync(dataDir)) return {running: false}
  const {SandboxStore} = await import('./store.js')
  let store
  try {
    store = new SandboxStore(dataDir)
  } catch (error) {
    throw new ConfigError(`Cannot open the sandbox database in ${dataDir}: ${(error as Error).message}`)
  }
  try {
    store.reset()
  } finally {
    store.close()
  }
  return {running: false}
}

/**
 * Why this machine (the `local` vantage point) must not probe these targets, or undefined. The
 * networked sandbox's addresses exist only inside its namespaces: from this machine's own namespace a
 * ping or trace to one would leave through the real default route, towards whoever holds that private
 * address on the real network. The sandbox's data center vantage point stands for this machine there.
 */
export function localVantageRefusal(targets: string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dataDir = defaultSandboxDir(env)
  if (runningPid(dataDir) === undefined) return undefined
  const ranges = readState(dataDir)?.networkRanges
  if (!ranges?.length) return undefined
  const blocks = new BlockList()
  for (const range of ranges) {
    const [network, prefix] = range.split('/')
    blocks.addSubnet(network, Number(prefix), 'ipv4')
  }
  const inside = targets.filter((t) => isIPv4(t) && blocks.check(t, 'ipv4'))
  if (inside.length === 0) return undefined
  return `${inside.join(', ')} ${inside.length === 1 ? 'is' : 'are'} inside the networked sandbox, which this machine's own network cannot reach; use its data center vantage point ("mc sandbox status" prints the "mc probe add" line) instead of local`
}
