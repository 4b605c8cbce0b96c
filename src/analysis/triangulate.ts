import {
  DEFAULT_THRESHOLDS,
  type DiagnosisContext,
  type HopRef,
  type PathHop,
  type SamplingSummary,
  type Thresholds,
  type VantageEvidence,
  type VantageFinding,
  type Verdict,
} from './types.js'
import {privilegeNote} from './privilege.js'
import {addressGroups, addressNote, dnsNote} from './addresses.js'
import {roundsOf} from './sequential.js'
import {commonStart, hopAt, lostText, possibleStarts, routerOf, undecidedHop} from './undecided.js'
import {analyseVantage} from './vantage.js'

const pct = (n: number | undefined) => `${Math.round(n ?? 0)}%`
const names = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`)
/** "dc sees" / "dc and linode see": the verb agrees with how many vantage points there are. */
const says = (list: string[], singular: string, plural: string) => `${names(list)} ${list.length === 1 ? singular : plural}`
const capitalise = (text: string) => `${text[0].toUpperCase()}${text.slice(1)}`

export function describeHop(hop: HopRef): string {
  return `hop ${hop.index} (${hop.address ?? 'no reply'}${hop.asn ? `, ${hop.asn}` : ''})`
}

function toRef(hop: PathHop): HopRef {
  return {index: hop.index, address: hop.address, asn: hop.asn, lossPct: hop.lossPct, avgMs: hop.avgMs}
}

/** Where a bad vantage's trouble starts: its onset hop, or for an unreachable target the last hop that answered. */
function startOf(finding: VantageFinding): HopRef | undefined {
  return finding.onset ?? finding.lastResponding
}

/** Everything the classifiers share about one target's evidence. */
class Evidence {
  /** false: the bare verdict of one address's vantage points, which the whole verdict quotes (no notes). */
  protected readonly withNotes: boolean = true
  readonly vantages: VantageFinding[]
  readonly withData: VantageFinding[]
  readonly healthy: string[]
  readonly bad: VantageFinding[]
  /** Said after the explanation: how the evidence was read (an undecided hop read as agreeing with the others). */
  readonly notes: string[] = []

  constructor(
    readonly target: string,
    private readonly raw: VantageEvidence[],
    readonly thresholds: Thresholds,
    readonly context: DiagnosisContext,
  ) {
    this.vantages = raw.map((e) => analyseVantage(e, thresholds))
    this.withData = this.vantages.filter((v) => v.status !== 'no-data')
    this.healthy = this.withData.filter((v) => v.status === 'healthy').map((v) => v.vantage)
    this.bad = this.withData.filter((v) => v.status === 'degraded' || v.status === 'down')
  }

  path(vantage: string): PathHop[] {
    return this.raw.find((e) => e.vantage === vantage)?.path ?? []
  }

  /** Does the vantage point's path cross this router? An ECMP set ("a|b") is crossed when the path crossed any of its routers. */
  crosses(vantage: string, address: string | undefined): boolean {
    if (address === undefined) return false
    const routers = address.split('|')
    return this.path(vantage).some((h) => h.address !== undefined && h.address.split('|').some((a) => routers.includes(a)))
  }

  /** The hops of one vantage point's path that answered at least once, in order. */
  answering(vantage: string): PathHop[] {
    return this.path(vantage).filter((h) => h.address !== undefined && h.lossPct < 100)
  }

  /** The last hop before `index` that answered, on one vantage point's path. */
  answeringBefore(vantage: string, index: number): HopRef | undefined {
    const hop = this.path(vantage).findLast((h) => h.index < index && h.address !== undefined && h.lossPct < 100)
    return hop ? toRef(hop) : undefined
  }

  verdict(kind: Verdict['kind'], explanation: string, extra: Partial<Verdict> = {}): Verdict {
    const {tracedOver, unavailable = [], dnsFailures = []} = this.context
    const rateLimits = kind === 'target-down' || kind === 'inconclusive' ? '' : this.rateLimitNote()
    const sampling = this.sampling()
    const addresses = addressGroups(this.raw)
    const text = this.withNotes
      ? this.protocolNote() +
        addressNote(this.target, addresses) +
        explanation +
        this.notes.join('') +
        rateLimits +
        this.absenceNote(extra.faultHop) +
        dnsNote(this.target, dnsFailures) +
        samplingNote(sampling)
      : explanation + this.notes.join('')
    return {
      target: this.target,
      kind,
      explanation: text,
      affected: this.bad.map((v) => v.vantage),
      healthy: this.healthy,
      vantages: this.vantages,
      missing: [],
      ...(tracedOver ? {tracedOver} : {}),
      ...(unavailable.length > 0 ? {unavailable} : {}),
      ...(sampling ? {sampling} : {}),
      ...(addresses.length > 0 ? {addresses} : {}),
      ...(dnsFailures.length > 0 ? {dnsFailures} : {}),
      ...extra,
    }
  }

  /** Was the verdict's evidence settled, or measured without the sequential test (a fixed count, stored results)? */
  settled(): boolean {
    const stop = this.context.sampling?.stop
    return stop !== 'time-limit' && stop !== 'rounds-limit'
  }

  /** Rounds and probes of the traces read, beside why measuring stopped. */
  private sampling(): SamplingSummary | undefined {
    const {sampling} = this.context
    if (!sampling) return undefined
    const paths = this.raw.filter((e) => e.path && e.path.length > 0).map((e) => e.path!)
    const rounds = paths.map((p) => roundsOf(p))
    const probes = paths.reduce((n, p) => n + p.reduce((m, h) => m + h.sent, 0), 0)
    return {...sampling, minRounds: rounds.length === 0 ? 0 : Math.min(...rounds), maxRounds: Math.max(0, ...rounds), probes}
  }

  /** Who is missing from the verdict, why, and what that means for it: said, never silently dropped. */
  private absenceNote(fault: HopRef | undefined): string {
    const {unavailable = []} = this.context
    if (unavailable.length === 0) return ''
    const who = names(unavailable.map((u) => u.vantage))
    const reasons = unavailable.map((u) => `${u.vantage}: ${u.reason}`).join('; ')
    const rest = this.withData.length === 0 ? '' : ` This verdict rests on ${names(this.withData.map((v) => v.vantage))} alone.`
    const path = fault ? ` The path from this machine to ${who} may cross ${describeHop(fault)} as well.` : ''
    return ` Vantage point${unavailable.length === 1 ? '' : 's'} ${who} could not be reached from here and gave no evidence (${reasons}).${rest}${path}`
  }

  /** "T answers no ICMP echo ...; traced over TCP 443." Said first: every hop below was measured that way. */
  private protocolNote(): string {
    const over = this.context.tracedOver
    if (!over) return ''
    const how = `${over.protocol.toUpperCase()} ${over.port}`
    return over.icmpSilent ? `${this.target} answers no ICMP echo from any vantage point; traced over ${how}. ` : `Traced over ${how}. `
  }

  private rateLimitNote(): string {
    const seen = new Map<string, HopRef>()
    for (const f of this.withData) for (const hop of f.rateLimitedHops) seen.set(hop.address ?? `#${hop.index}`, hop)
    if (seen.size === 0) return ''
    const hops = [...seen.values()].map((h) => describeHop(h))
    return ` ${hops.join(', ')} showed loss that did not persist to the target: ICMP rate limiting on that router, not a fault.`
  }
}

