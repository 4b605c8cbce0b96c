/** What triangulation reads: per vantage point, a ping summary and an mtr-style path. */

export type PathHop = {
  /** 1-based TTL. */
  index: number
  /** Undefined when the hop never answered ("???"). */
  address?: string
  asn?: string
  lossPct: number
  sent: number
  avgMs?: number
  bestMs?: number
}

export type VantageEvidence = {
  vantage: string
  /** The address the path traced to, when known: a last hop with another address did not reach it. */
  targetAddress?: string
  ping?: {lossPct: number; sent: number; rttAvgMs?: number}
  path?: PathHop[]
}

/** A path traced over TCP or UDP to a port instead of ICMP. */
export type TracedOver = {
  protocol: 'tcp' | 'udp'
  port: number
  /** The target answered no ICMP echo from any vantage point: why the trace left ICMP. */
  icmpSilent: boolean
}

/** A TCP, HTTP or DNS check of the target that succeeded: the target is up, whatever the traces say. */
export type ServiceAnswer = {vantage: string; check: string; at: string}

/** What triangulation knows besides the paths: how they were traced, and which services answered. */
export type DiagnosisContext = {
  tracedOver?: TracedOver
  serviceAnswers?: ServiceAnswer[]
  /** Vantage points asked that gave no evidence at all (no SSH connection, say), with the reason. */
  unavailable?: UnavailableVantage[]
  /** Why measuring stopped, when a diagnosis measured (absent for stored results and plain check runs). */
  sampling?: Sampling
  /** Vantage points where the target's name did not resolve: DNS findings, not path faults. */
  dnsFailures?: DnsFailure[]
}

/** A host name that did not resolve on one vantage point, with its resolver's error. */
export type DnsFailure = {vantage: string; error: string}

/** The vantage points that reached one address of the target (each resolved the name itself), and its family. */
export type AddressGroup = {address: string; family: 4 | 6; vantages: string[]}

/**
 * How a diagnosis stopped measuring. settled: the sequential test (analysis/sequential.ts) decided
 * every vantage point's finding; time-limit: --max-time came first, and `open` says what was still
 * undecided; rounds-limit: every trace sent all the rounds it may before the test decided; fixed-count:
 * --count rounds were sent, no test applied.
 */
export type Sampling = {
  stop: 'settled' | 'time-limit' | 'rounds-limit' | 'fixed-count'
  elapsedMs: number
  limitMs?: number
  open?: string[]
  /** Vantage points whose traces did not run as root: through passwordless sudo, or as a plain user (analysis/round-sizing.ts). */
  privileges?: VantagePrivilege[]
}

/** How one vantage point's traces ran when its login user is not root. */
export type VantagePrivilege = {vantage: string; runAs: 'sudo' | 'user'; lanes: number}

/** What a verdict rests on: the stop, and the rounds and probes of the traces it read. */
export type SamplingSummary = Sampling & {minRounds: number; maxRounds: number; probes: number}

export type UnavailableVantage = {vantage: string; reason: string}

export type VerdictKind = 'healthy' | 'target-down' | 'target-side' | 'vantage-side' | 'shared-path' | 'multiple-faults' | 'inconclusive'

export type HopRef = {index: number; address?: string; asn?: string; lossPct: number; avgMs?: number}

export type VantageFinding = {
  vantage: string
  /** The address this vantage point measured (its own resolution of a host name), when known. */
  address?: string
  status: 'healthy' | 'degraded' | 'down' | 'no-data'
  lossPct?: number
  rttAvgMs?: number
  /** First hop from which loss (or the latency step) persists to the target. */
  onset?: HopRef & {cause: 'latency' | 'loss'}
  /** Hops that showed loss that did not persist: ICMP rate limiting, never blamed. */
  rateLimitedHops: HopRef[]
  /** Last hop that answered, when the target did not. */
  lastResponding?: HopRef
}

export type Verdict = {
  target: string
  kind: VerdictKind
  /** Two or three sentences a person can act on. */
  explanation: string
  /** The hop the fault starts at, when one hop explains it. */
  faultHop?: HopRef
  affected: string[]
  healthy: string[]
  vantages: VantageFinding[]
  /** For 'inconclusive': what evidence would decide it. */
  missing: string[]
  /** Set when the paths were traced over TCP or UDP; absent (ICMP) in verdicts stored before it existed. */
  tracedOver?: TracedOver
  /** Vantage points that gave no evidence, and why; absent in verdicts stored before it existed. */
  unavailable?: UnavailableVantage[]
  /** How much evidence the verdict rests on and why measuring stopped; set by a diagnosis that measured. */
  sampling?: SamplingSummary
  /** The addresses measured and who reached each (with its family), when known: a host name or an IPv6 target. */
  addresses?: AddressGroup[]
  /** The address whose path the fault is on, when vantage points reached different addresses and only one's path is faulty. */
  faultAddress?: string
  /** Vantage points where the target's name did not resolve, with the resolver's error: DNS findings, not path faults. */
  dnsFailures?: DnsFailure[]
}

export type Thresholds = {
  /** Loss at or above this (percent) counts as degradation. */
  lossPct: number
  /** A jump in average latency of at least this (ms) that persists to the target counts as degradation. */
  latencyStepMs: number
  /** Hops whose path position is within this many hops of the target count as "near the target". */
  nearTargetHops: number
}

/**
 * Defaults sized for mtr -c 50: a hop with no real loss shows 0 %, and a 10 % threshold keeps a
 * link dropping 30 % (the lab's fault) far above it while a single lost probe (2 %) stays below.
 */
export const DEFAULT_THRESHOLDS: Thresholds = {lossPct: 10, latencyStepMs: 100, nearTargetHops: 1}
