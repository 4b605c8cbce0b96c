import {VERDICT_STATE} from '../analysis/verdict-state.js'
import {join} from 'node:path'

import {worstState} from '../checks/thresholds.js'
import type {CheckResult} from '../checks/types.js'
import {CheckHistory} from '../store/history.js'
import type {Diagnosis, LatestCheck, MatrixCell, ReportData, SeriesPoint, TargetReport, VantageSeries} from '../output/report-data.js'
import {Inventory} from '../store/inventory.js'
import {mcPaths} from '../store/paths.js'
import {DB_FILE} from '../store/schema.js'
import {verdictsFor} from './diagnose.js'
import {costTotal} from './prices.js'

export type {ReportData} from '../output/report-data.js'

/**
 * Everything `mc report` shows, read from the history (mc.db) and the probe inventory: plain data
 * that the HTML and Markdown renderers turn into pages. Nothing here measures anything.
 */

/** A bound on what one target's window reads from mc.db: a day of 1-minute rounds from 10 vantages x 3 checks is ~43,000. */
export const MAX_RESULTS_PER_TARGET = 50_000

/** Hours in an average month (365.25 * 24 / 12), for the monthly cost estimate. */
export const HOURS_PER_MONTH = 730

export type ReportRequest = {
  since: Date
  until?: Date
  /** Only these targets (default: every target with results in the window). */
  targets?: string[]
  /** Where mc.db and inventory.db live (default: mc's data dir). */
  dataDir?: string
}

export function buildReport(request: ReportRequest): ReportData {
  const dataDir = request.dataDir ?? mcPaths().dataDir
  const until = request.until ?? new Date()
  const window = {since: request.since.toISOString(), until: until.toISOString()}
  const history = CheckHistory.open(join(dataDir, DB_FILE))
  let perTarget: {target: string; results: CheckResult[]; truncated: boolean}[]
  try {
    const names = request.targets?.length ? [...new Set(request.targets)] : targetsIn(history, window)
    perTarget = names.map((target) => {
      const results = history.series({target, ...window, limit: MAX_RESULTS_PER_TARGET + 1})
      return {target, results: results.slice(0, MAX_RESULTS_PER_TARGET), truncated: results.length > MAX_RESULTS_PER_TARGET}
    })
  } finally {
    history.close()
  }

  const vantages = [...new Set(perTarget.flatMap((t) => t.results.map((r) => r.vantage)))].sort(byVantage)
  const matrix = perTarget.flatMap(({target, results}) => matrixCells(target, results))
  const targets = perTarget.map(({target, results, truncated}) => targetReport(target, results, truncated, matrix))
  return {generatedAt: new Date().toISOString(), ...window, vantages, targets, matrix, fleet: fleet(dataDir)}
}

/** "local" first, then probes by name: the data center's own view leads every table. */
function byVantage(a: string, b: string): number {
  if (a === b) return 0
  if (a === 'local') return -1
  if (b === 'local') return 1
  return a.localeCompare(b)
}

/**
 * Targets with results in the window. The history answers newest first with a limit, so walk back in
 * pages (each page ends where the last one's oldest result was) until the window is exhausted.
 */
function targetsIn(history: CheckHistory, window: {since: string; until: string}): string[] {
  const found = new Set<string>()
  let {until} = window
  for (let page = 0; page < 100; page++) {
    const results = history.series({since: window.since, until, limit: 5000})
    for (const r of results) found.add(r.target)
    if (results.length < 5000) break
    const oldest = results.at(-1)!.at
    if (oldest === until) break
    until = oldest
  }

  return [...found].sort()
}

function metric(result: CheckResult, name: string): number | undefined {
  const value = result.metrics.find((m) => m.name === name)?.value
  return value === null || value === undefined ? undefined : value
}

function latestCheck(result: CheckResult): LatestCheck {
  const time = metric(result, 'time')
  return {
    check: result.check,
    state: result.state,
    summary: result.summary,
    at: result.at,
    rttMs: metric(result, 'rta'),
    lossPct: metric(result, 'pl'),
    timeMs: time === undefined ? undefined : time * 1000,
  }
}

/** Newest result per key; `results` is newest first, as the history returns it. */
function newestBy(results: CheckResult[], key: (r: CheckResult) => string): Map<string, CheckResult> {
  const newest = new Map<string, CheckResult>()
  for (const r of results) if (!newest.has(key(r))) newest.set(key(r), r)
  return newest
}