const roundsText = (s: SamplingSummary) => (s.minRounds === s.maxRounds ? `${s.minRounds}` : `${s.minRounds}–${s.maxRounds}`)
const secondsText = (ms: number) => `${(ms / 1000).toFixed(1)} s`

/** "Settled after 27–31 rounds per vantage point (412 probes) in 3.2 s." and the like, said last. */
function samplingNote(s: SamplingSummary | undefined): string {
  return s ? measuredNote(s) + privilegeNote(s.privileges) : ''
}

function measuredNote(s: SamplingSummary): string {
  const base = `${roundsText(s)} round${s.maxRounds === 1 ? '' : 's'} per vantage point (${s.probes} probes)`
  if (s.stop === 'fixed-count') return ` Measured ${base} in ${secondsText(s.elapsedMs)} (a fixed --count, no stopping rule).`
  if (s.stop === 'settled') return ` Settled after ${base} in ${secondsText(s.elapsedMs)}: each vantage point's loss class decided by a sequential test at under 0.5 % error.`
  const open = s.open && s.open.length > 0 ? ` Still undecided: ${s.open.join('; ')}.` : ''
  const why = s.stop === 'time-limit' ? `at the time limit (${secondsText(s.limitMs ?? s.elapsedMs)})` : 'when the traces had sent every round they may'
  return ` Stopped ${why} after ${base}, before the evidence settled: this is the best reading of it, not a settled verdict.${open}`
}

