import {CHECK_KINDS, type CheckDefinition, type CheckKind, PATH_PROTOCOLS, type PathProtocol} from '../checks/types.js'
import {ValidationError} from '../core/errors.js'
import {describeValue, type FieldError, fieldError, readYamlDocument, record} from './file-schema.js'

/** Settings every check of a run shares unless a checks file says otherwise per target. */
export type CheckDefaults = Pick<CheckDefinition, 'count' | 'critical' | 'timeoutS' | 'warning'>

/** `ping`, `tcp:443`, `http`, `https:8443`, `dns`, `dns:5353`, `path`, `path:icmp`, `path:tcp:443`, `path:udp:53`. */
export function parseCheckSpec(spec: string): Pick<CheckDefinition, 'kind' | 'port' | 'protocol'> {
  const parts = spec.trim().toLowerCase().split(':')
  if (parts[0] === 'path' && parts.length > 1) return parsePathSpec(spec, parts.slice(1))
  const [kind, port, ...rest] = parts
  if (!(CHECK_KINDS as readonly string[]).includes(kind) || rest.length > 0) {
    throw new ValidationError(`Unknown check "${spec}". Checks: ping, tcp:PORT, http[:PORT], https[:PORT], dns[:PORT], path, path:tcp:PORT, path:udp:PORT.`)
  }

  if (kind === 'tcp' && port === undefined) throw new ValidationError('A tcp check needs a port: tcp:443.')
  if (port !== undefined && !/^\d{1,5}$/.test(port)) throw new ValidationError(`Check "${spec}": the port must be a number.`)
  return {kind: kind as CheckKind, port: port === undefined ? undefined : Number(port)}
}

function parsePathSpec(spec: string, [protocol, port, ...rest]: string[]): Pick<CheckDefinition, 'kind' | 'port' | 'protocol'> {
  if (!(PATH_PROTOCOLS as readonly string[]).includes(protocol) || rest.length > 0 || (protocol === 'icmp' && port !== undefined)) {
    throw new ValidationError(`Unknown path check "${spec}". Path checks: path (icmp), path:tcp:PORT, path:udp:PORT.`)
  }
  if (protocol === 'icmp') return {kind: 'path', protocol: 'icmp'}
  if (port === undefined || !/^\d{1,5}$/.test(port)) throw new ValidationError(`Check "${spec}": a path over ${protocol} needs a port number: path:${protocol}:443.`)
  return {kind: 'path', protocol: protocol as PathProtocol, port: Number(port)}
}

const COUNTED = new Set<CheckKind>(['path', 'ping'])

/**
 * The run-wide settings that apply to one kind of check: a count only to ping and path, and a
 * threshold by its form, "RTA_MS,LOSS%" to ping and path, plain seconds to tcp, http and dns.
 * So `-w 100,5% --check ping --check tcp:443` sets ping's threshold and leaves tcp's default.
 */
function defaultsFor(kind: CheckKind, defaults: CheckDefaults): CheckDefaults {
  const rtaLoss = (t: string | undefined) => t !== undefined && t.includes(',')
  const fits = (t: string | undefined) => (t === undefined ? undefined : rtaLoss(t) === COUNTED.has(kind) ? t : undefined)
  return withoutUndefined({
    count: COUNTED.has(kind) ? defaults.count : undefined,
    timeoutS: defaults.timeoutS,
    warning: fits(defaults.warning),
    critical: fits(defaults.critical),
  })
}

export function definitionsFor(targets: string[], specs: string[], defaults: CheckDefaults): CheckDefinition[] {
  const checks = specs.map((s) => parseCheckSpec(s))
  return targets.flatMap((target) => checks.map((c) => ({...c, target, ...defaultsFor(c.kind, defaults)})))
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}

export type ChecksFile = {from?: string[]; definitions: CheckDefinition[]}

/** The check-selection flags of `mc check run` and `mc nagios config` (src/cli/check-flags.ts). */
export type CheckSelection = {
  file?: string
  target?: string[]
  check?: string[]
  from: string[]
  count?: number
  timeout?: number
  warning?: string
  critical?: string
}

