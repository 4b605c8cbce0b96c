import type {PathHop, Thresholds, VantageEvidence} from './types.js'
import {DEFAULT_THRESHOLDS} from './types.js'
import {analyseVantage} from './vantage.js'

/**
 * When a diagnosis may stop sending rounds: Wald's sequential probability ratio test on each hop's
 * loss, read after every round instead of after a fixed count.
 *
 * Each probe to a hop is a Bernoulli trial, lost with probability p. The verdict only asks on which
 * side of the loss threshold (10 %, DEFAULT_THRESHOLDS) a hop is, so the test weighs
 *   H0: p = CLEAN (2 %)   against   H1: p = LOSSY (20 %),
 * an indifference zone around the threshold. After n probes with k lost, the log-likelihood ratio is
 *   L = k ln(LOSSY / CLEAN) + (n - k) ln((1 - LOSSY) / (1 - CLEAN))
 *     = 2.303 k - 0.2029 (n - k).
 * The hop is "lossy" once L >= ln((1 - beta) / alpha) = 5.293 and "clean" once L <= ln(beta / (1 - alpha))
 * = -5.293, with alpha = beta = 0.005: a hop losing 2 % is called lossy, or one losing 20 % clean,
 * with probability under 0.5 % (Wald's bounds hold however often the test is read). Farther from the
 * threshold the error falls: a hop losing 30 % (the lab's fault) is called clean about once in 10^4
 * (27 answered probes in a row alone: 0.7^27 = 6.6e-5; test/analysis/sequential.test.ts simulates
 * it), a hop losing nothing is never called lossy (it takes a lost probe to move L up).
 *
 * What that costs: a hop that loses nothing is clean after 27 probes (5.293 / 0.2029 = 26.1); each
 * lost probe costs 11.4 more (2.303 / 0.2029). A hop losing 30 % drifts up by 0.3 x 2.303 - 0.7 x 0.2029
 * = 0.55 a probe: lossy after about 10. A hop near the threshold (8-14 %) stays undecided for many
 * rounds: the diagnosis keeps going to its time limit and then says the evidence did not settle.
 *
 * On top of the test: at least MIN_ROUNDS rounds, so mtr has found every hop of the path (it probes
 * the TTLs one by one in its first round) and a target that answers ICMP has had a chance to.
 */
export const SEQUENTIAL = {cleanPct: 2, lossyPct: 20, alpha: 0.005, beta: 0.005} as const

/** Rounds before any stop: every hop found, and a latency average over more than a few replies. */
export const MIN_ROUNDS = 10

export type HopClass = 'clean' | 'lossy' | 'open'

const LOSS_STEP = Math.log(SEQUENTIAL.lossyPct / SEQUENTIAL.cleanPct)
const ANSWER_STEP = Math.log((100 - SEQUENTIAL.lossyPct) / (100 - SEQUENTIAL.cleanPct))
const UPPER = Math.log((1 - SEQUENTIAL.beta) / SEQUENTIAL.alpha)
const LOWER = Math.log(SEQUENTIAL.beta / (1 - SEQUENTIAL.alpha))

/** The test on one hop: `lost` of `sent` probes. */
export function hopClass(sent: number, lost: number): HopClass {
  const ratio = lost * LOSS_STEP + (sent - lost) * ANSWER_STEP
  if (ratio >= UPPER) return 'lossy'
  if (ratio <= LOWER) return 'clean'
  return 'open'
}

const lostOf = (hop: PathHop) => Math.round((hop.lossPct * hop.sent) / 100)

/** Rounds a path rests on: the most probes any hop of it got. */
export function roundsOf(path: ReadonlyArray<{sent: number}> | undefined): number {
  return Math.max(0, ...(path ?? []).map((h) => h.sent))
}

export type Settlement = {settled: true} | {settled: false; open: string}

/**
 * Is one vantage point's finding settled, so that more rounds could not change its class? A path
 * whose last hop is clean is healthy whatever the hops before it show (loss that does not persist
 * is rate limiting); a lossy or unreached last hop needs every answering hop decided, so the hop
 * the loss starts at is known.
 */
export function vantageSettled(evidence: VantageEvidence, t: Thresholds = DEFAULT_THRESHOLDS): Settlement {
  const {path, vantage} = evidence
  if (!path || path.length === 0) return {settled: false, open: `no trace from ${vantage} yet`}
  const rounds = roundsOf(path)
  if (rounds < MIN_ROUNDS) return {settled: false, open: `${vantage}: ${rounds} of at least ${MIN_ROUNDS} rounds`}
  const finding = analyseVantage(evidence, t)
  const last = path.at(-1)!
  if (finding.status === 'down') return hopClass(last.sent, lostOf(last)) === 'open' ? undecided(vantage, last) : {settled: true}
  const final = hopClass(last.sent, lostOf(last))
  if (final === 'clean') return {settled: true}
  if (final === 'open') return undecided(vantage, last)
  const open = path.find((h) => h.address !== undefined && h.lossPct < 100 && hopClass(h.sent, lostOf(h)) === 'open')
  return open ? undecided(vantage, open) : {settled: true}
}

function undecided(vantage: string, hop: PathHop): Settlement {
  return {settled: false, open: `hop ${hop.index} (${hop.address ?? 'no reply'}) from ${vantage}: ${lostOf(hop)} of ${hop.sent} lost`}
}
