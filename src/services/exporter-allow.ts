import {readFileSync} from 'node:fs'
import {parse as parseYaml} from 'yaml'

import {hostProblem, validateCheck} from '../checks/validate.js'
import type {CheckDefinition} from '../checks/types.js'
import {ConfigError, ValidationError} from '../core/errors.js'
import {type CheckDefaults, definitionsFor, parseCheckSpec, settings} from './check-spec.js'
import {fieldError} from './file-schema.js'

/**
 * What `mc exporter` may run, and for whom: a YAML file in the spirit of blackbox_exporter's modules.
 *
 *   defaults: {count: 3, timeout: 10}     # optional, every entry
 *   allow:
 *     - targets: [192.0.2.10, db.example.net]
 *       checks: [ping, "tcp:5432", path]
 *       from: [local, edge-linode-us-west]   # optional: vantage points; default every probe and local
 *       count: 5                             # optional, per entry: count, timeout, warning, critical
 *   diagnose: [192.0.2.10]                   # optional: targets /diagnose may trace (default: every allowed target)
 *
 * A request runs only when one entry names its target, its check and its vantage point; anything
 * else is refused before a command is built.
 */
export type AllowEntry = {targets: string[]; checks: string[]; from?: string[]; defaults: CheckDefaults}
export type AllowList = {entries: AllowEntry[]; diagnose: string[]; path: string}

/** A request the allow-list (or validation) turns away: HTTP 400 with this message. */
export class RefusedRequest extends ValidationError {}

function list(value: unknown, what: string, path: string, mayBeEmpty = false): string[] {
  const items = Array.isArray(value) ? value : [value]
  if ((items.length === 0 && !mayBeEmpty) || items.some((v) => typeof v !== 'string' && typeof v !== 'number')) {
    throw new ConfigError(`Allow-list ${path}: ${what} must be a string or a list of strings.`)
  }
  return items.map(String)
}

export function parseAllowList(text: string, path: string): AllowList {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (error) {
    throw new ConfigError(`Cannot read allow-list ${path}: ${(error as Error).message.split('\n')[0]}`)
  }
  const file = (doc ?? {}) as {allow?: unknown; defaults?: Record<string, unknown>; diagnose?: unknown}
  if (!Array.isArray(file.allow) || file.allow.length === 0) {
    throw new ConfigError(`Allow-list ${path} needs an "allow" list, e.g. allow: [{targets: [192.0.2.10], checks: [ping, "tcp:443"]}].`)
  }
  const bad = fieldError(`Allow-list ${path}`)
  const fileDefaults = settings(file.defaults ?? {}, 'defaults', bad)
  const entries = file.allow.map((raw: unknown, i: number): AllowEntry => {
    const item = (raw ?? {}) as Record<string, unknown>
    const where = `allow[${i}]`
    const entry: AllowEntry = {
      targets: list(item.targets, `${where}.targets`, path),
      checks: list(item.checks ?? 'ping', `${where}.checks`, path),
      from: item.from === undefined ? undefined : list(item.from, `${where}.from`, path),
      defaults: {...fileDefaults, ...settings(item, where, bad)},
    }
    // Every definition the entry allows must pass the checks' own validation now, not at 3 a.m.
    try {
      for (const definition of definitionsFor(entry.targets, entry.checks, entry.defaults)) validateCheck(definition)
    } catch (error) {
      throw new ConfigError(`Allow-list ${path}, ${where}: ${(error as Error).message}`)
    }
    return entry
  })
  const allTargets = [...new Set(entries.flatMap((e) => e.targets))]
  const diagnose = file.diagnose === undefined ? allTargets : list(file.diagnose, 'diagnose', path, true)
  return {entries, diagnose, path}
}

export function readAllowList(path: string): AllowList {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`Cannot read allow-list ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  return parseAllowList(text, path)
}

/** The vantages an entry allows: its own list, else every vantage the exporter has. */
function vantagesOf(entry: AllowEntry, all: string[]): string[] {
  if (!entry.from || entry.from.includes('all')) return all
  return entry.from
}

/**
 * The one definition a /probe request asks for, or a RefusedRequest saying why not. The target is
 * checked as a host before the allow-list is consulted, so the reason names what is wrong with it.
 */
export function resolveProbe(allow: AllowList, query: {target?: string; check?: string; from?: string}, vantages: string[]): {definition: CheckDefinition; vantage: string} {
  const {target, check, from} = query
  if (!target) throw new RefusedRequest('Missing "target": /probe?target=HOST&check=CHECK&from=VANTAGE.')
  const problem = hostProblem(target)
  if (problem) throw new RefusedRequest(`target ${problem}.`)
  if (!check) throw new RefusedRequest('Missing "check": ping, tcp:PORT, http[:PORT], https[:PORT], dns[:PORT] or path.')
  let spec: ReturnType<typeof parseCheckSpec>
  try {
    spec = parseCheckSpec(check)
  } catch (error) {
    throw new RefusedRequest((error as Error).message)
  }
  const vantage = from ?? 'local'
  const name = spec.port === undefined ? spec.kind : `${spec.kind}:${spec.port}`
  const forTarget = allow.entries.filter((e) => e.targets.includes(target))
  if (forTarget.length === 0) throw new RefusedRequest(`Target ${target} is not in the allow-list (${allow.path}).`)
  const forCheck = forTarget.filter((e) => e.checks.some((c) => normalSpec(c) === name))
  if (forCheck.length === 0) throw new RefusedRequest(`Check ${name} of ${target} is not in the allow-list (${allow.path}).`)
  if (!vantages.includes(vantage)) throw new RefusedRequest(`Unknown vantage point "${vantage}": this exporter has ${vantages.join(', ')}.`)
  const entry = forCheck.find((e) => vantagesOf(e, vantages).includes(vantage))
  if (!entry) throw new RefusedRequest(`Vantage point "${vantage}" may not check ${target} (allow-list ${allow.path}).`)
  const [definition] = definitionsFor([target], [name], entry.defaults)
  return {definition, vantage}
}

function normalSpec(spec: string): string {
  const {kind, port} = parseCheckSpec(spec)
  return port === undefined ? kind : `${kind}:${port}`
}

export function resolveDiagnose(allow: AllowList, target: string | undefined): string {
  if (!target) throw new RefusedRequest('Missing "target": /diagnose?target=HOST.')
  const problem = hostProblem(target)
  if (problem) throw new RefusedRequest(`target ${problem}.`)
  if (!allow.diagnose.includes(target)) throw new RefusedRequest(`Target ${target} may not be diagnosed (allow-list ${allow.path}).`)
  return target
}

/** Every (target, check, vantage) the allow-list permits: what the generated scrape configuration asks for. */
export function allowedProbes(allow: AllowList, vantages: string[]): {target: string; check: string; vantage: string}[] {
  const all = allow.entries.flatMap((entry) =>
    entry.checks.flatMap((spec) => {
      const check = normalSpec(spec)
      return vantagesOf(entry, vantages).flatMap((vantage) => entry.targets.map((target) => ({target, check, vantage})))
    }),
  )
  const unique = new Map(all.map((p) => [`${p.target}\n${p.check}\n${p.vantage}`, p]))
  return [...unique.values()]
}
