import {IMPL_MARKER} from './commands.js'
import {ToolOutputError} from './errors.js'
import type {Hop} from './types.js'

/**
 * `mtr --json` output. mtr 0.92 printed it with printf: "count", "tests" and "tos" are strings there,
 * floats have two decimals. 0.93+ use a JSON library and write numbers. Both parse here. A host that
 * never answered is "???"; with -n every other host is an address.
 */
export interface MtrReport {
  source?: string
  destination: string
  rounds: number
  hops: Hop[]
}

function num(value: unknown, field: string): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
  if (!Number.isFinite(n)) throw new ToolOutputError(`mtr JSON: "${field}" is not a number (${JSON.stringify(value)})`)
  return n
}

export function parseMtrJson(text: string): MtrReport {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new ToolOutputError(`mtr did not print JSON: ${(error as Error).message}`)
  }
  const report = (doc as {report?: {mtr?: Record<string, unknown>; hubs?: unknown}})?.report
  if (!report || typeof report !== 'object' || !report.mtr) throw new ToolOutputError('mtr JSON has no "report.mtr" object')
  const hubs = report.hubs ?? []
  if (!Array.isArray(hubs)) throw new ToolOutputError('mtr JSON: "hubs" is not a list')
  return {
    source: typeof report.mtr.src === 'string' ? report.mtr.src : undefined,
    destination: String(report.mtr.dst ?? ''),
    rounds: num(report.mtr.tests, 'tests'),
    hops: hubs.map((hub: Record<string, unknown>) => ({
      hop: num(hub.count, 'count'),
      host: String(hub.host ?? '???'),
      lossPct: num(hub['Loss%'], 'Loss%'),
      sent: num(hub.Snt, 'Snt'),
      lastMs: num(hub.Last, 'Last'),
      avgMs: num(hub.Avg, 'Avg'),
      bestMs: num(hub.Best, 'Best'),
      worstMs: num(hub.Wrst, 'Wrst'),
      stdevMs: num(hub.StDev, 'StDev'),
    })),
  }
}

/**
 * A reply this late (ms) answered a retransmitted probe. Over TCP mtr connects a real socket: when
 * the first SYN is lost the kernel sends it again after its initial retransmission timeout (1 s,
 * RFC 6298), and the SYN-ACK or time-exceeded for the copy arrives with the first SYN's start time.
 * mtr's own statistics then show loss as a second of latency; counted here, it is loss again.
 */
export const RETRANSMITTED_REPLY_MS = 1000

/** Sequence numbers of side-by-side mtr processes (lanes) are kept apart by this much per lane (mtr's own stay under 65,536). */
const LANE_SEQ = 100_000

/**
 * A line of one of several mtr processes run side by side (a non-root vantage point, see
 * analysis/round-sizing.ts), "L2 x 0 33000", as one mtr would have printed it, with a sequence number
 * of its own: "x 0 233000". Their probes then add up per hop as one trace's rounds. Any other line
 * comes back as it was.
 */
export function unlane(line: string): string {
  const match = /^L(\d+) (.*)$/.exec(line.trim())
  if (!match) return line
  const lane = Number(match[1])
  const fields = match[2].trim().split(/\s+/)
  const at = fields[0] === 'x' ? 2 : fields[0] === 'p' ? 3 : -1
  if (at > 0 && fields[at] !== undefined && /^\d+$/.test(fields[at])) fields[at] = String(lane * LANE_SEQ + Number(fields[at]))
  return fields.join(' ')
}

const isAddress = (text: string) => /^[\d.]+$|:/.test(text)

/**
 * `mtr --raw` output: one line per event. `x POS SEQ` a probe sent at TTL POS+1, `h POS ADDRESS` a
 * host seen there (several for per-flow load balancing), `p POS RTT_US SEQ` a reply. Used for TCP
 * and UDP traces, where each reply's own round trip tells a retransmitted probe from an answered
 * one. Hops end at the first that is the target (mtr keeps probing past it); a target never
 * reached ends with one silent hop after the last that answered, as mtr's report shows it.
 */
