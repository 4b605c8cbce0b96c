import {DEFAULT_THRESHOLDS, type HopRef, type Thresholds, type VantageEvidence, type VantageFinding, type Verdict} from './types.js'
import {analyseVantage} from './vantage.js'

const pct = (n: number | undefined) => `${Math.round(n ?? 0)}%`
const names = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`)

export function describeHop(hop: HopRef): string {
  return `hop ${hop.index} (${hop.address ?? 'no reply'}${hop.asn ? `, ${hop.asn}` : ''})`
}

/** Where a bad vantage's trouble starts: its onset hop, or for an unreachable target the last hop that answered. */
function startOf(finding: VantageFinding): HopRef | undefined {
  return finding.onset ?? finding.lastResponding
}

function rateLimitNote(findings: VantageFinding[]): string {
  const seen = new Map<string, HopRef>()
  for (const f of findings) for (const hop of f.rateLimitedHops) seen.set(hop.address ?? `#${hop.index}`, hop)
  if (seen.size === 0) return ''
  const hops = [...seen.values()].map((h) => describeHop(h))
  return ` ${hops.join(', ')} showed loss that did not persist to the target: ICMP rate limiting on that router, not a fault.`
}

/**
 * One verdict per target from every vantage point's evidence. Pure: the same evidence always gives
 * the same verdict, which is what the lab scenarios and the unit tests pin down.
 */