/**
 * One verdict per target from every vantage point's evidence. Pure: the same evidence always gives
 * the same verdict, which is what the lab scenarios and the unit tests pin down.
 */
export function triangulate(target: string, evidence: VantageEvidence[], thresholds: Thresholds = DEFAULT_THRESHOLDS, context: DiagnosisContext = {}): Verdict {
  return perAddress(target, evidence, thresholds, context) ?? classify(new Evidence(target, evidence, thresholds, context))
}

/** One address's vantage points, judged for the whole verdict to quote: no notes of their own. */
class QuotedEvidence extends Evidence {
  protected override readonly withNotes = false
}

function classify(e: Evidence): Verdict {
  return noEvidence(e) ?? allHealthy(e) ?? answersServices(e) ?? targetDown(e) ?? unplaced(e) ?? singleVantage(e) ?? placeFault(e)
}

/**
 * Vantage points that resolved the target's name to different addresses measured different paths:
 * a router one of them crosses cleanly toward its address says nothing about the path to another.
 * Each address's vantage points are judged on their own; when exactly one address's verdict is not
 * healthy, that is the verdict, named with its address. Otherwise (one address, or faults toward
 * several) the paths are judged together, as for one address.
 */
function perAddress(target: string, evidence: VantageEvidence[], thresholds: Thresholds, context: DiagnosisContext): Verdict | undefined {
  const groups = addressGroups(evidence)
  if (groups.length < 2) return undefined
  const judged = groups.map((group) => ({
    group,
    verdict: classify(
      new QuotedEvidence(
        target,
        evidence.filter((e) => e.targetAddress === group.address),
        thresholds,
        context,
      ),
    ),
  }))
  const faulty = judged.filter((j) => j.verdict.kind !== 'healthy')
  if (faulty.length !== 1) return undefined
  const [{group, verdict}] = faulty
  const whole = new Evidence(target, evidence, thresholds, context)
  const clean = judged.filter((j) => j !== faulty[0]).flatMap((j) => j.verdict.healthy.map((v) => ({v, address: j.group.address})))
  const cleanNote =
    clean.length === 0 ? '' : ` ${names(clean.map((c) => c.v))}, which reached ${names([...new Set(clean.map((c) => c.address))])}, ${clean.length === 1 ? 'is' : 'are'} clean.`
  return whole.verdict(verdict.kind, `On the path to ${group.address} (${names(group.vantages)}): ${verdict.explanation}${cleanNote}`, {
    ...(verdict.faultHop ? {faultHop: verdict.faultHop} : {}),
    missing: verdict.missing,
    faultAddress: group.address,
  })
}

/**
 * Never "target down" while a TCP, HTTP or DNS check of the target succeeded: the target is up and
 * drops what the traces send (a security group without ICMP, a load balancer that never answers ping).
 */
function answersServices(e: Evidence): undefined | Verdict {
  const answers = e.context.serviceAnswers ?? []
  if (answers.length === 0 || e.healthy.length > 0 || !e.bad.every((v) => v.status === 'down')) return undefined
  const seen = [...new Map(answers.map((a) => [`${a.check} from ${a.vantage}`, a])).values()].slice(0, 3)
  const how = e.context.tracedOver ? `${e.context.tracedOver.protocol.toUpperCase()} ${e.context.tracedOver.port}` : 'ICMP'
  const port = answers.map((a) => portOfCheck(a.check)).find((p) => p !== undefined)
  const retry = port === undefined ? '--protocol tcp --port PORT' : `--protocol tcp --port ${port}`
  return e.verdict(
    'inconclusive',
    `No trace over ${how} reached ${e.target}, but ${names(seen.map((a) => `${a.check} from ${a.vantage} (${a.at})`))} succeeded, so the target is up and drops these probes. Trace over a port it serves: mc check diagnose --target ${e.target} ${retry}.`,
    {missing: [`a trace over a protocol ${e.target} answers (${retry})`]},
  )
}

