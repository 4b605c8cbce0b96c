import {answersIcmp, diagnosisInput, serviceAnswers} from '../analysis/evidence.js'
import {privilegesOf} from '../analysis/privilege.js'
import {userLanes} from '../analysis/round-sizing.js'
import {portOfCheck, triangulate} from '../analysis/triangulate.js'
import {DEFAULT_THRESHOLDS, type Sampling, type Verdict} from '../analysis/types.js'
import type {AddressFamily, CheckDefinition, CheckResult, PathProtocol} from '../checks/types.js'
import type {DebugLog} from '../core/log.js'
import {CheckHistory} from '../store/history.js'
import {type CheckSession, openCheckSession} from './check-run.js'
import {measureSequential} from './diagnose-sequential.js'
import type {PassphrasePrompt} from './probe-session.js'

/** auto: ICMP, and TCP to a port that answers when the target answers no ICMP echo anywhere. */
export const DIAGNOSE_PROTOCOLS = ['auto', 'icmp', 'tcp', 'udp'] as const
export type DiagnoseProtocol = (typeof DIAGNOSE_PROTOCOLS)[number]

export type DiagnoseRequest = {
  targets: string[]
  from: string[]
  /**
   * A fixed number of mtr rounds (and up to PING_COUNT echoes) per vantage point, no stopping rule.
   * Without it the diagnosis sends rounds until its verdict is settled (analysis/sequential.ts) or
   * maxTimeMs has passed.
   */
  count?: number
  /** The time limit of a diagnosis without a fixed count, from its start (SSH connections included); default DEFAULT_MAX_TIME_MS. */
  maxTimeMs?: number
  /** How to trace; default auto. */
  protocol?: DiagnoseProtocol
  /** The port to trace over tcp or udp (required for udp); for auto and tcp the first port tried. */
  port?: number
  /**
   * Which address family to ping and trace over; default auto: each vantage point resolves a host
   * name itself and measures the address its resolver gives first (what a client there would use).
   */
  family?: AddressFamily
  /** Reuse ping/path results this fresh (seconds) from the history instead of measuring again. */
  maxAgeS?: number
  log: DebugLog
  passphrase?: PassphrasePrompt
  signal?: AbortSignal
  onResult?: (result: CheckResult) => void
  /** Why this machine must not be a vantage point for these targets (see CheckRunRequest). */
  localRefusal?: string
  warn?: (message: string) => void
}

export type DiagnoseResult = {runId?: number; reused: boolean; verdicts: Verdict[]; results: CheckResult[]}

/** What measuring needs besides the targets and the session: how to trace, the limits, the log. */
export type MeasureRequest = Pick<DiagnoseRequest, 'protocol' | 'port' | 'count' | 'maxTimeMs' | 'log' | 'family'>

/**
 * With --count: 50 rounds: a link dropping 30 % loses 15 ± 3 probes, far over the 10 % loss
 * threshold, while one lost probe (2 %) stays under it.
 */
export const DEFAULT_ROUNDS = 50

/**
 * A diagnosis stops at its verdict (usually after 10-40 rounds, a few seconds as root) or at this
 * limit, whichever comes first: issue 14's target is a verdict within 10 s.
 */
export const DEFAULT_MAX_TIME_MS = 10_000

/**
 * The most rounds a trace of the sequential diagnosis may send (validation's cap): 10 s at root's 0.1 s
 * interval. The time limit or the stopping rule ends it sooner.
 */
export const STREAM_ROUNDS = 100

/**
 * check_ping sends one echo a second. The path carries the verdict; ping only says whether the
 * target answers ICMP at all, so five echoes, and a target that answers none gives up after
 * PING_TIMEOUT_S instead of check_ping's default wait: the diagnosis stays within its time target.
 */
const PING_COUNT = 5
const PING_TIMEOUT_S = 7

/** Ports a target that answers no ICMP is traced over, after the ports of its own checks in the history. */
export const FALLBACK_PORTS = [443, 80, 22]

/** A TCP, HTTP or DNS check that succeeded this recently (seconds) proves the target up. */
export const SERVICE_WINDOW_S = 600

/**
 * How long (ms from the start) a diagnosis keeps reconnecting to a probe whose SSH handshake timed
 * out or whose connection dropped: SSH across a lossy hop is slow, not dead, and that probe's
 * evidence is the most telling. After it, the probe is listed as unavailable in the verdict.
 */
