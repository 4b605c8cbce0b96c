import type {Verdict} from '../analysis/types.js'
import {runChecks, unknownResult} from '../checks/run.js'
import type {CheckDefinition, CheckResult} from '../checks/types.js'
import {validateCheck} from '../checks/validate.js'
import {TimeoutError, toMcError} from '../core/errors.js'
import type {DebugLog} from '../core/log.js'
import {renderDiagnosisMetrics, renderFamilies, renderProbe} from '../output/exporter-metrics.js'
import type {Executor} from '../checks/executor.js'
import {CheckHistory} from '../store/history.js'
import {Inventory} from '../store/inventory.js'
import {mcPaths} from '../store/paths.js'
import type {CheckSession} from './check-run.js'
import {diagnoseOver, fromHistory, verdictsFor} from './diagnose.js'
import {type AllowList, RefusedRequest, resolveDiagnose, resolveProbe} from './exporter-allow.js'
import {ExporterStats} from './exporter-stats.js'
import {openVantages, type Vantages} from './vantages.js'

export type ExporterOptions = {
  allow: AllowList
  log: DebugLog
  /** Seconds kept free of the scrape timeout for the answer to travel (blackbox_exporter's --timeout-offset). */
  timeoutOffsetS: number
  /** When Prometheus sends no X-Prometheus-Scrape-Timeout-Seconds (curl, another scraper). */
  defaultTimeoutS: number
  /** A stored verdict older than this (seconds) is measured again. */
  maxAgeS: number
  /**
   * A fixed number of mtr rounds (and up to five pings) per vantage point of a diagnosis. Without it
   * a diagnosis stops once its verdict is settled (the sequential test of `mc check diagnose`) or at
   * the scrape's time budget, whichever comes first.
   */
  diagnoseCount?: number
  tools?: 'auto' | 'plugins' | 'portable'
  /**
   * Why this machine ("local") must not check these targets (the networked sandbox's addresses, see
   * localVantageRefusal): /probe from local is refused with it, /diagnose leaves local out.
   */
  localRefusal?: (targets: string[]) => string | undefined
}

export type Answer = {status: number; body: string}

type Diagnosis = {verdict: Verdict; measuredAt: number}

/**
 * The exporter's work, apart from HTTP: one SSH connection per probe for its whole life (the pool
 * of `mc check run`), every request checked against the allow-list and the checks' own validation
 * before a command is built, every result stored in one history run, and every answer ready before
 * the scrape timeout.
 */
export class Exporter {
  readonly stats = new ExporterStats()
  private readonly executors: Map<string, Executor>
  private readonly diagnoses = new Map<string, Diagnosis>()
  private readonly diagnosing = new Map<string, Promise<Diagnosis>>()
  private readonly shutdown = new AbortController()

  private readonly options: ExporterOptions
  private readonly vantageSet: Vantages
  private readonly inventory: Inventory
  private readonly history: CheckHistory
  private readonly meta: Record<string, unknown>
  /** The history run, started with the first result: an exporter that never served leaves none. */
  private runId?: number

  private constructor(parts: {options: ExporterOptions; vantages: Vantages; inventory: Inventory; history: CheckHistory; meta: Record<string, unknown>}) {
    this.options = parts.options
    this.vantageSet = parts.vantages
    this.inventory = parts.inventory
    this.history = parts.history
    this.meta = parts.meta
    this.executors = new Map(parts.vantages.executors.map((e) => [e.vantage, e]))
  }

  /** Vantage points: this machine ("local") and every probe that was ready when the exporter started. */
  static open(options: ExporterOptions, meta: Record<string, unknown> = {}): Exporter {
    const {dataDir} = mcPaths()
    const inventory = Inventory.open(dataDir)
    const history = CheckHistory.open()
    // Encrypted keys cannot be asked for in a daemon: such probes answer UNKNOWN with the reason.
    const vantages = openVantages(['all'], inventory, dataDir, options.log)
    return new Exporter({options, vantages, inventory, history, meta})
  }

  get vantages(): string[] {
    return [...this.executors.keys()]
  }

