import {hopAddress} from '../checks/mtr.js'
import type {CheckResult, Hop, PathProtocol} from '../checks/types.js'
import type {DiagnosisContext, DnsFailure, PathHop, ServiceAnswer, UnavailableVantage, VantageEvidence} from './types.js'

export function toPathHop(hop: Hop): PathHop {
  if (hop.host === '???') return {index: hop.hop, lossPct: hop.lossPct, sent: hop.sent}
  return {index: hop.hop, address: hopAddress(hop), lossPct: hop.lossPct, sent: hop.sent, avgMs: hop.avgMs, bestMs: hop.bestMs}
}

/** How a path result was traced, from its check name: "path" is ICMP, "path:tcp:443" TCP to 443. */
export function traceOf(result: Pick<CheckResult, 'check'>): {protocol: PathProtocol; port?: number} {
  const match = /^path:(tcp|udp):(\d+)$/.exec(result.check)
  return match ? {protocol: match[1] as PathProtocol, port: Number(match[2])} : {protocol: 'icmp'}
}

const SERVICE_KINDS = new Set<CheckResult['kind']>(['tcp', 'http', 'https', 'dns'])

/** TCP, HTTP and DNS checks of the target that succeeded (OK or WARNING: it answered). */
export function serviceAnswers(target: string, results: CheckResult[]): ServiceAnswer[] {
  return results
    .filter((r) => r.target === target && !r.error && SERVICE_KINDS.has(r.kind) && (r.state === 'OK' || r.state === 'WARNING'))
    .map((r) => ({vantage: r.vantage, check: r.check, at: r.at}))
}

const pingAnswered = (r: CheckResult) => r.kind === 'ping' && r.implementation !== 'none' && (r.metrics.find((m) => m.name === 'pl')?.value ?? 100) < 100

/** An ICMP trace whose last hop is the target itself, answering. */
const icmpReached = (target: string, r: CheckResult) =>
  r.kind === 'path' && traceOf(r).protocol === 'icmp' && r.hops?.at(-1)?.host === (r.address ?? target) && r.hops.at(-1)!.lossPct < 100

/** Does any vantage point get an ICMP answer from the target: an echo reply, or an ICMP trace reaching it? */
export function answersIcmp(target: string, results: CheckResult[]): boolean {
  return results.some((r) => r.target === target && !r.error && (pingAnswered(r) || icmpReached(target, r)))
}

/**
 * Which trace a verdict reads when several were taken: ICMP while the target answers ICMP anywhere
 * (or nothing else was traced), else the TCP or UDP trace that reached it from the most vantage points.
 */
function chosenTrace(target: string, results: CheckResult[]): {check: string; context: Pick<DiagnosisContext, 'tracedOver'>} {
  const mine = results.filter((r) => r.target === target && !r.error)
  const paths = mine.filter((r) => r.kind === 'path' && r.hops && r.hops.length > 0)
  // Silent only if ICMP was tried: a TCP trace run alone (check run --check path:tcp:443) says nothing about ICMP.
  const triedIcmp = mine.some((r) => r.kind === 'ping' || (r.kind === 'path' && traceOf(r).protocol === 'icmp'))
  const icmpSilent = triedIcmp && !answersIcmp(target, mine)
  const others = paths.filter((r) => traceOf(r).protocol !== 'icmp')
  const hasIcmp = paths.some((r) => traceOf(r).protocol === 'icmp')
  if (others.length === 0 || (hasIcmp && !icmpSilent)) return {check: 'path', context: {}}
  const reached = (check: string) => others.filter((r) => r.check === check && r.hops!.at(-1)!.lossPct < 100).length
  const check = [...new Set(others.map((r) => r.check))].sort((a, b) => reached(b) - reached(a))[0]
  const {protocol, port} = traceOf({check})
  return {check, context: {tracedOver: {protocol: protocol as 'tcp' | 'udp', port: port!, icmpSilent}}}
}

/**
 * Ping and path results for one target, per vantage point, as triangulation reads them, and what
 * it needs to know besides. A result mc could not get at all (probe unreachable) is no evidence,
 * not 100 % loss.
 */