export const RECONNECT_BUDGET_MS = 45_000

/** Seconds a candidate port gets to answer a TCP connect before the next one is preferred. */
const PORT_PROBE_TIMEOUT_S = 3

/** A family set makes each vantage point resolve a host name itself (see CheckDefinition.family). */
const inFamily = (family: AddressFamily | undefined) => (family === undefined ? {} : {family})
const ping = (target: string, count: number, family?: AddressFamily): CheckDefinition => ({
  kind: 'ping',
  target,
  count: Math.min(count, PING_COUNT),
  timeoutS: PING_TIMEOUT_S,
  ...inFamily(family),
})
/**
 * A trace of `count` rounds, or (count undefined) one streamed to the stopping rule: mtr --raw, up to
 * STREAM_ROUNDS, in `lanes` mtr processes side by side where the login user is not root and has no
 * passwordless sudo (userLanes: sized to the time limit).
 */
const trace = (target: string, count: number | undefined, how: {protocol?: PathProtocol; port?: number; family?: AddressFamily; lanes?: number} = {}): CheckDefinition => {
  const {protocol = 'icmp', port, family, lanes = 1} = how
  const rounds = count === undefined ? {count: STREAM_ROUNDS, stream: true, ...(lanes > 1 ? {lanes} : {})} : {count}
  return protocol === 'icmp' ? {kind: 'path', target, ...rounds, ...inFamily(family)} : {kind: 'path', target, ...rounds, protocol, port, ...inFamily(family)}
}

/** mtr processes a non-root vantage point runs side by side within the diagnosis's time limit (none with a fixed --count). */
const lanesFor = (request: Pick<DiagnoseRequest, 'count' | 'maxTimeMs'>) => (request.count === undefined ? userLanes(request.maxTimeMs ?? DEFAULT_MAX_TIME_MS) : 1)

/** Ports to try for a target, best first: those its checks in the history used, then 443, 80, 22. */
export function candidatePorts(target: string, history: CheckHistory, asked?: number): number[] {
  if (asked !== undefined) return [asked]
  const used = history
    .series({target, limit: 1000})
    .map((r) => portOfCheck(r.check))
    .filter((p): p is number => p !== undefined)
  return [...new Set([...used, ...FALLBACK_PORTS])].slice(0, 6)
}

/** Fresh ping, path and service results from the history for every target, or undefined when any path is missing. */
export function fromHistory(targets: string[], maxAgeS: number): CheckResult[] | undefined {
  const history = CheckHistory.open()
  try {
    const since = new Date(Date.now() - maxAgeS * 1000).toISOString()
    const results: CheckResult[] = []
    for (const target of targets) {
      const latest = new Map<string, CheckResult>()
      for (const r of history.series({target, since})) if (!latest.has(`${r.vantage}/${r.check}`)) latest.set(`${r.vantage}/${r.check}`, r)
      if (![...latest.values()].some((r) => r.kind === 'path')) return undefined
      results.push(...latest.values())
    }

    return results
  } finally {
    history.close()
  }
}

/** What to measure first for a target; `portProbes` (TCP connects to candidate ports) only steer the second round. */
export type Plan = {target: string; first: CheckDefinition[]; portProbes: CheckDefinition[]; ports: number[]; needsPort: boolean}

function plan(target: string, request: MeasureRequest, history: CheckHistory): Plan {
  const {port} = request
  const count = request.count ?? PING_COUNT
  const protocol = request.protocol ?? 'auto'
  const family = request.family ?? 'auto'
  if (protocol === 'icmp' || ((protocol === 'tcp' || protocol === 'udp') && port !== undefined)) {
    return {
      target,
      first: [ping(target, count, family), trace(target, request.count, {protocol, port, family, lanes: lanesFor(request)})],
      portProbes: [],
      ports: [],
      needsPort: false,
    }
  }
  // auto (and tcp without a port): find a port that answers while ICMP is tried, so a silent target
  // costs one more trace, not a round of guessing. The probes are not results: a port nobody asked
  // about must not turn up as a failed check in the history or the report.
  const ports = candidatePorts(target, history, port)
  const portProbes = ports.map((p): CheckDefinition => ({kind: 'tcp', target, port: p, timeoutS: PORT_PROBE_TIMEOUT_S}))
  return {
    target,
    first: [ping(target, count, family), ...(protocol === 'auto' ? [trace(target, request.count, {family, lanes: lanesFor(request)})] : [])],
    portProbes,
    ports,
    needsPort: true,
  }
}

