import {isIPv4, isIPv6} from 'node:net'

import {ValidationError} from '../core/errors.js'
import {parseRtaLoss, parseSeconds} from './thresholds.js'
import {ADDRESS_FAMILIES, type AddressFamily, CHECK_KINDS, type CheckDefinition, type CheckKind, PATH_PROTOCOLS, type PathProtocol} from './types.js'

/** A definition that passed validation, with every default filled in. */
export interface ValidCheck {
  kind: CheckKind
  target: string
  name: string
  port?: number
  warning?: string
  critical?: string
  count: number
  /** path only: icmp unless asked otherwise. */
  protocol?: PathProtocol
  /** path only: mtr --raw over icmp too (see CheckDefinition.stream). */
  stream?: boolean
  /** path only: mtr processes side by side for a non-root login (see CheckDefinition.lanes); 1 unless asked. */
  lanes?: number
  /** ping and path: resolve on the vantage point, in this family (see CheckDefinition.family). */
  family?: AddressFamily
  timeoutS: number
  path?: string
  server?: string
  expect?: string
}

type Issue = {field: string; reason: string}

const FIELDS = new Set(['kind', 'target', 'port', 'warning', 'critical', 'count', 'timeoutS', 'path', 'server', 'expect', 'name', 'protocol', 'stream', 'lanes', 'family'])
const FIELDS_BY_KIND: Record<CheckKind, Set<string>> = {
  ping: new Set(['count', 'family']),
  path: new Set(['count', 'port', 'protocol', 'stream', 'lanes', 'family']),
  tcp: new Set(['port']),
  http: new Set(['port', 'path']),
  https: new Set(['port', 'path']),
  dns: new Set(['port', 'server', 'expect']),
}
const KIND_ONLY_FIELDS = new Set(['port', 'count', 'path', 'server', 'expect', 'protocol', 'stream', 'lanes', 'family'])
const DEFAULT_PORT: Partial<Record<CheckKind, number>> = {http: 80, https: 443, dns: 53}
/** The most mtr processes one path check may run side by side (analysis/round-sizing.ts asks for up to 8). */
const MAX_LANES = 16
const RTA_LOSS_DEFAULTS = {warning: '200,20%', critical: '500,60%'}

// Host names: RFC 1123 labels (underscore allowed, as DNS names carry it), no leading or trailing
// hyphen. Nothing a shell or an option parser could read as syntax gets through.
const LABEL = /^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$/
// Request paths: a conservative subset of RFC 3986 (no quotes, $, ;, backtick, parentheses, spaces).
const URL_PATH = /^\/[A-Za-z0-9\-._~/%?&=+,:@]*$/
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/

/** Why `host` is not a host name or IP address, or undefined when it is one. */
export function hostProblem(host: unknown): string | undefined {
  if (typeof host !== 'string' || host === '') return 'must be a host name or IP address'
  if (host.startsWith('-')) return 'must not start with "-" (it would read as a command-line option)'
  if (isIPv4(host) || isIPv6(host)) return undefined
  if (/[^A-Za-z0-9_.-]/.test(host)) {
    return 'may contain only letters, digits, "-", "_" and "." (or be an IPv4/IPv6 address)'
  }
  const name = host.endsWith('.') ? host.slice(0, -1) : host
  if (name.length > 253) return 'is longer than 253 characters'
  if (!name.split('.').every((label) => LABEL.test(label))) {
    return 'has an empty label, a label over 63 characters, or one starting or ending with "-"'
  }
  // All-numeric dotted names that are not valid IPv4 ("999.1.1.1") are typos, not hosts.
  if (/^[\d.]+$/.test(name)) return 'looks like an IPv4 address but is not a valid one'
  return undefined
}

function integer(value: unknown, min: number, max: number): string | undefined {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    return `must be a whole number from ${min} to ${max}`
  }
  return undefined
}

