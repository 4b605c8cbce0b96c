import {CHECK_STATES, type CheckState, type Metric} from './types.js'

/**
 * Nagios plugin output, per the monitoring-plugins development guidelines:
 *
 *   TEXT OUTPUT | OPTIONAL PERFDATA
 *   LONG TEXT LINE 1
 *   LONG TEXT LINE 2 | PERFDATA LINE 2
 *   PERFDATA LINE 3
 *
 * The first `|` on a later line starts perfdata that runs to the end of the output.
 */
export interface PluginOutput {
  text: string
  longText: string[]
  perfdata: Metric[]
  /** Perfdata items that did not parse (kept for debugging; plugins in the wild emit junk). */
  invalidPerfdata: string[]
}

export function parsePluginOutput(output: string): PluginOutput {
  const lines = output.replaceAll('\r\n', '\n').replace(/\n+$/, '').split('\n')
  const [first = '', ...rest] = lines
  const bar = first.indexOf('|')
  const text = (bar === -1 ? first : first.slice(0, bar)).trim()
  const perfParts = bar === -1 ? [] : [first.slice(bar + 1)]
  const longText: string[] = []
  let inPerfdata = false
  for (const line of rest) {
    if (inPerfdata) {
      perfParts.push(line)
      continue
    }
    const lineBar = line.indexOf('|')
    if (lineBar === -1) {
      longText.push(line)
    } else {
      if (line.slice(0, lineBar).trim() !== '') longText.push(line.slice(0, lineBar).trimEnd())
      perfParts.push(line.slice(lineBar + 1))
      inPerfdata = true
    }
  }
  const {metrics, invalid} = parsePerfdataWithErrors(perfParts.join(' '))
  return {text, longText, perfdata: metrics, invalidPerfdata: invalid}
}

export function parsePerfdata(text: string): Metric[] {
  return parsePerfdataWithErrors(text).metrics
}

// value[UOM]: a number (or U) and an optional unit; units outside the guideline list are kept as written.
const VALUE = /^(U|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)([A-Za-z%]*)$/
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/

function parsePerfdataWithErrors(text: string): {metrics: Metric[]; invalid: string[]} {
  const metrics: Metric[] = []
  const invalid: string[] = []
  let i = 0
  const n = text.length
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++
    if (i >= n) break
    const start = i
    let label = ''
    let ok = true
    if (text[i] === "'") {
      // Quoted label: '' inside stands for one quote.
      i++
      for (;;) {
        if (i >= n) {
          ok = false
          break
        }
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            label += "'"
            i += 2
            continue
          }
          i++
          break
        }
        label += text[i++]
      }
      if (text[i] !== '=') ok = false
    } else {
      while (i < n && text[i] !== '=' && !/\s/.test(text[i])) label += text[i++]
      if (text[i] !== '=' || label === '') ok = false
    }
    if (!ok) {
      while (i < n && !/\s/.test(text[i])) i++
      invalid.push(text.slice(start, i))
      continue
    }
    i++ // '='
    const valueStart = i
    while (i < n && !/\s/.test(text[i])) i++
    const metric = parseValue(label, text.slice(valueStart, i))
    if (metric) metrics.push(metric)
    else invalid.push(text.slice(start, i))
  }
  return {metrics, invalid}
}

function parseValue(name: string, field: string): Metric | undefined {
  const [valueUom, warn, crit, min, max] = field.split(';')
  const match = VALUE.exec(valueUom)
  if (!match) return undefined
  const metric: Metric = {name, value: match[1] === 'U' ? null : Number(match[1]), unit: match[2]}
  if (warn) metric.warn = warn
  if (crit) metric.crit = crit
  if (min && NUMBER.test(min)) metric.min = Number(min)
  if (max && NUMBER.test(max)) metric.max = Number(max)
  return metric
}

/** A plugin's exit code as a state; anything but 0..3 (127 not found, a signal) is UNKNOWN. */
export function stateFromExitCode(code: number | null): CheckState {
  return code !== null && code >= 0 && code <= 3 ? CHECK_STATES[code] : 'UNKNOWN'
}

/** A label as perfdata needs it: quoted when it has spaces or quotes; '=' is never allowed. */
export function perfdataLabel(name: string): string {
  const clean = name.replaceAll('=', '_')
  return /[\s']/.test(clean) ? `'${clean.replaceAll("'", "''")}'` : clean
}

/** Numbers without exponents (some perfdata consumers cannot read 1e-7), at most 6 decimals. */
export function perfdataNumber(value: number): string {
  if (Number.isInteger(value)) return String(value)
  return value.toFixed(6).replace(/\.?0+$/, '')
}

export function formatPerfdata(metric: Metric, label = metric.name): string {
  const value = metric.value === null ? 'U' : `${perfdataNumber(metric.value)}${metric.unit}`
  const fields = [
    value,
    metric.warn ?? '',
    metric.crit ?? '',
    metric.min === undefined ? '' : perfdataNumber(metric.min),
    metric.max === undefined ? '' : perfdataNumber(metric.max),
  ]
  while (fields.length > 1 && fields.at(-1) === '') fields.pop()
  return `${perfdataLabel(label)}=${fields.join(';')}`
}
