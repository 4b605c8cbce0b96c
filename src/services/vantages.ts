import {ValidationError} from '../core/errors.js'
import type {DebugLog} from '../core/log.js'
import {LocalExecutor} from '../ssh/local.js'
import type {SshPool} from '../ssh/pool.js'
import type {Executor} from '../checks/executor.js'
import type {Inventory, Probe} from '../store/inventory.js'
import {PersistentExecutor} from './persistent-executor.js'
import {adoptedKeyFiles, openProbePool, type PassphrasePrompt, sshTarget} from './probe-session.js'

export type Vantages = {executors: Executor[]; probes: Probe[]; pool: SshPool; close(): Promise<void>}

export type VantageOptions = {
  /** Keep reconnecting to a probe whose handshake timed out or whose connection dropped until then (epoch ms). */
  reconnectUntil?: number
  /** Why this machine must not be a vantage point for these targets: `all` then leaves it out (with a warning), `local` is refused. */
  localRefusal?: string
  /** Where the warning goes when `all` leaves this machine out. */
  warn?: (message: string) => void
}

function probeExecutor(pool: SshPool, probe: Probe, options: VantageOptions): Executor {
  const target = sshTarget(probe)
  if (options.reconnectUntil === undefined) return pool.executor(target)
  // The pool keeps one executor per name, and a failed one stays failed: each attempt gets its own.
  return new PersistentExecutor(
    probe.name,
    (attempt) => pool.executor(attempt === 0 ? target : {...target, name: `${probe.name} (connection ${attempt + 1})`}),
    options.reconnectUntil,
  )
}

/**
 * `--from all` is this machine plus every ready probe; `local` is this machine; anything else names
 * probes. Host keys are checked strictly: deploy and add recorded them.
 */
export function openVantages(from: string[], inventory: Inventory, dataDir: string, log: DebugLog, passphrase?: PassphrasePrompt, options: VantageOptions = {}): Vantages {
  const names = from
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter(Boolean)
  const wanted = names.length === 0 ? ['all'] : names
  const all = wanted.includes('all')
  const ready = inventory.list().filter((p) => p.state === 'ready' && p.host)
  const probes = all ? ready : wanted.filter((n) => n !== 'local').map((n) => inventory.get(n))
  for (const probe of probes) {
    if (!probe.host) throw new ValidationError(`Probe ${probe.name} has no address yet (state ${probe.state}); deploy it again or destroy it.`)
  }

  let local = all || wanted.includes('local')
  if (local && options.localRefusal) {
    if (wanted.includes('local')) throw new ValidationError(`--from local: ${options.localRefusal}.`)
    options.warn?.(`Left out this machine (local): ${options.localRefusal}.`)
    local = false
  }

  const pool = openProbePool({dataDir, log, extraKeyFiles: adoptedKeyFiles(probes), passphrase})
  const executors: Executor[] = [...(local ? [new LocalExecutor()] : []), ...probes.map((p) => probeExecutor(pool, p, options))]
  return {executors, probes, pool, close: () => pool.close()}
}