/** The first candidate port a TCP connect succeeded on from any vantage point. */
function answeringPort(p: Plan, results: CheckResult[]): number | undefined {
  const open = new Set(
    serviceAnswers(p.target, results)
      .filter((a) => a.check.startsWith('tcp:'))
      .map((a) => portOfCheck(a.check)),
  )
  return p.ports.find((port) => open.has(port))
}

/** The TCP trace a target may need, over the first candidate port that answered (tcp: else the first candidate). */
function tcpTrace(p: Plan, probes: CheckResult[], request: Pick<DiagnoseRequest, 'protocol' | 'count' | 'family'>): CheckDefinition | undefined {
  if (!p.needsPort) return undefined
  const port = answeringPort(p, probes) ?? ((request.protocol ?? 'auto') === 'auto' ? undefined : p.ports[0])
  return port === undefined ? undefined : trace(p.target, request.count, {protocol: 'tcp', port, family: request.family ?? 'auto'})
}

function tcpTraces(plans: Plan[], probes: CheckResult[], request: Pick<DiagnoseRequest, 'protocol' | 'count' | 'family'>): CheckDefinition[] {
  return plans.flatMap((p) => tcpTrace(p, probes, request) ?? [])
}

/**
 * Ping, the ICMP trace and the port probes start together. Under auto a TCP trace follows the ICMP
 * trace, for the targets that answered no ICMP at all: two mtr runs at once from one vantage point
 * disturb each other's replies. Otherwise (tcp without a port, no ICMP trace) it starts as soon as
 * the probes name a port.
 */
export async function measureFixedCount(session: CheckSession, plans: Plan[], request: Pick<DiagnoseRequest, 'protocol' | 'count' | 'family'>): Promise<CheckResult[]> {
  const auto = (request.protocol ?? 'auto') === 'auto'
  const probing = session.run(
    plans.flatMap((p) => p.portProbes),
    {record: false},
  )
  const first = session.run(plans.flatMap((p) => p.first))
  const tracing = Promise.all([probing, auto ? first : []]).then(([probes, icmp]) => {
    const silent = plans.filter((p) => !auto || !answersIcmp(p.target, icmp))
    return session.run(tcpTraces(silent, probes, request))
  })
  const [firstResults, traces] = await Promise.all([first, tracing])
  return [...firstResults, ...traces]
}

/**
 * What a diagnosis keeps of its time limit for stopping its checks (over SSH), judging and answering:
 * measuring stops this long before the limit (or a quarter of a limit too short for that), so that
 * `mc check diagnose --max-time 10s` answers within 10 s, and the exporter within the scrape's budget.
 * Measured in the lab: 0.3-0.6 s from the limit to the verdict printed, on a 2-core machine.
 */
export const STOP_MARGIN_MS = 1000

/**
 * Without --count: each target measured until its verdict is settled or the time limit, all targets
 * at once; the results are recorded at the end, with how each target's measuring stopped.
 */
async function measureUntilSettled(session: CheckSession, plans: Plan[], request: MeasureRequest, started: number): Promise<Measured> {
  const limitMs = request.maxTimeMs ?? DEFAULT_MAX_TIME_MS
  // The limit is for the answer, not for the measuring: stopping every check over SSH and judging come after.
  const deadline = started + limitMs - Math.min(STOP_MARGIN_MS, limitMs / 4)
  const auto = (request.protocol ?? 'auto') === 'auto'
  const outcomes = await Promise.all(
    plans.map((p) => {
      const overPort = (port: number | undefined) => {
        const chosen = port ?? (auto ? undefined : p.ports[0])
        return chosen === undefined ? undefined : trace(p.target, undefined, {protocol: 'tcp', port: chosen, family: request.family ?? 'auto', lanes: lanesFor(request)})
      }
      return measureSequential(
        session,
        {target: p.target, first: p.first, portProbes: p.portProbes, ports: p.ports, tcpTrace: overPort, auto, limitMs},
        deadline,
        started,
        request.log,
      )
    }),
  )
  const results = outcomes.flatMap((o) => o.results)
  session.record(results)
  return {results, sampling: new Map(plans.map((p, i) => [p.target, outcomes[i].sampling]))}
}

