import {setMaxListeners} from 'node:events'

import {answersIcmp, diagnosisInput} from '../analysis/evidence.js'
import {privilegesOf} from '../analysis/privilege.js'
import {MIN_ROUNDS, roundsOf, vantageSettled} from '../analysis/sequential.js'
import type {Sampling, Verdict} from '../analysis/types.js'
import {triangulate} from '../analysis/triangulate.js'
import {buildCheckCommand} from '../checks/commands.js'
import {MtrRawStream} from '../checks/mtr.js'
import {parseCheckOutput} from '../checks/parse.js'
import type {CheckDefinition, CheckResult} from '../checks/types.js'
import type {ValidCheck} from '../checks/validate.js'
import type {DebugLog} from '../core/log.js'
import type {CheckSession} from './check-run.js'

/** How often the stopping rule reads the rounds so far. Two readings in a row must agree before a stop. */
export const EVALUATE_EVERY_MS = 200

/**
 * Under auto, how long (ms from the first output of ping or the ICMP trace) the TCP trace waits for
 * ICMP to hear the target, and is skipped if it did. mtr's first round reaches the target within
 * about a second (0.1 s apart as root, 1 s as anyone else), and its reply is read at the next
 * EVALUATE_EVERY_MS: 3 s leaves room for a slow SSH channel. Only a target silent that long is traced over TCP.
 */
export const ICMP_GRACE_MS = 3000

/** What one target's sequential measurement needs from the plan. */
export type SequentialPlan = {
  target: string
  /** Ping and the ICMP trace (or the TCP/UDP trace asked for), started at once. */
  first: CheckDefinition[]
  /** TCP connects to candidate ports; they only steer which TCP trace starts. */
  portProbes: CheckDefinition[]
  /** Candidate ports for a TCP trace, best first (the order the port probes go in). */
  ports: number[]
  /** The TCP trace over a port; `undefined` (no port answered) gives the fallback trace, if any. */
  tcpTrace: (port: number | undefined) => CheckDefinition | undefined
  /** auto: the TCP trace starts only when ICMP has not heard the target within ICMP_GRACE_MS, and counts only when it never does. */
  auto: boolean
  /** ICMP_GRACE_MS unless told (tests). */
  icmpGraceMs?: number
  /** The time limit the verdict names (the deadline comes a stop margin before it); default deadline - started. */
  limitMs?: number
}

export type SequentialOutcome = {results: CheckResult[]; sampling: Sampling}

const key = (vantage: string, check: string) => `${vantage}\n${check}`

/** The global timer (not node:timers/promises), so tests can run the stopping rule on a fake clock. */
const sleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms)
  })

/** Promise.withResolvers, which Node 20 lacks. */
function deferred<T>(): {promise: Promise<T>; resolve: (value: T) => void} {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((r) => {
    resolve = r
  })
  return {promise, resolve}
}

/**
 * One target, measured until its verdict is settled (analysis/sequential.ts) or `deadline` (epoch ms)
 * comes: ping, the trace and the port probes start together (under auto a TCP trace only once ICMP
 * stayed silent for ICMP_GRACE_MS), mtr prints every probe as it happens
 * (--raw), and every EVALUATE_EVERY_MS the rounds so far are triangulated. A stop ends every check
 * of the target at once; each trace keeps the rounds whose probes were settled by then, a ping that
 * had not finished is dropped (it printed no summary), and nothing is recorded before the end.
 */