export function triangulate(target: string, evidence: VantageEvidence[], thresholds: Thresholds = DEFAULT_THRESHOLDS): Verdict {
  const vantages = evidence.map((e) => analyseVantage(e, thresholds))
  const withData = vantages.filter((v) => v.status !== 'no-data')
  const healthy = withData.filter((v) => v.status === 'healthy').map((v) => v.vantage)
  const bad = withData.filter((v) => v.status === 'degraded' || v.status === 'down')
  const base = {target, vantages, healthy, affected: bad.map((v) => v.vantage), missing: [] as string[]}
  const noData = vantages.filter((v) => v.status === 'no-data').map((v) => v.vantage)

  if (withData.length === 0) {
    return {...base, kind: 'inconclusive', missing: ['results from at least one vantage point'], explanation: `No vantage point returned results for ${target}, so there is nothing to judge. Check that the probes answer ("mc probe list") and run the checks again.`}
  }

  if (bad.length === 0) {
    const worst = withData.toSorted((a, b) => (b.lossPct ?? 0) - (a.lossPct ?? 0))[0]
    return {
      ...base,
      kind: 'healthy',
      explanation: `All ${withData.length} vantage point(s) reach ${target} without significant loss (worst ${pct(worst.lossPct)} from ${worst.vantage}).${rateLimitNote(withData)}`,
    }
  }

  if (bad.every((v) => v.status === 'down') && healthy.length === 0) {
    const stops = new Set(bad.map((v) => v.lastResponding?.address))
    const stop = stops.size === 1 ? bad[0].lastResponding : undefined
    return {
      ...base,
      kind: 'target-down',
      faultHop: stop,
      explanation: `${target} answered none of the ${bad.length} vantage point(s). ${stop ? `Every path stops after ${describeHop(stop)}, so the target or its link behind that router is down.` : 'The paths stop at different places, so the target itself is the common factor.'} Check the target host and its provider's status.`,
    }
  }

  const unplaced = bad.filter((v) => !startOf(v))
  if (unplaced.length > 0) {
    return {
      ...base,
      kind: 'inconclusive',
      missing: unplaced.map((v) => `path (mtr) results from ${v.vantage}`),
      explanation: `${names(unplaced.map((v) => v.vantage))} see(s) loss to ${target}, but without path results mc cannot tell where it starts. Run the path check ("--check path") from every vantage point.`,
    }
  }

  if (withData.length < 2) {
    const only = bad[0]
    return {
      ...base,
      kind: 'inconclusive',
      faultHop: startOf(only),
      missing: ['a second vantage point in another network'],
      explanation: `${only.vantage} sees ${pct(only.lossPct)} loss to ${target} starting at ${describeHop(startOf(only)!)}, but one vantage point cannot tell whose side that is. Deploy probes in other clouds ("mc probe deploy") and diagnose again.`,
    }
  }

  // Group the bad vantage points by the hop their trouble starts at.
  const groups = new Map<string, VantageFinding[]>()
  for (const v of bad) {
    const key = startOf(v)!.address ?? `#${startOf(v)!.index}`
    groups.set(key, [...(groups.get(key) ?? []), v])
  }
  if (groups.size > 1) {
    const parts = [...groups.values()].map((group) => `${describeHop(startOf(group[0])!)} for ${names(group.map((v) => v.vantage))}`)
    return {
      ...base,
      kind: 'multiple-faults',
      explanation: `Loss starts at different hops: ${parts.join('; ')}. These are separate faults, not one cause: look at each of them.${rateLimitNote(withData)}`,
    }
  }

  const hop = startOf(bad[0])!
  const pathsOf = (vantage: string) => evidence.find((e) => e.vantage === vantage)?.path ?? []
  const crosses = (vantage: string) => hop.address !== undefined && pathsOf(vantage).some((h) => h.address === hop.address)
  const lossRange = bad.length === 1 ? pct(bad[0].lossPct) : `${pct(Math.min(...bad.map((v) => v.lossPct ?? 0)))}–${pct(Math.max(...bad.map((v) => v.lossPct ?? 0)))}`
  const cause = bad.some((v) => v.onset?.cause === 'loss' || v.status === 'down') ? `loss (${lossRange})` : 'a latency step'
  const healthyCrossing = healthy.filter((v) => crosses(v))

  if (healthyCrossing.length > 0) {
    return {
      ...base,
      kind: 'inconclusive',
      faultHop: hop,
      missing: ['repeated runs (the degradation may be intermittent or per-flow)'],
      explanation: `${names(bad.map((v) => v.vantage))} see(s) ${cause} starting at ${describeHop(hop)}, but ${names(healthyCrossing)} cross(es) the same hop cleanly. The evidence contradicts itself: the fault may be intermittent or affect only some flows; run the diagnosis again.`,
    }
  }

  if (healthy.length === 0) {
    const distances = bad.map((v) => {
      const path = pathsOf(v.vantage).filter((h) => h.address !== undefined)
      const end = path.at(-1)?.index ?? hop.index
      return end - hop.index
    })
    if (distances.every((d) => d <= thresholds.nearTargetHops)) {
      return {
        ...base,
        kind: 'target-side',
        faultHop: hop,
        explanation: `Every vantage point sees ${cause} starting at ${describeHop(hop)}, ${distances.every((d) => d === 0) ? `${target} itself` : `the last router before ${target}`}. The fault is on the target's side (its inbound link or host), not on your side of the network: take it to the target's provider.${rateLimitNote(withData)}`,
      }
    }
  }

  const otherPaths = withData.filter((v) => !bad.includes(v)).map((v) => v.vantage)
  const privateHop = bad.length === 1 && !withData.some((v) => v !== bad[0] && crosses(v.vantage))
  if (privateHop) {
    return {
      ...base,
      kind: 'vantage-side',
      faultHop: hop,
      explanation: `Only ${bad[0].vantage} sees ${cause} to ${target}, starting at ${describeHop(hop)} on its own side of the network; ${names(otherPaths)} reach(es) ${target} cleanly. The fault is in ${bad[0].vantage}'s uplink or upstream provider, not at the target.${rateLimitNote(withData)}`,
    }
  }

  return {
    ...base,
    kind: 'shared-path',
    faultHop: hop,
    explanation: `${cause[0].toUpperCase()}${cause.slice(1)} starts at ${describeHop(hop)} for ${names(bad.map((v) => v.vantage))} and persists to ${target}${healthy.length > 0 ? `, while ${names(healthy)}, which do(es) not cross that hop, reach(es) it cleanly` : ''}. The fault is on the shared path through that router, not at the target or at the vantage points.${rateLimitNote(withData)}`,
    missing: noData.map((v) => `results from ${v}`),
  }
}