type Measured = {results: CheckResult[]; sampling: Map<string, Sampling>}

/** --count rounds, or (without) until each target's verdict is settled or the time limit from `started`. Results are recorded. */
export async function measurePlans(session: CheckSession, plans: Plan[], request: MeasureRequest, started: number): Promise<Measured> {
  if (request.count === undefined) return measureUntilSettled(session, plans, request, started)
  const results = await measureFixedCount(session, plans, request)
  return {results, sampling: new Map(plans.map((p): [string, Sampling] => [p.target, {stop: 'fixed-count', elapsedMs: Date.now() - started, ...privilegesOf(results)}]))}
}

/** Results of the last SERVICE_WINDOW_S for these targets: a service that answered keeps a target from being called down. */
function recentResults(targets: string[], history: CheckHistory): CheckResult[] {
  const since = new Date(Date.now() - SERVICE_WINDOW_S * 1000).toISOString()
  return targets.flatMap((target) => history.series({target, since}))
}

/**
 * One target diagnosed over a session held open by someone else (mc exporter's /diagnose, its SSH
 * connections kept for its life): planned from `history`, measured as `mc check diagnose` does
 * (the time limit counted from now), judged.
 */
export async function diagnoseOver(session: CheckSession, target: string, history: CheckHistory, request: MeasureRequest): Promise<{verdict: Verdict; results: CheckResult[]}> {
  const started = Date.now()
  const plans = [plan(target, request, history)]
  const recent = recentResults([target], history)
  const {results, sampling} = await measurePlans(session, plans, request, started)
  return {results, verdict: verdictsFor([target], results, recent, sampling)[0]}
}

/** One verdict per target, from every vantage point's ping and path checks. */
export async function diagnose(request: DiagnoseRequest): Promise<DiagnoseResult> {
  const reused = request.maxAgeS ? fromHistory(request.targets, request.maxAgeS) : undefined
  if (reused) return {reused: true, results: reused, verdicts: verdictsFor(request.targets, reused)}
  const history = CheckHistory.open()
  let plans: Plan[]
  let recent: CheckResult[]
  try {
    plans = request.targets.map((t) => plan(t, request, history))
    recent = recentResults(request.targets, history)
  } finally {
    history.close()
  }

  const started = Date.now()
  const limitMs = request.maxTimeMs ?? DEFAULT_MAX_TIME_MS
  const session = openCheckSession({
    from: request.from,
    log: request.log,
    passphrase: request.passphrase,
    signal: request.signal,
    onResult: request.onResult,
    localRefusal: request.localRefusal,
    warn: request.warn,
    checks: plans.reduce((n, p) => n + p.first.length, 0),
    // Reconnecting to a probe behind a lossy control path is worth the diagnosis's whole time limit.
    reconnectUntil: started + (request.count === undefined ? limitMs : RECONNECT_BUDGET_MS),
    meta: {
      diagnose: true,
      protocol: request.protocol ?? 'auto',
      family: request.family ?? 'auto',
      ...(request.port === undefined ? {} : {port: request.port}),
      ...(request.count === undefined ? {maxTimeMs: limitMs} : {count: request.count}),
    },
  })
  try {
    const {results, sampling} = await measurePlans(session, plans, request, started)
    return {runId: session.runId, reused: false, results, verdicts: verdictsFor(request.targets, results, recent, sampling)}
  } finally {
    await session.close()
  }
}

/**
 * One verdict per target. `recent` are results from before this run (the history's last
 * SERVICE_WINDOW_S): a TCP, HTTP or DNS check among them that succeeded keeps a target from being
 * called down.
 */
export function verdictsFor(targets: string[], results: CheckResult[], recent: CheckResult[] = [], sampling = new Map<string, Sampling>()): Verdict[] {
  return targets.map((target) => {
    const {evidence, context} = diagnosisInput(target, results)
    const answers = [...(context.serviceAnswers ?? []), ...serviceAnswers(target, recent)]
    const measured = sampling.get(target)
    return triangulate(target, evidence, DEFAULT_THRESHOLDS, {...context, serviceAnswers: answers, ...(measured ? {sampling: measured} : {})})
  })
}