/** The port a service check's name stands for: "tcp:443" 443, "https" 443, "http" 80, "http:8080" 8080. */
export function portOfCheck(check: string): number | undefined {
  const [kind, port] = check.split(':')
  if (port !== undefined && /^\d+$/.test(port) && ['tcp', 'http', 'https'].includes(kind)) return Number(port)
  if (kind === 'https') return 443
  return kind === 'http' ? 80 : undefined
}

function noEvidence(e: Evidence): undefined | Verdict {
  if (e.withData.length > 0) return undefined
  if ((e.context.dnsFailures ?? []).length > 0 && e.vantages.length === 0) {
    return e.verdict('inconclusive', `${e.target} did not resolve on any vantage point that answered, so no path was traced.`, {
      missing: [`an address for ${e.target} (check the name and the vantage points' resolvers)`],
    })
  }
  return e.verdict(
    'inconclusive',
    `No vantage point returned results for ${e.target}, so there is nothing to judge. Check that the probes answer ("mc probe list") and run the checks again.`,
    {missing: ['results from at least one vantage point']},
  )
}

function allHealthy(e: Evidence): undefined | Verdict {
  if (e.bad.length > 0) return undefined
  const worst = e.withData.toSorted((a, b) => (b.lossPct ?? 0) - (a.lossPct ?? 0))[0]
  return e.verdict(
    'healthy',
    `All ${e.withData.length === 1 ? '1 vantage point reaches' : `${e.withData.length} vantage points reach`} ${e.target} without significant loss (worst ${pct(worst.lossPct)} from ${worst.vantage}).`,
  )
}

function targetDown(e: Evidence): undefined | Verdict {
  if (e.healthy.length > 0 || !e.bad.every((v) => v.status === 'down')) return undefined
  const stops = new Set(e.bad.map((v) => v.lastResponding?.address))
  const stop = stops.size === 1 ? e.bad[0].lastResponding : undefined
  const where = stop
    ? `Every path stops after ${describeHop(stop)}, so the target or its link behind that router is down.`
    : 'The paths stop at different places, so the target itself is the common factor.'
  return e.verdict(
    'target-down',
    `${e.target} answered none of the ${e.bad.length === 1 ? '1 vantage point' : `${e.bad.length} vantage points`}. ${where} Check the target host and its provider's status.`,
    {faultHop: stop},
  )
}

function unplaced(e: Evidence): undefined | Verdict {
  const missing = e.bad.filter((v) => !startOf(v)).map((v) => v.vantage)
  if (missing.length === 0) return undefined
  return e.verdict(
    'inconclusive',
    `${says(missing, 'sees', 'see')} loss to ${e.target}, but without path results mc cannot tell where it starts. Run the path check ("--check path") from every vantage point.`,
    {missing: missing.map((v) => `path (mtr) results from ${v}`)},
  )
}

function singleVantage(e: Evidence): undefined | Verdict {
  if (e.withData.length >= 2) return undefined
  const only = e.bad[0]
  return e.verdict(
    'inconclusive',
    `${only.vantage} sees ${pct(only.lossPct)} loss to ${e.target} starting at ${describeHop(startOf(only)!)}, but one vantage point cannot tell whose side that is. Deploy probes in other clouds ("mc probe deploy") and diagnose again.`,
    {faultHop: startOf(only), missing: ['a second vantage point in another network']},
  )
}

/** The bad vantage points by the hop their trouble starts at. */
function byStart(bad: VantageFinding[]): Map<string, VantageFinding[]> {
  const groups = new Map<string, VantageFinding[]>()
  for (const v of bad) {
    const key = startOf(v)!.address ?? `#${startOf(v)!.index}`
    groups.set(key, [...(groups.get(key) ?? []), v])
  }
  return groups
}

const startsText = (groups: Map<string, VantageFinding[]>) =>
  [...groups.values()].map((group) => `${describeHop(startOf(group[0])!)} for ${names(group.map((v) => v.vantage))}`).join('; ')