function thresholdIssues(kind: CheckKind, warning: unknown, critical: unknown): Issue[] {
  const issues: Issue[] = []
  const parse = <T>(field: string, value: unknown, parser: (spec: string, field: string) => T): T | undefined => {
    if (value === undefined) return undefined
    if (typeof value !== 'string') {
      issues.push({field, reason: 'must be a string'})
      return undefined
    }
    try {
      return parser(value, field)
    } catch (error) {
      issues.push({field, reason: error instanceof ValidationError && error.fields[0] ? error.fields[0].reason : (error as Error).message})
      return undefined
    }
  }
  if (kind === 'ping' || kind === 'path') {
    // Compared with the defaults too: check_ping refuses a warning above its critical.
    const warn = parse('warning', warning ?? RTA_LOSS_DEFAULTS.warning, parseRtaLoss)
    const crit = parse('critical', critical ?? RTA_LOSS_DEFAULTS.critical, parseRtaLoss)
    if (warn && crit && (warn.rtaMs > crit.rtaMs || warn.lossPct > crit.lossPct)) {
      issues.push({field: 'warning', reason: `must not exceed critical (${warn.rtaMs},${warn.lossPct}% > ${crit.rtaMs},${crit.lossPct}%)`})
    }
  } else {
    const warn = parse('warning', warning, parseSeconds)
    const crit = parse('critical', critical, parseSeconds)
    if (warn !== undefined && crit !== undefined && warn > crit) {
      issues.push({field: 'warning', reason: `must not exceed critical (${warn}s > ${crit}s)`})
    }
  }
  return issues
}

/**
 * Check a definition before any command is built from it. Every problem is reported at once in one
 * ValidationError; a target that could be read as shell syntax or as an option never passes.
 */
export function validateCheck(input: CheckDefinition): ValidCheck {
  const raw = input as unknown as Record<string, unknown>
  const issues: Issue[] = []
  for (const field of Object.keys(raw)) {
    if (!FIELDS.has(field)) issues.push({field, reason: 'is not a check field'})
  }
  const kind = raw.kind as CheckKind
  if (!CHECK_KINDS.includes(kind)) {
    issues.push({field: 'kind', reason: `must be one of ${CHECK_KINDS.join(', ')}`})
    throw invalid(input, issues)
  }
  for (const field of KIND_ONLY_FIELDS) {
    if (raw[field] !== undefined && !FIELDS_BY_KIND[kind].has(field)) issues.push({field, reason: `does not apply to ${kind} checks`})
  }
  const targetProblem = hostProblem(raw.target)
  if (targetProblem) issues.push({field: 'target', reason: targetProblem})
  if (kind === 'tcp' && raw.port === undefined) issues.push({field: 'port', reason: 'is required for tcp checks'})
  issues.push(...protocolIssues(kind, raw.protocol, raw.port))
  const portProblem = raw.port === undefined ? undefined : integer(raw.port, 1, 65_535)
  if (portProblem) issues.push({field: 'port', reason: portProblem})
  const countProblem = raw.count === undefined ? undefined : integer(raw.count, 1, 100)
  if (countProblem) issues.push({field: 'count', reason: countProblem})
  if (raw.stream !== undefined && typeof raw.stream !== 'boolean') issues.push({field: 'stream', reason: 'must be true or false'})
  const lanesProblem = raw.lanes === undefined ? undefined : integer(raw.lanes, 1, MAX_LANES)
  if (lanesProblem) issues.push({field: 'lanes', reason: lanesProblem})
  issues.push(...familyIssues(raw.family, raw.target))
  const timeoutProblem = raw.timeoutS === undefined ? undefined : integer(raw.timeoutS, 1, 600)
  if (timeoutProblem) issues.push({field: 'timeoutS', reason: timeoutProblem})
  issues.push(...thresholdIssues(kind, raw.warning, raw.critical))
  if (raw.path !== undefined && (typeof raw.path !== 'string' || !URL_PATH.test(raw.path))) {
    issues.push({field: 'path', reason: 'must start with "/" and use only letters, digits and - . _ ~ / % ? & = + , : @'})
  }
  if (raw.server !== undefined) {
    const problem = hostProblem(raw.server)
    if (problem) issues.push({field: 'server', reason: problem})
  }
  if (raw.expect !== undefined && (typeof raw.expect !== 'string' || !(isIPv4(raw.expect) || isIPv6(raw.expect)))) {
    issues.push({field: 'expect', reason: 'must be an IPv4 or IPv6 address'})
  }
  if (raw.name !== undefined && (typeof raw.name !== 'string' || !NAME.test(raw.name))) {
    issues.push({field: 'name', reason: 'must be 1-64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit'})
  }
  if (issues.length > 0) throw invalid(input, issues)

  const port = (raw.port as number | undefined) ?? DEFAULT_PORT[kind]
  const count = (raw.count as number | undefined) ?? (kind === 'path' ? 10 : 5)
  const thresholds: {warning?: string; critical?: string} = kind === 'ping' || kind === 'path' ? RTA_LOSS_DEFAULTS : {}
  const check: ValidCheck = {
    kind,
    target: raw.target as string,
    name: (raw.name as string | undefined) ?? defaultName(kind, raw.port as number | undefined, raw.protocol as PathProtocol | undefined),
    port,
    warning: (raw.warning as string | undefined) ?? thresholds.warning,
    critical: (raw.critical as string | undefined) ?? thresholds.critical,
    count,
    protocol: kind === 'path' ? ((raw.protocol as PathProtocol | undefined) ?? 'icmp') : undefined,
    ...(kind === 'path' && raw.stream === true ? {stream: true} : {}),
    ...(kind === 'path' && typeof raw.lanes === 'number' && raw.lanes > 1 ? {lanes: raw.lanes} : {}),
    ...(raw.family === undefined ? {} : {family: raw.family as AddressFamily}),
    timeoutS: (raw.timeoutS as number | undefined) ?? defaultTimeoutS(kind, count),
    path: kind === 'http' || kind === 'https' ? ((raw.path as string | undefined) ?? '/') : undefined,
    server: raw.server as string | undefined,
    expect: raw.expect as string | undefined,
  }
  // check_ping sends one echo request a second and stops at its own timeout.
  if (kind === 'ping' && check.timeoutS <= check.count) {
    throw invalid(input, [{field: 'timeoutS', reason: `must exceed count (${check.count}): ping sends one request a second`}])
  }
  return check
}

