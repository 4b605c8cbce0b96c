import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import type {Node, ProviderName} from '../../src/core/model.js'
import {silentLog} from '../../src/core/log.js'
import {type SandboxHandle, startSandbox} from '../../src/sandbox/index.js'
import {openDriver} from '../../src/services/drivers.js'
import {writeProfile} from '../../src/store/config.js'
import {type Probe, Inventory} from '../../src/store/inventory.js'
import {mcPaths} from '../../src/store/paths.js'

const bin = new URL('../../bin/run.js', import.meta.url).pathname

/** The probe tag mc puts on every node it deploys. */
export const FLEET_TAG = 'mc-fleet'

/**
 * A sandbox on an ephemeral port whose profile "sandbox" is written into this test file's MC_HOME
 * (test/setup.ts gives every file its own), the same MC_HOME the mc child processes get.
 */
export type TestCloud = {handle: SandboxHandle; home: string; env: NodeJS.ProcessEnv; close(): Promise<void>}

export async function openTestCloud(bootDelayMs: number): Promise<TestCloud> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mc-probes-sandbox-'))
  const handle = await startSandbox({port: 0, dataDir, bootDelayMs})
  const home = process.env.MC_HOME!
  writeProfile(mcPaths().configFile, 'sandbox', handle.profile)
  return {
    handle,
    home,
    env: mcEnv(home),
    async close() {
      await handle.stop()
      rmSync(dataDir, {recursive: true, force: true})
    },
  }
}

/** What a CI job gives mc: its home, the sandbox profile, no colour, no prompts, no cloud variables. */
export function mcEnv(home: string, profile = 'sandbox'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env, MC_HOME: home, MC_PROFILE: profile, NO_COLOR: '1', CI: '1'}
  for (const name of Object.keys(env)) if (/^(AWS_|OS_|RAX_|LINODE_|MC_DEBUG$|MC_PROVIDER$|VITEST|NODE_OPTIONS$|NODE_ENV$)/.test(name)) delete env[name]
  return env
}

export type McRun = {code: null | number; signal: NodeJS.Signals | null; stdout: string; stderr: string; json<T = Record<string, unknown>>(): T}

/** A running `node bin/run.js ...` child; `done` settles when it exits. */
export type McChild = {child: ChildProcess; stdout(): string; stderr(): string; done: Promise<McRun>; waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>}

const children = new Set<ChildProcess>()

export function spawnMc(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): McChild {
  const child = spawn(process.execPath, [bin, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
  children.add(child)
  let out = ''
  let err = ''
  const waiters: (() => void)[] = []
  child.stdout!.on('data', (d: Buffer) => {
    out += d
  })
  child.stderr!.on('data', (d: Buffer) => {
    err += d
    for (const wake of waiters) wake()
  })
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const done = new Promise<McRun>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      for (const wake of waiters) wake()
      resolve({
        code,
        signal,
        stdout: out,
        stderr: err,
        json<T>() {
          try {
            return JSON.parse(out) as T
          } catch {
            throw new Error(`mc ${args.join(' ')} printed no JSON (exit ${code}):\n${out}\n${err}`)
          }
        },
      })
    })
  })
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitForStderr(pattern, waitMs = 30_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`mc ${args.join(' ')}: no ${pattern} on stderr within ${waitMs} ms:\n${err}`)), waitMs)
        const check = () => {
          if (pattern.test(err)) {
            clearTimeout(deadline)
            resolve()
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(deadline)
            reject(new Error(`mc ${args.join(' ')} exited before ${pattern} showed on stderr:\n${err}`))
          }
        }
        waiters.push(check)
        check()
      })
    },
  }
}

export function mc(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): Promise<McRun> {
  return spawnMc(args, env, timeoutMs).done
}

/** afterAll: no child may outlive its test file, whatever failed. */
export function killStrayChildren(): void {
  for (const child of children) child.kill('SIGKILL')
  children.clear()
}

/** The inventory's rows, read directly from the file mc writes. */
export function inventoryRows(home: string): Probe[] {
  const inventory = Inventory.open(join(home, 'data'))
  try {
    return inventory.list()
  } finally {
    inventory.close()
  }
}

export type Site = {provider: ProviderName; region: string}

/**
 * Every node the clouds list in the given places that is not terminated, asked through mc's own
 * drivers; once each (Linode lists the whole account whatever the region).
 */
export async function cloudNodes(sites: Site[], profile = 'sandbox'): Promise<Node[]> {
  const lists = await Promise.all(
    sites.map(async ({provider, region}) => {
      const driver = await openDriver(provider, {profile, region, log: silentLog})
      try {
        return await driver.listNodes()
      } finally {
        await driver.close?.()
      }
    }),
  )
  const unique = new Map(lists.flat().map((n) => [`${n.provider}/${n.id}`, n]))
  return [...unique.values()].filter((n) => n.state !== 'terminated')
}

/** Nodes that carry mc's probe tags. */
export function probeNodes(nodes: Node[], fleet?: string): Node[] {
  return nodes.filter((n) => n.tags[FLEET_TAG] !== undefined && (fleet === undefined || n.tags[FLEET_TAG] === fleet))
}

/** States in which a node still runs (or is about to); EC2 reports a terminating instance as stopping. */
export const ALIVE = new Set(['pending', 'starting', 'running', 'rebooting', 'unknown'])

/** `--at provider:region` for each site. */
export function atFlags(sites: Site[]): string[] {
  return sites.flatMap((s) => ['--at', `${s.provider}:${s.region}`])
}