export async function measureSequential(session: CheckSession, plan: SequentialPlan, deadline: number, started: number, log: DebugLog): Promise<SequentialOutcome> {
  const stop = new AbortController()
  // Every check of every vantage point listens for this one stop (4 vantage points x 3 checks > Node's warning at 10).
  setMaxListeners(0, stop.signal)
  const streams = new Map<string, MtrRawStream>()
  const finals = new Map<string, CheckResult>()
  const checks = new Map<string, ValidCheck>()
  const learn = (definitions: CheckDefinition[]) => {
    for (const d of definitions) {
      const {check} = buildCheckCommand(d)
      checks.set(check.name, check)
    }
  }
  learn(plan.first)
  let probing = plan.portProbes.length > 0
  let tcpStarted: CheckDefinition | undefined
  // auto: has ICMP (the trace or ping) heard the target? Decided true as soon as it has, false once
  // ICMP_GRACE_MS have passed since the first output of ping or the ICMP trace (or they ended).
  const {promise: icmpHeard, resolve: icmpDecided} = deferred<boolean>()
  let graceTimer: NodeJS.Timeout | undefined
  const startGrace = () => {
    graceTimer ??= setTimeout(() => icmpDecided(false), plan.icmpGraceMs ?? ICMP_GRACE_MS)
  }
  const options = {
    record: false,
    stop: stop.signal,
    onOutput(vantage: string, check: string, chunk: string) {
      startGrace()
      const k = key(vantage, check)
      const stream = streams.get(k) ?? new MtrRawStream()
      streams.set(k, stream)
      stream.push(chunk, Date.now())
    },
    onResult(result: CheckResult) {
      finals.set(key(result.vantage, result.check), result)
    },
  }
  const first = session.run(plan.first, options)
  first.then(
    () => icmpDecided(false),
    () => icmpDecided(false),
  )
  // The TCP trace starts as soon as the port to trace over is known, not when the last probe is back.
  const {promise: chosenPort, resolve: portKnown} = deferred<number | undefined>()
  const answers: CheckResult[] = []
  const probes = session.run(plan.portProbes, {
    record: false,
    stop: stop.signal,
    onResult(result) {
      answers.push(result)
      const decision = portDecision(plan.ports, answers, session.vantages.length)
      if (decision.decided) portKnown(decision.port)
    },
  })
  const port = Promise.race([chosenPort, probes.then(() => portDecision(plan.ports, answers, session.vantages.length).port)])
  // Under auto the TCP trace also waits for ICMP to be heard or given up on: two mtr runs at once
  // from one vantage point disturb each other's replies (hops misattributed, round trips of
  // seconds), so a target that answers ICMP gets the ICMP trace only.
  const tcpStop = new AbortController()
  setMaxListeners(0, tcpStop.signal)
  const tcp = Promise.all([port, plan.auto ? icmpHeard : false]).then(([chosen, heard]) => {
    probing = false
    tcpStarted = stop.signal.aborted || heard || plan.portProbes.length === 0 ? undefined : plan.tcpTrace(chosen)
    if (heard) log.line(`diagnose ${plan.target}: answers ICMP; no TCP trace`)
    if (!tcpStarted) return []
    learn([tcpStarted])
    return session.run([tcpStarted], {...options, stop: AbortSignal.any([stop.signal, tcpStop.signal])})
  })

  /** Results as of `now`: finished checks, and for traces still running the rounds settled so far. */
  const snapshot = (now: number): CheckResult[] => {
    const results = [...finals.values()].filter((r) => !(r.stopped && r.kind === 'path'))
    for (const [k, stream] of streams) {
      const final = finals.get(k)
      if (final && !final.stopped) continue
      const [vantage, name] = k.split('\n')
      const check = checks.get(name)
      if (!check) continue
      const exec = {stdout: stream.settledText(now), stderr: '', exitCode: 0, timedOut: false, durationMs: final?.durationMs ?? now - started}
      results.push({...parseCheckOutput(check, exec, vantage), ...(final?.stopped ? {stopped: true as const} : {})})
    }
    return results
  }

  const running = (check: string) => session.vantages.filter((v) => !finals.has(key(v, check)))
  let previous: string | undefined
  let open: string[] = []
  let stopReason: Sampling['stop'] = 'time-limit'
  let heard = false
  for (;;) {
    const remaining = deadline - Date.now()
    if (remaining <= 0) break

    await sleep(Math.min(EVALUATE_EVERY_MS, remaining))
    const results = snapshot(Date.now())
    // Any reply counts as heard, also one too young to count for loss: read every line so far.
    if (plan.auto && !heard && answersIcmp(plan.target, snapshot(Number.POSITIVE_INFINITY))) {
      heard = true
      icmpDecided(true)
      // Heard only after the grace (a target losing most ICMP): the TCP trace, if started, ends here.
      tcpStop.abort()
    }
    open = unsettled(plan, results, {probing, tcpStarted, running})
    const {evidence, context} = diagnosisInput(plan.target, results)
    const reading = readingOf(triangulate(plan.target, evidence, undefined, context))
    log.line(`diagnose ${plan.target} at ${((Date.now() - started) / 1000).toFixed(1)}s: ${reading}; open: ${open.join('; ') || 'none'}`)
    if (open.length === 0 && reading === previous) {
      stopReason = 'settled'
      break
    }
    previous = open.length === 0 ? reading : undefined
    const traces = [...checks.values()].filter((c) => c.kind === 'path').map((c) => c.name)
    if (!probing && traces.every((name) => running(name).length === 0)) {
      stopReason = 'rounds-limit'
      break
    }
  }

  const stoppedAt = Date.now()
  stop.abort()
  clearTimeout(graceTimer)
  icmpDecided(false)
  const [firstResults, tcpResults] = await Promise.all([first, tcp, probes])
  const settledStreams = new Map([...streams].map(([k, s]) => [k, s.settledText(stoppedAt)]))
  const kept = [...firstResults, ...tcpResults].flatMap((r): CheckResult[] => {
    if (!r.stopped) return [r]
    if (r.kind !== 'path') return []
    const text = settledStreams.get(key(r.vantage, r.check))
    const check = checks.get(r.check)
    // Stopped before its first line (an SSH channel that opened late): no rounds, which tooShort names.
    if (text === undefined || !check) return [{...r, hops: []}]
    return [{...parseCheckOutput(check, {stdout: text, stderr: '', exitCode: 0, timedOut: false, durationMs: r.durationMs}, r.vantage), stopped: true}]
  })
  // Heard at all, also by a trace too short to judge the path by: the target answers ICMP.
  const icmp = heard || answersIcmp(plan.target, kept)
  const limitMs = plan.limitMs ?? deadline - started
  if (stopReason !== 'settled') for (const [i, r] of kept.entries()) kept[i] = tooShort(r, limitMs)
  // A vantage point without one trace long enough gives no evidence: its ping alone would read as a loss mc cannot place.
  const traced = new Set(kept.filter((r) => r.kind === 'path' && !r.error).map((r) => r.vantage))
  // auto: a TCP trace of a target that answers ICMP is no evidence (the verdict reads the ICMP trace).
  const tcpName = tcpStarted && buildCheckCommand(tcpStarted).check.name
  const results = kept.filter((r) => (r.kind !== 'ping' || traced.has(r.vantage)) && !(plan.auto && icmp && r.check === tcpName))
  const sampling: Sampling = {stop: stopReason, elapsedMs: stoppedAt - started, limitMs, ...(stopReason === 'settled' ? {} : {open}), ...privilegesOf(results)}
  return {results, sampling}
}