function placeFault(e: Evidence): Verdict {
  let groups = byStart(e.bad)
  if (groups.size > 1 && !e.settled()) {
    const undecided = readUndecided(e, groups)
    if (undecided) return undecided
    groups = byStart(e.bad)
  }
  if (groups.size > 1) {
    return e.verdict('multiple-faults', `Loss starts at different hops: ${startsText(groups)}. These are separate faults, not one cause: look at each of them.`)
  }

  const hop = startOf(e.bad[0])!
  const losses = e.bad.map((v) => v.lossPct ?? 0)
  const range = Math.min(...losses) === Math.max(...losses) ? pct(losses[0]) : `${pct(Math.min(...losses))}–${pct(Math.max(...losses))}`
  const cause = e.bad.some((v) => v.onset?.cause === 'loss' || v.status === 'down') ? `loss (${range})` : 'a latency step'
  const healthyCrossing = e.healthy.filter((v) => e.crosses(v, hop.address))
  if (healthyCrossing.length > 0) return faultBeforeCleanHop(e, hop, cause, healthyCrossing)
  return targetSide(e, hop, cause) ?? privateOrShared(e, hop, cause)
}

/**
 * Loss that starts at different hops, in a verdict given before the evidence settled (undecided.ts):
 * when every bad vantage point's loss could start at one router under some reading of its undecided
 * hops, their onsets move there (the one most of them measured) and the explanation says so; the
 * caller goes on with one cause. When they could not, but an undecided hop makes the difference (no
 * two vantage points with decided starts disagree), the verdict is inconclusive, with the reason.
 * Separate decided starts stay separate faults (undefined, groups as they are).
 */
function readUndecided(e: Evidence, groups: Map<string, VantageFinding[]>): undefined | Verdict {
  const starts = e.bad.map((v) => {
    const answering = e.answering(v.vantage)
    const start = startOf(v)!
    const measured = answering.find((h) => h.index === start.index)
    // Loss onsets only: a latency step or a path that stops is not the sequential test's to decide.
    const possible = measured && v.status === 'degraded' && v.onset?.cause === 'loss' ? possibleStarts(answering, measured) : []
    return {v, answering, measured: measured ?? {...start, sent: 0}, possible: possible.length > 0 ? possible : [measured ?? {...start, sent: 0}]}
  })
  const router = commonStart(starts)
  if (router !== undefined) {
    for (const {v, answering, measured} of starts) {
      const hop = hopAt(answering, router)!
      if (hop.index === measured.index) continue
      const between = answering.filter((h) => h.index >= Math.min(hop.index, measured.index) && h.index < Math.max(hop.index, measured.index) && undecidedHop(h))
      const others = starts.filter((o) => o.v !== v && routerOf(o.measured) === router).map((o) => o.v.vantage)
      const undecidedText = names(between.map((h) => lostText(h)))
      e.notes.push(
        ` ${v.vantage}'s loss read as starting at ${describeHop(startOf(v)!)}, but ${undecidedText} ${between.length === 1 ? 'was' : 'were'} still undecided by the sequential test when measuring stopped: read as one cause${others.length > 0 ? ` with ${names(others)}` : ''}, at ${describeHop(toRef(hop))}, not as a separate fault.`,
      )
      v.onset = {...toRef(hop), cause: 'loss'}
    }
    return undefined
  }

  const decided = starts.filter((s) => s.possible.length === 1)
  const decidedStarts = new Set(decided.map((s) => routerOf(s.measured)))
  if (decidedStarts.size > 1) return undefined
  const open = starts.filter((s) => s.possible.length > 1)
  // The undecided hops that lost probes: one that lost none is undecided only for want of rounds.
  const hops = open.flatMap((s) => s.possible.filter((h) => undecidedHop(h) && h.lossPct > 0).map((h) => `${s.v.vantage}'s ${lostText(h)}`))
  const settled = decided.length > 0 ? ` The settled vantage points (${names(decided.map((s) => s.v.vantage))}) put it at ${describeHop(toRef(decided[0].measured))}.` : ''
  return e.verdict(
    'inconclusive',
    `Loss starts at different hops as measured: ${startsText(groups)}, but measuring stopped before the sequential test decided ${names(hops)}, so mc does not call these separate faults.${settled} Run the diagnosis again with a longer --max-time.`,
    {
      ...(decided.length > 0 ? {faultHop: toRef(decided[0].measured)} : {}),
      missing: open.map((s) => `more rounds from ${s.v.vantage} (a longer --max-time)`),
    },
  )
}

/**
 * The onset router answers the healthy vantage points cleanly, so it is fine itself: the loss is on
 * the link into it from the bad vantage points' previous hop. Theirs alone: their side.
 */