  /** The scrape's time budget in ms: Prometheus's timeout less the offset, or half of a timeout too short for that. */
  budgetMs(scrapeTimeoutHeader: string | undefined): number {
    const sent = Number(scrapeTimeoutHeader)
    const timeoutS = scrapeTimeoutHeader !== undefined && Number.isFinite(sent) && sent > 0 ? Math.min(sent, 600) : this.options.defaultTimeoutS
    const offsetS = Math.min(this.options.timeoutOffsetS, timeoutS / 2)
    return Math.round((timeoutS - offsetS) * 1000)
  }

  async probe(query: URLSearchParams, budgetMs: number): Promise<Answer> {
    const started = performance.now()
    const {definition, vantage} = resolveProbe(this.options.allow, singleValues(query, ['target', 'check', 'from']), this.vantages)
    const refusal = vantage === 'local' ? this.options.localRefusal?.([definition.target]) : undefined
    if (refusal) throw new RefusedRequest(`Vantage point "local" may not check ${definition.target}: ${refusal}.`)
    const check = fitToBudget(definition, budgetMs)
    const result = await this.runWithin(this.executors.get(vantage)!, check, started + budgetMs)
    this.store([result])
    return {status: 200, body: renderProbe(result, (performance.now() - started) / 1000)}
  }

  /**
   * The check, or an UNKNOWN result saying it did not finish in time: a late answer is a failed
   * scrape in Prometheus, while this one says which check overran. The command is stopped either way.
   */
  private async runWithin(executor: Executor, check: CheckDefinition, deadline: number): Promise<CheckResult> {
    const started = performance.now()
    const controller = new AbortController()
    const signal = AbortSignal.any([controller.signal, this.shutdown.signal])
    let timer: NodeJS.Timeout | undefined
    const overrun = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - performance.now()))
    })
    const run = runChecks([executor], [check], {tools: this.options.tools, signal}).then(([r]) => r)
    try {
      const result = await Promise.race([run, overrun])
      if (result) return result
      controller.abort(new TimeoutError('scrape timeout'))
      run.catch(() => {})
      return unknownResult(
        executor.vantage,
        check,
        new TimeoutError(
          `The check did not finish within the scrape timeout (${Math.round((deadline - performance.now()) / 1000)} s left); raise scrape_timeout or lower the check's count/timeout.`,
        ),
        {started},
      )
    } catch (error) {
      return unknownResult(executor.vantage, check, toMcError(error), {started})
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * The latest verdict on a target. A stored one (this exporter's or `mc check diagnose`'s, in the
   * history) younger than --max-age answers at once; else a diagnosis starts (one per target at a
   * time), measuring until its verdict is settled or the scrape's budget (less diagnose.ts's
   * STOP_MARGIN_MS, for stopping and judging) is spent, so that the answer carries it. Should it still be running at
   * the budget (a fixed --diagnose-count, a slow probe), the answer says so, with the previous
   * verdict if there is one; the next scrape gets the new one.
   */
  async diagnose(query: URLSearchParams, budgetMs: number): Promise<Answer> {
    const target = resolveDiagnose(this.options.allow, singleValues(query, ['target']).target)
    const now = Date.now()
    let known = this.diagnoses.get(target)
    if (!known || now - known.measuredAt > this.options.maxAgeS * 1000) {
      const stored = fromHistory([target], this.options.maxAgeS)
      if (stored) {
        known = {verdict: verdictsFor([target], stored)[0], measuredAt: Math.min(...stored.map((r) => Date.parse(r.at)))}
        this.diagnoses.set(target, known)
      }
    }
    if (known && now - known.measuredAt <= this.options.maxAgeS * 1000) {
      return {status: 200, body: renderDiagnosisMetrics({verdict: known.verdict, ageS: (now - known.measuredAt) / 1000, running: this.diagnosing.has(target)})}
    }
    const running = this.startDiagnosis(target, budgetMs)
    let timer: NodeJS.Timeout | undefined
    const fresh = await Promise.race([
      running,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, budgetMs)
      }),
    ]).finally(() => clearTimeout(timer))
    const latest = fresh ?? known
    return {status: 200, body: renderDiagnosisMetrics({verdict: latest?.verdict, ageS: latest ? (Date.now() - latest.measuredAt) / 1000 : undefined, running: !fresh})}
  }

  /** Ping and trace the target from every vantage point (local left out where it must not), as `mc check diagnose` does, for at most `maxTimeMs`. */
  private startDiagnosis(target: string, maxTimeMs: number): Promise<Diagnosis> {
    let running = this.diagnosing.get(target)
    if (running) return running
    const measuredAt = Date.now()
    const refusal = this.options.localRefusal?.([target])
    if (refusal) this.options.log.line(`diagnosis of ${target}: local left out: ${refusal}`)
    const executors = [...this.executors.values()].filter((e) => !(refusal && e.vantage === 'local'))
    const {log, diagnoseCount: count} = this.options
    running = diagnoseOver(this.session(executors), target, this.history, {log, count, maxTimeMs, protocol: 'auto'})
      .then(({verdict}) => {
        const diagnosis = {verdict, measuredAt}
        this.diagnoses.set(target, diagnosis)
        return diagnosis
      })
      .finally(() => this.diagnosing.delete(target))
    // A failure shows as no verdict in the answer and in the log; it must not crash the daemon.
    running.catch((error: Error) => this.options.log.line(`diagnosis of ${target} failed: ${error.message}`))
    this.diagnosing.set(target, running)
    return running
  }

  /** The exporter's SSH connections as a diagnosis's session: results stored in its history run as they come. */
  private session(executors: Executor[]): CheckSession {
    return {
      runId: this.runId ?? 0,
      vantages: executors.map((e) => e.vantage),
      run: (definitions, {record = true, stop, onOutput, onResult} = {}) =>
        runChecks(executors, definitions, {
          tools: this.options.tools,
          signal: this.shutdown.signal,
          stop,
          onOutput,
          onResult: (result) => {
            onResult?.(result)
            if (record) this.store([result])
          },
        }),
      record: (results) => this.store(results),
      async close() {},
    }
  }

  private store(results: CheckResult[]): void {
    this.runId ??= this.history.startRun({exporter: true, ...this.meta})
    this.history.addResults(this.runId, results)
    for (const r of results) this.stats.observeCheck(r)
  }

  metrics(): Answer {
    return {
      status: 200,
      body: renderFamilies(this.stats.families({sshHandshakes: this.vantageSet.pool.handshakes, probes: this.vantageSet.probes.length, diagnosing: this.diagnosing.size})),
    }
  }

  /** Cuts running checks short: the requests waiting on them answer at once. */
  stop(): void {
    this.shutdown.abort()
  }

  /** Stops running checks, closes the SSH connections and the history run. */
  async close(): Promise<void> {
    this.stop()
    await Promise.allSettled(this.diagnosing.values())
    try {
      if (this.runId !== undefined) this.history.finishRun(this.runId)
    } finally {
      await this.vantageSet.close()
      this.history.close()
      this.inventory.close()
    }
  }
}

