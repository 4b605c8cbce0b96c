import type {Verdict} from '../analysis/types.js'
import type {CheckState, Hop} from '../checks/types.js'
import type {Probe} from '../store/inventory.js'

/**
 * What `mc report` shows: the plain data src/services/report.ts builds from the history and the
 * inventory, and the HTML and Markdown renderers turn into pages. It lives with the renderers so
 * they need nothing from the services layer above them.
 */

/** One ping result as a chart point: time in Unix seconds, null where the check measured nothing. */
export type SeriesPoint = {t: number; rttMs: number | null; lossPct: number | null; state: CheckState}

export type VantageSeries = {
  vantage: string
  points: SeriesPoint[]
  samples: number
  rttAvgMs?: number
  rttMaxMs?: number
  lossAvgPct?: number
  lossMaxPct?: number
}

/** The newest result of one check from one vantage point. */
export type LatestCheck = {check: string; state: CheckState; summary: string; at: string; rttMs?: number; lossPct?: number; timeMs?: number}

export type MatrixCell = {vantage: string; target: string; state: CheckState; checks: LatestCheck[]}

export type PathTrace = {vantage: string; at: string; hops: Hop[]}

export type Diagnosis = {verdict: Verdict; state: CheckState; at: string; paths: PathTrace[]}

export type TargetReport = {
  target: string
  /** Worst state among the newest result of every check from every vantage point. */
  state?: CheckState
  /** Latency and loss over time per vantage point, from the ping checks. */
  series: VantageSeries[]
  diagnosis?: Diagnosis
  resultCount: number
  /** True when the window held more than MAX_RESULTS_PER_TARGET results: the oldest were left out. */
  truncated: boolean
}

export type FleetProbe = Pick<Probe, 'fleet' | 'host' | 'kind' | 'name' | 'priceHourly' | 'provider' | 'region' | 'size' | 'state'>

export type ReportData = {
  generatedAt: string
  since: string
  until: string
  vantages: string[]
  targets: TargetReport[]
  matrix: MatrixCell[]
  /** Costs of the cloud probes with a price; `unpriced` counts cloud probes whose size has none (adopted hosts cost nothing here). */
  fleet: {probes: FleetProbe[]; hourlyCost: number; monthlyCost: number; unpriced: number}
}