export function diagnosisInput(target: string, results: CheckResult[]): {evidence: VantageEvidence[]; context: DiagnosisContext} {
  const {check, context} = chosenTrace(target, results)
  const byVantage = new Map<string, VantageEvidence>()
  const pingAddress = new Map<string, string | undefined>()
  const dnsFailures = new Map<string, string>()
  for (const result of results) {
    if (result.target !== target || result.error) continue
    if (result.kind !== 'ping' && !(result.kind === 'path' && result.check === check)) continue
    if (result.resolveError !== undefined) {
      if (!dnsFailures.has(result.vantage)) dnsFailures.set(result.vantage, result.resolveError)
      continue
    }
    if (result.kind === 'ping') pingAddress.set(result.vantage, result.address)
    const evidence = byVantage.get(result.vantage) ?? {vantage: result.vantage}
    addResult(evidence, result)
    byVantage.set(result.vantage, evidence)
  }

  for (const evidence of byVantage.values()) reconcileAddresses(evidence, pingAddress.get(evidence.vantage))
  // A vantage point that resolved the name for one check and not the other still has its evidence.
  for (const vantage of byVantage.keys()) dnsFailures.delete(vantage)
  const unavailable = unavailableVantages(target, results, new Set(byVantage.keys()))
  // In the order the vantage points first appear among all the results (the session's order), not in
  // the order of the results read: which ping finished before a stop must not reorder the verdict.
  const order = [...new Set(results.filter((r) => r.target === target).map((r) => r.vantage))]
  const evidence = order.flatMap((vantage) => byVantage.get(vantage) ?? [])
  const dns: DnsFailure[] = [...dnsFailures].map(([vantage, error]) => ({vantage, error}))
  return {
    evidence,
    context: {
      ...context,
      serviceAnswers: serviceAnswers(target, results),
      ...(unavailable.length > 0 ? {unavailable} : {}),
      ...(dns.length > 0 ? {dnsFailures: dns} : {}),
    },
  }
}

/** A ping's loss and round trip, or a trace's hops and the address it reached, into one vantage point's evidence. */
function addResult(evidence: VantageEvidence, result: CheckResult): void {
  if (result.kind === 'ping' && result.implementation !== 'none') {
    const loss = result.metrics.find((m) => m.name === 'pl')?.value
    const rta = result.metrics.find((m) => m.name === 'rta')?.value
    if (loss !== null && loss !== undefined) evidence.ping = {lossPct: loss, sent: 0, rttAvgMs: rta ?? undefined}
  }

  if (result.kind === 'path' && result.hops && result.hops.length > 0) {
    evidence.path = result.hops.map((hop) => toPathHop(hop))
    if (result.address !== undefined) evidence.targetAddress = result.address
  }
}

/**
 * Ping and the trace each resolve the name on the vantage point: a resolver that rotates its answers
 * may give them different addresses. The trace carries the verdict, so a ping of another address is
 * no evidence for its path; without a trace, the ping's address is the one measured.
 */
function reconcileAddresses(evidence: VantageEvidence, pinged: string | undefined): void {
  if (evidence.path === undefined) {
    if (pinged !== undefined) evidence.targetAddress = pinged
    return
  }
  if (evidence.ping && pinged !== undefined && evidence.targetAddress !== undefined && pinged !== evidence.targetAddress) delete evidence.ping
}

/** Vantage points whose every result for the target is a failure to reach them, with the first reason. */
function unavailableVantages(target: string, results: CheckResult[], withEvidence: Set<string>): UnavailableVantage[] {
  const reasons = new Map<string, string>()
  for (const r of results) {
    if (r.target === target && r.error && !withEvidence.has(r.vantage) && !reasons.has(r.vantage)) reasons.set(r.vantage, r.error.message)
  }
  return [...reasons].map(([vantage, reason]) => ({vantage, reason}))
}

/** The per-vantage evidence alone (tests and the lab print it beside a verdict). */
export function evidenceFromResults(target: string, results: CheckResult[]): VantageEvidence[] {
  return diagnosisInput(target, results).evidence
}