/** Each parameter at most once and nothing else: a repeated or unknown one is a request mc did not expect. */
function singleValues<K extends string>(query: URLSearchParams, names: K[]): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {}
  for (const key of new Set(query.keys())) {
    if (!(names as string[]).includes(key)) throw new RefusedRequest(`Unknown parameter "${key}": ${names.join(', ')}.`)
    if (query.getAll(key).length > 1) throw new RefusedRequest(`"${key}" given more than once.`)
    out[key as K] = query.get(key)!
  }
  return out
}

/** Trim the check's own timeout (and a ping's count) so the tool gives up before the scrape does. */
function fitToBudget(definition: CheckDefinition, budgetMs: number): CheckDefinition {
  const check = validateCheck(definition)
  const budgetS = Math.max(1, Math.floor(budgetMs / 1000) - 1)
  const timeoutS = Math.min(check.timeoutS, budgetS)
  const count = check.kind === 'ping' ? Math.max(1, Math.min(check.count, timeoutS - 1)) : check.count
  const fitted: Record<string, unknown> = {...check, timeoutS: check.kind === 'ping' ? Math.max(timeoutS, count + 1) : timeoutS}
  if (check.kind === 'ping' || check.kind === 'path') fitted.count = count
  else delete fitted.count
  for (const key of Object.keys(fitted)) if (fitted[key] === undefined) delete fitted[key]
  return fitted as unknown as CheckDefinition
}