export function parseMtrRaw(text: string, target: string, lateMs = RETRANSMITTED_REPLY_MS): MtrReport {
  const sent = new Map<number, number>()
  const hosts = new Map<number, string[]>()
  const rtts = new Map<number, number[]>()
  for (const line of text.split('\n')) {
    const [kind, posText, a] = unlane(line).trim().split(/\s+/)
    const pos = Number(posText)
    if (!Number.isInteger(pos) || pos < 0) continue
    if (kind === 'x') sent.set(pos, (sent.get(pos) ?? 0) + 1)
    else if (kind === 'h' && a && !(hosts.get(pos) ?? []).includes(a)) hosts.set(pos, [...(hosts.get(pos) ?? []), a])
    else if (kind === 'p' && a !== undefined) rtts.set(pos, [...(rtts.get(pos) ?? []), num(a, 'rtt') / 1000])
  }
  if (sent.size === 0) throw new ToolOutputError('mtr --raw printed no probe ("x" line)')
  const answered = [...hosts.keys()]
  const lastHost = answered.length === 0 ? undefined : hosts.get(Math.max(...answered))![0]
  const destination = isAddress(target) ? target : lastHost
  const targetPos =
    destination === undefined
      ? undefined
      : [...hosts.entries()]
          .filter(([, h]) => h.includes(destination))
          .map(([p]) => p)
          .sort((x, y) => x - y)[0]
  const end = targetPos ?? (answered.length === 0 ? 0 : Math.max(...answered) + 1)
  const rounds = Math.max(...sent.values())
  const hops: Hop[] = []
  for (let pos = 0; pos <= end; pos++) {
    const onTime = (rtts.get(pos) ?? []).filter((ms) => ms < lateMs)
    const probes = sent.get(pos) ?? rounds
    const seen = hosts.get(pos) ?? []
    const host = pos === targetPos ? destination! : (seen[0] ?? '???')
    const hop = hopStats(pos + 1, host, probes, onTime, seen)
    // Several routers at one TTL share the load per flow (ECMP): one hop set, its replies pooled.
    if (pos !== targetPos && seen.length > 1) hop.hosts = [...seen].sort()
    hops.push(hop)
  }
  return {destination: destination ?? target, rounds, hops}
}

/**
 * `mtr --raw` read while mtr still runs, so a diagnosis can judge the rounds so far and stop it. A
 * probe counts once its line has been here for `lateMs` (the cut parseMtrRaw makes for late
 * replies): by then it is answered or lost. Every probe younger than that is left out, answered or
 * not: over a slow SSH channel output comes in bursts, and leaving out only the unanswered young
 * probes would drop the lost ones of a burst and keep its answered ones (loss read too low). A
 * second `mc-impl:` marker means the command ran again (a reconnect after a dropped SSH connection):
 * what the first run printed is dropped, as the executor drops it.
 */
export class MtrRawStream {
  private lines: string[] = []
  private partial = ''
  private readonly sentAt = new Map<number, number>()

  constructor(private readonly lateMs = RETRANSMITTED_REPLY_MS) {}

  push(chunk: string, now: number): void {
    const lines = (this.partial + chunk).split('\n')
    this.partial = lines.pop() ?? ''
    for (const printed of lines) {
      const line = unlane(printed)
      if (line.includes(IMPL_MARKER) && this.lines.length > 0) this.reset()
      const [kind, , a] = line.trim().split(/\s+/)
      if (kind === 'x') this.sentAt.set(Number(a), now)
      this.lines.push(line)
    }
  }

  /** Probes whose line came in less than lateMs before `now`: not counted yet, answered or not. */
  pending(now: number): Set<number> {
    const young = new Set<number>()
    for (const [seq, at] of this.sentAt) if (now - at < this.lateMs) young.add(seq)
    return young
  }

  /** What mtr printed so far (complete lines), without the probes still pending at `now`: what parseMtrRaw may read. */
  settledText(now: number): string {
    const young = this.pending(now)
    if (young.size === 0) return this.lines.join('\n')
    return this.lines
      .filter((line) => {
        const fields = line.trim().split(/\s+/)
        const seq = fields[0] === 'x' ? fields[2] : fields[0] === 'p' ? fields[3] : undefined
        return seq === undefined || !young.has(Number(seq))
      })
      .join('\n')
  }

  private reset(): void {
    this.lines = []
    this.sentAt.clear()
  }
}

/** A hop as one name: its address, or its ECMP set ("10.0.0.1|10.0.0.2", sorted) when several routers answered at its TTL. */
export function hopAddress(hop: Pick<Hop, 'host' | 'hosts'>): string {
  return hop.hosts && hop.hosts.length > 1 ? hop.hosts.join('|') : hop.host
}

/** A hop as a table cell: address or ECMP set, loss, and the average round trip when it answered. */
export function hopCell(hop: Hop, msUnit = ' ms'): string {
  return `${hopAddress(hop)} ${Math.round(hop.lossPct)}%${hop.host === '???' ? '' : ` ${hop.avgMs.toFixed(1)}${msUnit}`}`
}

function hopStats(hop: number, host: string, sent: number, rtts: number[], seen: string[]): Hop {
  const received = Math.min(rtts.length, sent)
  const lossPct = sent === 0 ? 100 : Math.round((1000 * (sent - received)) / sent) / 10
  const avg = received === 0 ? 0 : rtts.reduce((a, b) => a + b, 0) / rtts.length
  const stdev = received === 0 ? 0 : Math.sqrt(rtts.reduce((a, b) => a + (b - avg) ** 2, 0) / rtts.length)
  const round2 = (n: number) => Math.round(n * 100) / 100
  return {
    hop,
    host: received === 0 && seen.length === 0 ? '???' : host,
    lossPct,
    sent,
    lastMs: round2(rtts.at(-1) ?? 0),
    avgMs: round2(avg),
    bestMs: round2(received === 0 ? 0 : Math.min(...rtts)),
    worstMs: round2(received === 0 ? 0 : Math.max(...rtts)),
    stdevMs: round2(stdev),
  }
}