function matrixCells(target: string, results: CheckResult[]): MatrixCell[] {
  const newest = newestBy(results, (r) => `${r.vantage}\u0000${r.check}`)
  const perVantage = new Map<string, LatestCheck[]>()
  for (const r of newest.values()) perVantage.set(r.vantage, [...(perVantage.get(r.vantage) ?? []), latestCheck(r)])
  return [...perVantage].map(([vantage, checks]) => {
    checks.sort((a, b) => a.check.localeCompare(b.check))
    return {vantage, target, state: worstState(checks.map((c) => c.state)), checks}
  })
}

function seriesFor(results: CheckResult[]): VantageSeries[] {
  const perVantage = new Map<string, SeriesPoint[]>()
  // Oldest first, as charts draw them.
  for (const r of results.filter((x) => x.kind === 'ping').reverse()) {
    const points = perVantage.get(r.vantage) ?? []
    points.push({t: Date.parse(r.at) / 1000, rttMs: metric(r, 'rta') ?? null, lossPct: metric(r, 'pl') ?? null, state: r.state})
    perVantage.set(r.vantage, points)
  }

  return [...perVantage].sort(([a], [b]) => byVantage(a, b)).map(([vantage, points]) => summarise(vantage, points))
}

const avg = (xs: number[]) => (xs.length === 0 ? undefined : xs.reduce((a, b) => a + b, 0) / xs.length)
const max = (xs: number[]) => (xs.length === 0 ? undefined : Math.max(...xs))

function summarise(vantage: string, points: SeriesPoint[]): VantageSeries {
  const rtts = points.map((p) => p.rttMs).filter((v): v is number => v !== null)
  const losses = points.map((p) => p.lossPct).filter((v): v is number => v !== null)
  return {vantage, points, samples: points.length, rttAvgMs: avg(rtts), rttMaxMs: max(rtts), lossAvgPct: avg(losses), lossMaxPct: max(losses)}
}

/**
 * The verdict as `mc check diagnose` would give it now from what is stored: each vantage point's
 * newest result of every check of the target (ping, each path trace, the service checks that keep a
 * target from being called down). No path result, no diagnosis.
 */
function diagnosisFor(target: string, results: CheckResult[]): Diagnosis | undefined {
  const newest = [...newestBy(results, (r) => `${r.vantage}\u0000${r.check}`).values()]
  if (!newest.some((r) => r.kind === 'path' && r.hops && r.hops.length > 0)) return undefined
  const [verdict] = verdictsFor([target], newest)
  const traced = verdict.tracedOver ? `path:${verdict.tracedOver.protocol}:${verdict.tracedOver.port}` : 'path'
  const paths = newest.filter((r) => r.kind === 'path' && r.check === traced && r.hops && r.hops.length > 0)
  const used = newest.filter((r) => r.kind === 'ping' || r.kind === 'path')
  return {
    verdict,
    state: VERDICT_STATE[verdict.kind],
    at: used
      .map((r) => r.at)
      .sort()
      .at(-1)!,
    paths: paths.map((p) => ({vantage: p.vantage, at: p.at, hops: p.hops!})).sort((a, b) => byVantage(a.vantage, b.vantage)),
  }
}

function targetReport(target: string, results: CheckResult[], truncated: boolean, matrix: MatrixCell[]): TargetReport {
  const cells = matrix.filter((c) => c.target === target)
  return {
    target,
    state: cells.length === 0 ? undefined : worstState(cells.map((c) => c.state)),
    series: seriesFor(results),
    diagnosis: diagnosisFor(target, results),
    resultCount: results.length,
    truncated,
  }
}

function fleet(dataDir: string): ReportData['fleet'] {
  const inventory = Inventory.open(dataDir)
  try {
    const probes = inventory.list().map((p) => ({
      name: p.name,
      kind: p.kind,
      fleet: p.fleet,
      provider: p.provider,
      region: p.region,
      host: p.host,
      size: p.size,
      state: p.state,
      priceHourly: p.priceHourly,
    }))
    const {hourly, unpriced} = costTotal(probes.filter((p) => p.kind === 'cloud'))
    return {probes, hourlyCost: hourly, monthlyCost: hourly * HOURS_PER_MONTH, unpriced}
  } finally {
    inventory.close()
  }
}