/**
 * The port to trace over, once it is known: the first candidate, in order, that answered from any
 * vantage point while every candidate before it failed from every vantage point. Undecided while a
 * better candidate may still answer; decided with no port when every candidate failed everywhere.
 */
export function portDecision(ports: number[], probes: CheckResult[], vantages: number): {decided: boolean; port?: number} {
  for (const port of ports) {
    const mine = probes.filter((r) => r.check === `tcp:${port}`)
    if (mine.some((r) => !r.error && (r.state === 'OK' || r.state === 'WARNING'))) return {decided: true, port}
    if (mine.length < vantages) return {decided: false}
  }
  return {decided: true}
}

/**
 * A trace stopped at the time limit with fewer than MIN_ROUNDS rounds (a probe whose SSH handshake
 * took most of the time) is too little to judge a path by: it becomes a failure to get evidence from
 * that vantage point, which the verdict lists as unavailable with this reason, never a clean path.
 */
function tooShort(result: CheckResult, limitMs: number): CheckResult {
  if (result.kind !== 'path' || !result.stopped || result.error) return result
  const rounds = roundsOf(result.hops)
  if (rounds >= MIN_ROUNDS) return result
  const message = `only ${rounds} trace round${rounds === 1 ? '' : 's'} from ${result.vantage} within the ${(limitMs / 1000).toFixed(0)} s time limit (at least ${MIN_ROUNDS} needed)`
  return {...result, state: 'UNKNOWN', summary: `PATH UNKNOWN - ${message}`, error: {code: 'TIMEOUT', message}}
}

/** A verdict's class and blamed hop: two readings in a row must agree before the rule stops. */
function readingOf(verdict: Verdict): string {
  return `${verdict.kind} ${verdict.faultHop?.address ?? ''} ${verdict.affected.join(',')}`
}

/**
 * What keeps one target's measurement going: a port probe still out while ICMP is silent (the TCP
 * trace may be the one to read), the ICMP traces too short to call the target silent, and every
 * vantage point whose trace is running but not yet settled.
 */
function unsettled(plan: SequentialPlan, results: CheckResult[], state: {probing: boolean; tcpStarted?: CheckDefinition; running: (check: string) => string[]}): string[] {
  const silent = !answersIcmp(plan.target, results)
  const open: string[] = []
  if (silent && state.probing) open.push(`${plan.target} answers no ICMP yet; looking for a TCP port that answers`)
  const {evidence, context} = diagnosisInput(plan.target, results)
  const chosen = context.tracedOver ? `path:${context.tracedOver.protocol}:${context.tracedOver.port}` : 'path'
  if (silent && state.tcpStarted && chosen === 'path') open.push(`the TCP trace of ${plan.target} has no rounds yet`)
  if (silent && chosen !== 'path') {
    const icmpRounds = results.filter((r) => r.kind === 'path' && r.check === 'path').map((r) => roundsOf(r.hops))
    if (icmpRounds.some((n) => n < MIN_ROUNDS)) open.push(`ICMP to ${plan.target}: fewer than ${MIN_ROUNDS} rounds before calling it silent`)
  }
  for (const vantage of state.running(chosen)) {
    const mine = evidence.find((e) => e.vantage === vantage)
    const settlement = mine ? vantageSettled(mine) : {settled: false as const, open: `no trace from ${vantage} yet`}
    if (!settlement.settled) open.push(settlement.open)
  }
  return open
}