/** path over icmp keeps the name it always had ("path"); over tcp or udp it says so: "path:tcp:443". */
function defaultName(kind: CheckKind, port: number | undefined, protocol: PathProtocol | undefined): string {
  if (kind === 'path' && protocol !== undefined && protocol !== 'icmp') return `path:${protocol}:${port}`
  return port === undefined ? kind : `${kind}:${port}`
}

/** A path traces over icmp (no port), or over tcp or udp to a port. */
function protocolIssues(kind: CheckKind, protocol: unknown, port: unknown): Issue[] {
  if (kind !== 'path') return []
  if (protocol !== undefined && !(PATH_PROTOCOLS as readonly unknown[]).includes(protocol)) return [{field: 'protocol', reason: `must be one of ${PATH_PROTOCOLS.join(', ')}`}]
  const overPorts = protocol === 'tcp' || protocol === 'udp'
  if (overPorts && port === undefined) return [{field: 'port', reason: `is required for a path traced over ${String(protocol)}`}]
  if (!overPorts && port !== undefined) return [{field: 'port', reason: 'applies to a path traced over tcp or udp only (protocol tcp or udp)'}]
  return []
}

/** A family is auto, 4 or 6, and an IP literal target must be of the family asked for. */
function familyIssues(family: unknown, target: unknown): Issue[] {
  if (family === undefined) return []
  if (!(ADDRESS_FAMILIES as readonly unknown[]).includes(family)) return [{field: 'family', reason: `must be one of ${ADDRESS_FAMILIES.join(', ')}`}]
  const literal = typeof target === 'string' && isIPv4(target) ? '4' : typeof target === 'string' && isIPv6(target) ? '6' : undefined
  if (literal && family !== 'auto' && family !== literal) return [{field: 'family', reason: `is IPv${family}, but the target is an IPv${literal} address`}]
  return []
}

/** ping sends one request a second; mtr as a non-root user probes one round a second. */
function defaultTimeoutS(kind: CheckKind, count: number): number {
  if (kind === 'ping') return Math.max(10, count + 5)
  if (kind === 'path') return count + 10
  return 10
}

function invalid(input: CheckDefinition, issues: Issue[]): ValidationError {
  const what = `${String((input as {kind?: unknown}).kind)} check of ${JSON.stringify(String((input as {target?: unknown}).target))}`
  return new ValidationError(`Invalid ${what}: ${issues.map((i) => `${i.field} ${i.reason}`).join('; ')}`, issues)
}