function faultBeforeCleanHop(e: Evidence, hop: HopRef, cause: string, healthyCrossing: string[]): Verdict {
  const previous = e.bad.map((v) => e.answeringBefore(v.vantage, hop.index))
  const previousShared = previous.some((p) => p && e.healthy.some((h) => e.crosses(h, p.address)))
  if (previousShared) {
    return e.verdict(
      'inconclusive',
      `${says(
        e.bad.map((v) => v.vantage),
        'sees',
        'see',
      )} ${cause} starting at ${describeHop(hop)}, but ${says(healthyCrossing, 'crosses', 'cross')} the same hops cleanly. The evidence contradicts itself: the fault may be intermittent or affect only some flows; run the diagnosis again.`,
      {faultHop: hop, missing: ['repeated runs (the degradation may be intermittent or per-flow)']},
    )
  }

  const link = (p: HopRef | undefined) => (p ? `the link from ${describeHop(p)} into ${describeHop(hop)}` : `the link into ${describeHop(hop)}`)
  if (e.bad.length === 1) {
    const [only] = e.bad
    return e.verdict(
      'vantage-side',
      `Only ${only.vantage} sees ${cause} to ${e.target}, starting at ${describeHop(hop)}, which ${says(healthyCrossing, 'crosses', 'cross')} cleanly. The fault is on ${link(previous[0])}: ${only.vantage}'s uplink or upstream provider, not the target.`,
      {faultHop: hop},
    )
  }

  if (new Set(previous.map((p) => p?.address)).size === 1 && previous[0]) {
    return e.verdict(
      'shared-path',
      `${capitalise(cause)} starts at ${describeHop(hop)} for ${names(e.bad.map((v) => v.vantage))}, which ${says(healthyCrossing, 'crosses', 'cross')} cleanly. The fault is on ${link(previous[0])}, which only the affected vantage points use.`,
      {faultHop: hop},
    )
  }

  const parts = e.bad.map((v, i) => `${v.vantage} (${link(previous[i])})`)
  return e.verdict(
    'multiple-faults',
    `${names(parts)} each lose packets on their own link into a router that ${says(healthyCrossing, 'crosses', 'cross')} cleanly. These are separate faults on each affected vantage point's side, not one cause.`,
  )
}

/** Every vantage point degraded, starting at the target or its last router. */
function targetSide(e: Evidence, hop: HopRef, cause: string): undefined | Verdict {
  if (e.healthy.length > 0) return undefined
  // Each vantage point's own distance: paths of different lengths reach the same router at different TTLs.
  const distances = e.bad.map((v) => (e.path(v.vantage).findLast((h) => h.address !== undefined)?.index ?? startOf(v)!.index) - startOf(v)!.index)
  if (!distances.every((d) => d <= e.thresholds.nearTargetHops)) return undefined
  const where = distances.every((d) => d === 0) ? `${e.target} itself` : `the last router before ${e.target}`
  return e.verdict(
    'target-side',
    `Every vantage point sees ${cause} starting at ${describeHop(hop)}, ${where}. The fault is on the target's side (its inbound link or host), not on your side of the network: take it to the target's provider.`,
    {faultHop: hop},
  )
}

function privateOrShared(e: Evidence, hop: HopRef, cause: string): Verdict {
  const others = e.withData.filter((v) => !e.bad.includes(v)).map((v) => v.vantage)
  if (e.bad.length === 1 && !e.withData.some((v) => v !== e.bad[0] && e.crosses(v.vantage, hop.address))) {
    const [only] = e.bad
    return e.verdict(
      'vantage-side',
      `Only ${only.vantage} sees ${cause} to ${e.target}, starting at ${describeHop(hop)} on its own side of the network; ${says(others, 'reaches', 'reach')} ${e.target} cleanly. The fault is in ${only.vantage}'s uplink or upstream provider, not at the target.`,
      {faultHop: hop},
    )
  }

  const clean =
    e.healthy.length > 0
      ? `, while ${names(e.healthy)}, which ${e.healthy.length === 1 ? 'does' : 'do'} not cross that hop, ${e.healthy.length === 1 ? 'reaches' : 'reach'} it cleanly`
      : ''
  return e.verdict(
    'shared-path',
    `${capitalise(cause)} starts at ${describeHop(hop)} for ${names(e.bad.map((v) => v.vantage))} and persists to ${e.target}${clean}. The fault is on the shared path through that router, not at the target or at the vantage points.`,
    {faultHop: hop},
  )
}
