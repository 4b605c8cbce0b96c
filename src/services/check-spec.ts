import {readFileSync} from 'node:fs'
import {parse as parseYaml} from 'yaml'

import {CHECK_KINDS, type CheckDefinition, type CheckKind, PATH_PROTOCOLS, type PathProtocol} from '../checks/types.js'
import {ValidationError} from '../core/errors.js'

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
  const fits = (t: string | undefined) => (t === undefined ? undefined : (rtaLoss(t) === COUNTED.has(kind) ? t : undefined))
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
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new ValidationError(`Cannot read checks file ${path}: ${(error as Error).message.split('\n')[0]}`)
  }

  const file = (doc ?? {}) as {defaults?: Record<string, unknown>; from?: unknown; targets?: unknown}
  if (!Array.isArray(file.targets) || file.targets.length === 0) {
    throw new ValidationError(`Checks file ${path} needs a "targets" list, e.g. targets: [{target: 192.0.2.10, checks: [ping, path]}].`)
  }

  const fileDefaults = {...defaults, ...settings(file.defaults ?? {})}
  const definitions = file.targets.flatMap((entry: unknown, i: number) => {
    const item = (entry ?? {}) as Record<string, unknown>
    if (typeof item.target !== 'string') throw new ValidationError(`Checks file ${path}: targets[${i}] needs "target".`)
    const checks = Array.isArray(item.checks) ? item.checks.map(String) : ['ping']
    return definitionsFor([item.target], checks, {...fileDefaults, ...settings(item)})
  })
  const from = file.from === undefined ? undefined : (Array.isArray(file.from) ? file.from : [file.from]).map(String)
  return {from, definitions}
}

function settings(source: Record<string, unknown>): CheckDefaults {
  const number = (v: unknown) => (v === undefined ? undefined : Number(v))
  return withoutUndefined({
    count: number(source.count),
    timeoutS: number(source.timeout ?? source.timeoutS),
    warning: source.warning === undefined ? undefined : String(source.warning),
    critical: source.critical === undefined ? undefined : String(source.critical),
  })
}
