import {STATE_EXIT_CODE} from '../checks/thresholds.js'
import type {CheckResult, Metric} from '../checks/types.js'
import {ProviderError, TimeoutError, TransientError} from '../core/errors.js'
import {writeOutputFile} from '../store/output-file.js'

/**
 * Prometheus text exposition format 0.0.4. Families:
 *   mc_check_state{vantage,target,check,kind,implementation}  0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 *   mc_check_duration_seconds, mc_check_timestamp_seconds
 *   mc_<kind>_<metric>_<base unit>  each plugin metric in base units (ms -> seconds, % -> ratio, KB -> bytes)
 * No sample timestamps: node_exporter's textfile collector rejects them.
 */

export interface PrometheusOptions {
  /** Labels to leave out (the Pushgateway forbids labels that repeat its grouping key). */
  omitLabels?: string[]
}

interface Family {
  help: string
  type: 'gauge' | 'counter'
  samples: string[]
}

/** Nagios units to Prometheus base units. Division keeps 41% -> 0.41 exact where multiplying by 0.01 would not. */
const UNITS: Record<string, {suffix: string; convert: (value: number) => number; type?: 'counter'}> = {
  s: {suffix: '_seconds', convert: (v) => v},
  ms: {suffix: '_seconds', convert: (v) => v / 1e3},
  us: {suffix: '_seconds', convert: (v) => v / 1e6},
  '%': {suffix: '_ratio', convert: (v) => v / 100},
  B: {suffix: '_bytes', convert: (v) => v},
  KB: {suffix: '_bytes', convert: (v) => v * 1024},
  MB: {suffix: '_bytes', convert: (v) => v * 1024 ** 2},
  TB: {suffix: '_bytes', convert: (v) => v * 1024 ** 4},
  c: {suffix: '_total', convert: (v) => v, type: 'counter'},
  '': {suffix: '', convert: (v) => v},
}

export function metricName(name: string): string {
  const clean = name.replaceAll(/[^A-Za-z0-9_]/g, '_')
  return /^[0-9]/.test(clean) ? `_${clean}` : clean
}

export function labelValue(value: string): string {
  return value
    .replaceAll('\\', '\\\\')
    .replaceAll('"', String.raw`\"`)
    .replaceAll('\n', String.raw`\n`)
}

function labels(pairs: Record<string, string>, omit: Set<string>): string {
  const body = Object.entries(pairs)
    .filter(([name]) => !omit.has(name))
    .map(([name, value]) => `${name}="${labelValue(value)}"`)
    .join(',')
  return body === '' ? '' : `{${body}}`
}

/** Go-style float text: integers plain, others shortest round-trip; NaN/Inf spelled as Prometheus wants. */
function sampleValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  return String(value)
}

function pluginFamily(result: CheckResult, metric: Metric): {name: string; unit: (typeof UNITS)[string]} {
  const unit = UNITS[metric.unit] ?? {suffix: `_${metricName(metric.unit.toLowerCase())}`, convert: (v: number) => v}
  return {name: metricName(`mc_${result.kind}_${metric.name}`) + unit.suffix, unit}
}

export function renderPrometheus(results: CheckResult[], options: PrometheusOptions = {}): string {
  const omit = new Set(options.omitLabels ?? [])
  const families = new Map<string, Family>()
  const add = (name: string, help: string, type: Family['type'], labelText: string, value: number) => {
    let family = families.get(name)
    if (!family) {
      family = {help, type, samples: []}
      families.set(name, family)
    }
    family.samples.push(`${name}${labelText} ${sampleValue(value)}`)
  }
  for (const r of results) {
    const id = {vantage: r.vantage, target: r.target, check: r.check}
    add(
      'mc_check_state',
      'Check state: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.',
      'gauge',
      labels({...id, kind: r.kind, implementation: r.implementation}, omit),
      STATE_EXIT_CODE[r.state],
    )
    add('mc_check_duration_seconds', 'How long the check took on its vantage, in seconds.', 'gauge', labels(id, omit), r.durationMs / 1000)
    add('mc_check_timestamp_seconds', 'When the check finished, in Unix seconds.', 'gauge', labels(id, omit), Date.parse(r.at) / 1000)
    for (const m of r.metrics) {
      if (m.value === null) continue
      const {name, unit} = pluginFamily(r, m)
      const help = `${r.kind} check metric "${m.name}"${m.unit ? ` (reported in ${m.unit})` : ''}, in base units.`
      add(name, help, unit.type ?? 'gauge', labels(id, omit), unit.convert(m.value))
    }
  }
  const out: string[] = []
  for (const [name, family] of [...families.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    out.push(`# HELP ${name} ${family.help.replaceAll('\\', '\\\\').replaceAll('\n', String.raw`\n`)}`, `# TYPE ${name} ${family.type}`, ...family.samples)
  }
  return out.length > 0 ? out.join('\n') + '\n' : ''
}

/** For node_exporter's textfile collector (--prom-textfile PATH): replaced atomically, readable by the exporter. */
export function writePromTextfile(path: string, results: CheckResult[]): void {
  writeOutputFile(path, renderPrometheus(results), 0o644)
}

/** A grouping-key path segment: plain when URL-safe, else base64url with the @base64 suffix. */
function groupingSegment(name: string, value: string): string {
  if (/^[A-Za-z0-9._~-]+$/.test(value)) return `${name}/${value}`
  return `${name}@base64/${Buffer.from(value).toString('base64url') || '='}`
}

export interface PushOptions {
  /** PUT replaces the vantage's whole group (default); POST replaces only metrics with the same names. */
  method?: 'PUT' | 'POST'
  timeoutMs?: number
  fetch?: typeof fetch
}

/**
 * Push to a Prometheus Pushgateway, one group per vantage: /metrics/job/mc/vantage/<vantage>.
 * The vantage label lives in the grouping key, so it is left out of the samples.
 */
export async function pushToGateway(gatewayUrl: string, results: CheckResult[], options: PushOptions = {}): Promise<string[]> {
  const doFetch = options.fetch ?? fetch
  const base = gatewayUrl.replace(/\/+$/, '')
  const byVantage = new Map<string, CheckResult[]>()
  for (const r of results) byVantage.set(r.vantage, [...(byVantage.get(r.vantage) ?? []), r])
  const pushed: string[] = []
  for (const [vantage, group] of byVantage) {
    const url = `${base}/metrics/job/mc/${groupingSegment('vantage', vantage)}`
    let response: Response
    try {
      response = await doFetch(url, {
        method: options.method ?? 'PUT',
        headers: {'content-type': 'text/plain; version=0.0.4; charset=utf-8'},
        body: renderPrometheus(group, {omitLabels: ['vantage']}),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      })
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') throw new TimeoutError(`The Pushgateway at ${base} did not answer within ${Math.round((options.timeoutMs ?? 10_000) / 1000)}s`)
      throw new TransientError(`Cannot reach the Pushgateway at ${base}: ${(error as Error).message}`)
    }
    if (!response.ok) {
      const body = (await response.text()).slice(0, 300)
      throw new ProviderError(`The Pushgateway at ${base} refused the metrics of ${vantage}: HTTP ${response.status} ${body}`, undefined, response.status)
    }
    pushed.push(url)
  }
  return pushed
}