/**
 * The checks a command runs or configures: the checks file's, then each --target with each --check
 * (default ping), all with the run-wide settings; the file's vantage points unless --from names some.
 * No definitions when neither a file nor a target is given: each command decides what that means.
 */
export function selectChecks(flags: CheckSelection): {definitions: CheckDefinition[]; from: string[]} {
  const defaults = {count: flags.count, timeoutS: flags.timeout, warning: flags.warning, critical: flags.critical}
  const file = flags.file ? readChecksFile(flags.file, defaults) : undefined
  const definitions = [...(file?.definitions ?? []), ...definitionsFor(flags.target ?? [], flags.check ?? ['ping'], defaults)]
  const from = flags.from.length === 1 && flags.from[0] === 'all' && file?.from ? file.from : flags.from
  return {definitions, from}
}

/**
 * A checks file:
 *   from: [all]                      # optional, like --from
 *   defaults: {count: 10, timeout: 15}
 *   targets:
 *     - target: 192.0.2.10
 *       checks: [ping, "tcp:22", path]
 *       warning: "100,10%"           # optional, per target
 */
export function readChecksFile(path: string, defaults: CheckDefaults): ChecksFile {
  const doc = readYamlDocument(path, 'checks file')
  const bad = fieldError(`Checks file ${path}`)
  const file = record(doc ?? {}, '', bad, ['from', 'defaults', 'targets'])
  if (!Array.isArray(file.targets) || file.targets.length === 0) {
    throw bad('targets', 'needs a "targets" list, e.g. targets: [{target: 192.0.2.10, checks: [ping, path]}]')
  }

  const fileDefaults = {...defaults, ...settings(record(file.defaults ?? {}, 'defaults', bad, SETTING_KEYS), 'defaults', bad)}
  const definitions = file.targets.flatMap((entry: unknown, i: number) => {
    const at = `targets[${i}]`
    const item = record(entry, at, bad, ['target', 'checks', ...SETTING_KEYS])
    if (typeof item.target !== 'string' || item.target.trim() === '') throw bad(`${at}.target`, 'is required: the host or address to check')
    const checks = item.checks === undefined ? ['ping'] : stringList(item.checks, `${at}.checks`, bad, '[ping, "tcp:22"]')
    if (checks.length === 0) throw bad(`${at}.checks`, 'is empty; leave it out for ping')
    const targetDefaults = {...fileDefaults, ...settings(item, at, bad)}
    return checks.flatMap((check, j) => {
      try {
        return definitionsFor([item.target as string], [check], targetDefaults)
      } catch (error) {
        throw bad(`${at}.checks[${j}]`, (error as Error).message)
      }
    })
  })
  const from = file.from === undefined ? undefined : stringList(typeof file.from === 'string' ? [file.from] : file.from, 'from', bad, '[all]')
  return {from, definitions}
}

const SETTING_KEYS = ['count', 'timeout', 'timeoutS', 'warning', 'critical']

function stringList(value: unknown, at: string, bad: FieldError, example: string): string[] {
  if (!Array.isArray(value)) throw bad(at, `must be a list, e.g. ${example}, not ${describeValue(value)}`)
  return value.map((v, i) => {
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(`${at}[${i}]`, `must be a string, not ${describeValue(v)}`)
    return String(v)
  })
}

/** count, timeout (or timeoutS), warning and critical of a file's entry or defaults, each checked. */
export function settings(source: Record<string, unknown>, at: string, bad: FieldError): CheckDefaults {
  const field = (key: string) => (at ? `${at}.${key}` : key)
  const count = (key: string, min: number, max: number) => {
    const v = source[key]
    if (v === undefined) return
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(field(key), `must be a whole number from ${min} to ${max}, not ${describeValue(v)}`)
    return v
  }

  const threshold = (key: string) => {
    const v = source[key]
    if (v === undefined) return
    if (typeof v !== 'string' && typeof v !== 'number') throw bad(field(key), `must be a threshold such as "100,10%" or 0.5, not ${describeValue(v)}`)
    return String(v)
  }

  return withoutUndefined({
    count: count('count', 1, 100),
    timeoutS: count('timeout', 1, 600) ?? count('timeoutS', 1, 600),
    warning: threshold('warning'),
    critical: threshold('critical'),
  })
}
