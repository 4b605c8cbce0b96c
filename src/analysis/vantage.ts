import type {HopRef, PathHop, Thresholds, VantageEvidence, VantageFinding} from './types.js'

function ref(hop: PathHop): HopRef {
  return {index: hop.index, address: hop.address, asn: hop.asn, lossPct: hop.lossPct, avgMs: hop.avgMs}
}

/** Hops that answered at least once: a silent hop ("???") says nothing about where loss starts. */
function answering(path: PathHop[]): PathHop[] {
  return path.filter((hop) => hop.address !== undefined && hop.lossPct < 100)
}

/**
 * Loss counts from a hop only if it persists: every later answering hop keeps at least half the
 * threshold (loss compounds downstream, but sampling noise can shave a few points) and the final
 * hop is over the threshold. Loss that fades again is an ICMP-limited router, never the cause.
 */
function lossOnset(hops: PathHop[], finalLossPct: number, t: Thresholds): {onset?: PathHop; rateLimited: PathHop[]} {
  const rateLimited: PathHop[] = []
  if (finalLossPct < t.lossPct) return {rateLimited: hops.filter((h) => h.lossPct >= t.lossPct && h !== hops.at(-1))}
  for (const [i, hop] of hops.entries()) {
    if (hop.lossPct < t.lossPct) continue
    const persists = hops.slice(i + 1).every((later) => later.lossPct >= t.lossPct / 2)
    if (persists) return {onset: hop, rateLimited}
    rateLimited.push(hop)
  }
  return {rateLimited}
}

/** A latency step: a hop whose average jumps by the threshold over every earlier hop, and stays up. */
function latencyOnset(hops: PathHop[], t: Thresholds): PathHop | undefined {
  let before = 0
  for (const [i, hop] of hops.entries()) {
    if (hop.avgMs === undefined) continue
    if (i > 0 && hop.avgMs - before >= t.latencyStepMs) {
      const stays = hops.slice(i + 1).every((later) => later.avgMs === undefined || later.avgMs >= hop.avgMs! - t.latencyStepMs / 2)
      if (stays) return hop
    }
    before = Math.max(before, hop.avgMs)
  }
  return undefined
}

/**
 * Did the trace get to the target? Not when its last hop is silent, is another address than the
 * target's, or repeats an earlier hop (a router answering "host unreachable" in the target's place).
 */
function reachedTarget(path: PathHop[], targetAddress: string | undefined): boolean {
  const last = path.at(-1)
  if (!last?.address || last.lossPct >= 100) return false
  if (targetAddress !== undefined) return last.address === targetAddress
  return !path.slice(0, -1).some((h) => h.address === last.address)
}

export function analyseVantage(evidence: VantageEvidence, t: Thresholds): VantageFinding {
  const {ping, path, vantage} = evidence
  const finding: VantageFinding = {vantage, ...(evidence.targetAddress === undefined ? {} : {address: evidence.targetAddress}), status: 'no-data', rateLimitedHops: []}
  const last = path?.at(-1)
  const reached = path ? reachedTarget(path, evidence.targetAddress) : true
  // The path's last hop has as many rounds as any hop it is compared with; ping only fills in without one.
  const finalLossPct = path ? (reached ? last!.lossPct : 100) : ping?.lossPct
  if (finalLossPct === undefined) return finding
  finding.lossPct = finalLossPct
  finding.rttAvgMs = ping?.rttAvgMs ?? last?.avgMs
  const hops = path ? answering(path) : []

  if (finalLossPct >= 100 || !reached) {
    finding.status = 'down'
    finding.lossPct = 100
    // A router that answers for an unreachable target (ICMP host unreachable) shows up twice: the
    // path stops at its first appearance.
    const lastAnswering = hops.find((h) => h.address === hops.at(-1)?.address)
    if (lastAnswering) finding.lastResponding = ref(lastAnswering)
    return finding
  }

  const {onset, rateLimited} = lossOnset(hops, finalLossPct, t)
  finding.rateLimitedHops = rateLimited.map((h) => ref(h))
  if (onset) {
    finding.status = 'degraded'
    finding.onset = {...ref(onset), cause: 'loss'}
  } else if (finalLossPct >= t.lossPct) {
    // Loss at the target with no path to place it: degraded, onset unknown.
    finding.status = 'degraded'
  } else {
    const step = latencyOnset(hops, t)
    finding.status = step ? 'degraded' : 'healthy'
    if (step) finding.onset = {...ref(step), cause: 'latency'}
  }
  return finding
}
