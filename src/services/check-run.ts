import {isVantageFailure, runChecks, type RunChecksOptions} from '../checks/run.js'
import type {CheckDefinition, CheckResult} from '../checks/types.js'
import {ExitCode, type ProviderFailure} from '../core/errors.js'
import type {DebugLog} from '../core/log.js'
import {CheckHistory} from '../store/history.js'
import {Inventory} from '../store/inventory.js'
import {mcPaths} from '../store/paths.js'
import type {PassphrasePrompt} from './probe-session.js'
import {openVantages, type Vantages} from './vantages.js'

export type CheckRunRequest = {
  definitions: CheckDefinition[]
  from: string[]
  tools?: 'auto' | 'plugins' | 'portable'
  log: DebugLog
  /** Asks for encrypted keys' passphrases (a terminal prompt), else such keys are skipped. */
  passphrase?: PassphrasePrompt
  signal?: AbortSignal
  onResult?: (result: CheckResult) => void
  /** Stored with the run, to find it later (the flags it ran with). */
  meta?: Record<string, unknown>
  /** Why this machine must not check these targets (localVantageRefusal): `all` leaves it out, `local` is refused. */
  localRefusal?: string
  warn?: (message: string) => void
}

export type CheckRunResult = {runId: number; vantages: string[]; results: CheckResult[]}

/** `stop`, `onOutput` and `onResult` (every result, recorded or not) as runChecks takes them (a diagnosis that stops once its verdict is settled). */
export type SessionRunOptions = {record?: boolean} & Pick<RunChecksOptions, 'stop' | 'onOutput' | 'onResult'>

/** Vantage points held open for several rounds of checks, every result stored in one history run as it arrives. */
export type CheckSession = {
  runId: number
  vantages: string[]
  /** `record: false` for checks that only steer the session (a port probe): neither stored nor reported. */
  run(definitions: CheckDefinition[], options?: SessionRunOptions): Promise<CheckResult[]>
  /** Store and report results run with `record: false` after all, once they turned out to matter. */
  record(results: CheckResult[]): void
  close(): Promise<void>
}

/** One SSH connection per probe for the whole session: a diagnosis that traces twice pays one handshake. */
export function openCheckSession(request: Omit<CheckRunRequest, 'definitions'> & {checks?: number; reconnectUntil?: number}): CheckSession {
  const {dataDir} = mcPaths()
  const inventory = Inventory.open(dataDir)
  const history = CheckHistory.open()
  let vantages: Vantages
  try {
    vantages = openVantages(request.from, inventory, dataDir, request.log, request.passphrase, {
      reconnectUntil: request.reconnectUntil,
      localRefusal: request.localRefusal,
      warn: request.warn,
    })
  } catch (error) {
    history.close()
    inventory.close()
    throw error
  }

  const runId = history.startRun({from: request.from, checks: request.checks ?? 0, ...request.meta})
  const keep = (result: CheckResult) => {
    history.addResults(runId, [result])
    request.onResult?.(result)
  }

  return {
    runId,
    vantages: vantages.executors.map((e) => e.vantage),
    run: (definitions, {record = true, stop, onOutput, onResult} = {}) =>
      runChecks(vantages.executors, definitions, {
        tools: request.tools,
        signal: request.signal,
        stop,
        onOutput,
        onResult(result) {
          onResult?.(result)
          if (record) keep(result)
        },
      }),
    record(results) {
      for (const result of results) keep(result)
    },
    async close() {
      try {
        history.finishRun(runId)
        await vantages.close()
      } finally {
        history.close()
        inventory.close()
      }
    },
  }
}

/** A refused login or host key needs a person (3); a handshake that timed out is 8; anything else a partial run (5). */
function vantageExitCode(code: string): number {
  if (code === 'AUTH' || code.startsWith('HOST_KEY_')) return ExitCode.auth
  if (code === 'TIMEOUT') return ExitCode.timeout
  return ExitCode.partial
}

/**
 * The vantage points a run could not use, one failure each, with the exit code it calls for: the
 * vantages' code when they agree, else 5.
 */
export function vantageFailures(results: CheckResult[]): {failures: ProviderFailure[]; exitCode: number} {
  const byVantage = new Map<string, ProviderFailure>()
  for (const result of results) {
    if (!isVantageFailure(result) || byVantage.has(result.vantage)) continue
    const {code, message} = result.error!
    byVantage.set(result.vantage, {provider: result.vantage, code, exitCode: vantageExitCode(code), message})
  }
  const failures = [...byVantage.values()]
  const codes = new Set(failures.map((f) => f.exitCode))
  if (codes.size === 0) return {failures, exitCode: ExitCode.ok}
  return {failures, exitCode: codes.size === 1 ? failures[0].exitCode : ExitCode.partial}
}

/**
 * Run every check from every vantage point (one SSH connection per probe, channels in parallel)
 * and store each result in the history as it arrives, so an interrupted run keeps what it measured.
 */
export async function runCheckSuite(request: CheckRunRequest): Promise<CheckRunResult> {
  const session = openCheckSession({...request, checks: request.definitions.length})
  try {
    const results = await session.run(request.definitions)
    return {runId: session.runId, vantages: session.vantages, results}
  } finally {
    await session.close()
  }
}
