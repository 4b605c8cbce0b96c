/** Check definitions (data) and the results every implementation is parsed into. */

export const CHECK_KINDS = ['ping', 'tcp', 'http', 'https', 'dns', 'path'] as const
export type CheckKind = (typeof CHECK_KINDS)[number]

export const PATH_PROTOCOLS = ['icmp', 'tcp', 'udp'] as const
export type PathProtocol = (typeof PATH_PROTOCOLS)[number]

/**
 * ping and path: which address family to measure over. auto: an IP literal's own family; a host name
 * is resolved on the vantage point itself (getent ahosts: the address its resolver gives first, the one
 * a client there would connect to) and the tool is given that address. 4 or 6 force one family, as
 * `ping -4`/`ping -6` do.
 */
export const ADDRESS_FAMILIES = ['auto', '4', '6'] as const
export type AddressFamily = (typeof ADDRESS_FAMILIES)[number]

/** Nagios states; the exit codes 0..3 of a plugin, in that order. */
export const CHECK_STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const
export type CheckState = (typeof CHECK_STATES)[number]

export interface CheckDefinition {
  kind: CheckKind
  /** Host name or IP address: what to ping, connect to, fetch from, resolve (dns) or trace (path). */
  target: string
  /** tcp (required), http/https (default 80/443), dns (the server's port, default 53), path over tcp or udp (required). */
  port?: number
  /**
   * Thresholds. ping and path: "RTA_MS,LOSS%" as check_ping takes them ("200,20%").
   * tcp, http, https, dns: response time in seconds ("0.5").
   */
  warning?: string
  critical?: string
  /** Echo requests (ping) or rounds per hop (path). */
  count?: number
  /**
   * path: what mtr traces with; default icmp. tcp (SYN to `port`; the target's SYN-ACK or RST is
   * the end-to-end answer) reaches targets that drop ICMP; udp sends to `port`.
   */
  protocol?: PathProtocol
  /**
   * path: mtr prints every probe and reply as it happens (--raw) also over icmp, so a diagnosis can
   * read the rounds while mtr runs and stop it once the verdict is settled. Over tcp and udp always.
   */
  stream?: boolean
  /**
   * path with --raw output (stream, tcp, udp): how many mtr processes run side by side, 1 s apart each,
   * when the vantage point logs in as a non-root user without passwordless sudo (mtr's interval floor
   * there is 1 s; see analysis/round-sizing.ts). Default 1. Root, and sudo, run one mtr at 0.1 s.
   */
  lanes?: number
  /**
   * ping and path: resolve a host name on the vantage point itself and measure the address it gave
   * (in this family; see AddressFamily). Unset: the tool resolves the name as it always did.
   */
  family?: AddressFamily
  /** Seconds the remote tool may take before it gives up itself. */
  timeoutS?: number
  /** http/https: the request path, default "/". */
  path?: string
  /** dns: the server to ask (default: the vantage's own resolver). */
  server?: string
  /** dns: an address the answer must contain. */
  expect?: string
  /** Name used in results and metric paths; default kind, or kind:port when a port is given. */
  name?: string
}

export interface Metric {
  name: string
  /** null for a Nagios 'U' (the plugin could not determine a value). */
  value: number | null
  /** Nagios unit of measure: '', s, ms, us, %, B, KB, MB, TB, c. */
  unit: string
  /** Nagios ranges as the plugin wrote them ("200.000000", "@10:20", "~:5"). */
  warn?: string
  crit?: string
  min?: number
  max?: number
}

export interface Hop {
  /** 1-based TTL. */
  hop: number
  /** Address (mtr -n), or "???" when the hop never answered. */
  host: string
  /**
   * Every address that answered at this TTL, sorted, when there were several: routers sharing the
   * load per flow (ECMP). One hop set, not a path change and not loss; mtr --raw reports them.
   */
  hosts?: string[]
  lossPct: number
  sent: number
  lastMs: number
  avgMs: number
  bestMs: number
  worstMs: number
  stdevMs: number
}

/**
 * How a path check ran when not as root: `sudo` (the login user has passwordless sudo, mtr ran through
 * `sudo -n` at root's pace) or `user` (mtr at the non-root floor, one round a second per process, `lanes`
 * of them side by side). Absent: root, as every result stored before this existed.
 */
export type Privilege = {runAs: 'sudo' | 'user'; lanes: number}

/** Which tool produced a result: a monitoring-plugin, a portable fallback, or none (missing tools). */
export type Implementation = 'check_ping' | 'ping' | 'check_tcp' | 'bash-dev-tcp' | 'check_http' | 'check_curl' | 'curl' | 'check_dns' | 'dig' | 'getent' | 'mtr' | 'none'

export interface CheckResult {
  /** The probe (or "local") the check ran from. */
  vantage: string
  target: string
  /** The definition's name (kind, or kind:port). */
  check: string
  kind: CheckKind
  state: CheckState
  summary: string
  metrics: Metric[]
  implementation: Implementation
  durationMs: number
  /** What the tool printed (stdout, then stderr), for humans and history. */
  raw: string
  /** ISO 8601 time the check finished. */
  at: string
  hops?: Hop[]
  /**
   * Set when mc could not get an answer from the vantage at all (not when the tool reported a
   * failure): code is the McError code (TIMEOUT for a command that overran, AUTH, TRANSIENT ...).
   */
  error?: {code: string; message: string}
  /**
   * Set when mc stopped the check on purpose before it finished (a diagnosis whose verdict was
   * settled, or its time limit): a path's figures cover the rounds it ran; other kinds carry nothing.
   */
  stopped?: true
  /** path: set when mtr did not run as the login user root (see Privilege). */
  privilege?: Privilege
  /**
  /** ping and path with a family: the address the vantage point measured (its own resolution of a host name, or the literal). */
  address?: string
  /**
   * ping and path with a family: the host name did not resolve on this vantage point, with the
   * resolver's error (a DNS finding for that vantage point; nothing was measured).
   */
  resolveError?: string
}
