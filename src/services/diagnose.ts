import {evidenceFromResults} from '../analysis/evidence.js'
import {triangulate} from '../analysis/triangulate.js'
import type {Verdict} from '../analysis/types.js'
import type {CheckDefinition, CheckResult} from '../checks/types.js'
import type {DebugLog} from '../core/log.js'
import {CheckHistory} from '../store/history.js'
import {runCheckSuite} from './check-run.js'
import type {PassphrasePrompt} from './probe-session.js'

export type DiagnoseRequest = {
  targets: string[]
  from: string[]
  /** mtr rounds and ping echoes per vantage point; see DEFAULT_ROUNDS. */
  count: number
  /** Reuse ping/path results this fresh (seconds) from the history instead of measuring again. */
  maxAgeS?: number
  log: DebugLog
  passphrase?: PassphrasePrompt
  signal?: AbortSignal
  onResult?: (result: CheckResult) => void
}

export type DiagnoseResult = {runId?: number; reused: boolean; verdicts: Verdict[]; results: CheckResult[]}

/**
 * 50 rounds: a link dropping 30 % loses 15 ± 3 probes, far over the 10 % loss threshold, while one
 * lost probe (2 %) stays under it. Fewer rounds make verdicts noisy; more cost seconds per target.
 */
export const DEFAULT_ROUNDS = 50

/** check_ping sends one echo a second: ten say whether the target answers without costing the run a minute. */
const PING_COUNT = 10

/** The path carries the verdict (every hop, `count` rounds); ping confirms reachability. */
export function diagnosisChecks(targets: string[], count: number): CheckDefinition[] {
  return targets.flatMap((target) => [
    {kind: 'ping' as const, target, count: Math.min(count, PING_COUNT)},
    {kind: 'path' as const, target, count},
  ])
}

/** Fresh ping and path results from the history for every target, or undefined when any is missing. */
export function fromHistory(targets: string[], maxAgeS: number): CheckResult[] | undefined {
  const history = CheckHistory.open()
  try {
    const since = new Date(Date.now() - maxAgeS * 1000).toISOString()
    const results: CheckResult[] = []
    for (const target of targets) {
      const recent = history.series({target, since})
      const latest = new Map<string, CheckResult>()
      for (const r of recent) if ((r.kind === 'ping' || r.kind === 'path') && !latest.has(`${r.vantage}/${r.kind}`)) latest.set(`${r.vantage}/${r.kind}`, r)
      if (![...latest.values()].some((r) => r.kind === 'path')) return undefined
      results.push(...latest.values())
    }

    return results
  } finally {
    history.close()
  }
}

/** One verdict per target, from every vantage point's ping and path checks. */
export async function diagnose(request: DiagnoseRequest): Promise<DiagnoseResult> {
  const reused = request.maxAgeS ? fromHistory(request.targets, request.maxAgeS) : undefined
  if (reused) return {reused: true, results: reused, verdicts: request.targets.map((t) => triangulate(t, evidenceFromResults(t, reused)))}
  const run = await runCheckSuite({
    definitions: diagnosisChecks(request.targets, request.count),
    from: request.from,
    log: request.log,
    passphrase: request.passphrase,
    signal: request.signal,
    onResult: request.onResult,
    meta: {diagnose: true},
  })
  return {runId: run.runId, reused: false, results: run.results, verdicts: verdictsFor(request.targets, run.results)}
}

export function verdictsFor(targets: string[], results: CheckResult[]): Verdict[] {
  return targets.map((t) => triangulate(t, evidenceFromResults(t, results)))
}
