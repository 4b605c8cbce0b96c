import {formatPerfdata} from '../checks/nagios.js'
import {STATE_EXIT_CODE, worstState} from '../checks/thresholds.js'
import type {CheckResult, CheckState} from '../checks/types.js'
import {headline, shortReason} from './check-matrix.js'

export interface NagiosOptions {
  /** What a check whose command overran counts as: UNKNOWN (default, mc could not measure) or CRITICAL. */
  timeoutState?: 'UNKNOWN' | 'CRITICAL'
  /** Service name at the start of the status line. Default "MC". */
  service?: string
}

export interface NagiosOutput {
  /** Status line with perfdata, then one long-output line per check. */
  text: string
  state: CheckState
  /** Exit code for Nagios: the worst state's 0..3. */
  exitCode: number
}

/** What a result counts as under the timeout option. */
export function effectiveState(result: CheckResult, options: NagiosOptions = {}): CheckState {
  return result.error?.code === 'TIMEOUT' ? (options.timeoutState ?? 'UNKNOWN') : result.state
}

/** A "|" in text would start perfdata, and a newline would start long output. */
export function clean(text: string): string {
  return text
    .replaceAll('|', '/')
    .replaceAll(/\s*[\r\n]+\s*/g, ' ')
    .trim()
}

export const ORDER: CheckState[] = ['CRITICAL', 'WARNING', 'UNKNOWN', 'OK']

/** The status text's length at most: Nagios shows it in one table cell, pagers and SMS cut the rest. */
export const STATUS_MAX = 200
/** The first line at most with its perfdata; past this the perfdata follows the long text. */
export const FIRST_LINE_MAX = 300

/**
 * `HEAD: item; item (+N more)` within STATUS_MAX characters: the items in the order given (worst
 * first) while they fit, always the first (shortened if it must be). `lead` goes between head and items.
 */
export function statusLine(head: string, items: string[], lead = ': '): string {
  if (items.length === 0) return head
  let line = `${head}${lead}`
  let shown = 0
  for (const [i, item] of items.entries()) {
    const more = i + 1 < items.length ? ` (+${items.length - i - 1} more)` : ''
    const piece = `${shown > 0 ? '; ' : ''}${item}`
    if (line.length + piece.length + more.length <= STATUS_MAX) {
      line += piece
      shown++
      continue
    }
    if (shown === 0) {
      const room = STATUS_MAX - line.length - ` (+${items.length - 1} more)`.length - 1
      line += `${item.slice(0, Math.max(room, 0))}…`
      shown++
    }
    break
  }
  return shown < items.length ? `${line} (+${items.length - shown} more)` : line
}

/**
 * A plugin answer laid out as the Nagios plugin API says: `TEXT | PERFDATA` on the first line when
 * that stays short, else the long text with `| PERFDATA` after its last line and one perfdata item
 * per line after it (Nagios joins both parts into the service's perfdata).
 */
export function pluginText(status: string, long: string[], perfdata: string[]): string {
  const inline = perfdata.length > 0 ? `${status} | ${perfdata.join(' ')}` : status
  if (perfdata.length === 0 || long.length === 0 || inline.length <= FIRST_LINE_MAX) return [inline, ...long].join('\n') + '\n'
  return [status, ...long.slice(0, -1), `${long.at(-1)} | ${perfdata[0]}`, ...perfdata.slice(1)].join('\n') + '\n'
}

/**
 * All results as one Nagios plugin answer (monitoring-plugins guidelines): a short first line,
 * `MC CRITICAL - 1 critical, 4 ok: <the worst few>`, one long-text line per check, and every metric
 * as perfdata labelled vantage/target/check/metric.
 */
export function renderNagios(results: CheckResult[], options: NagiosOptions = {}): NagiosOutput {
  const service = options.service ?? 'MC'
  if (results.length === 0) {
    return {text: `${service} UNKNOWN - no checks ran\n`, state: 'UNKNOWN', exitCode: STATE_EXIT_CODE.UNKNOWN}
  }
  const states = results.map((r) => effectiveState(r, options))
  const state = worstState(states)
  const counts = ORDER.map((s) => [s, states.filter((x) => x === s).length] as const)
    .filter(([, count]) => count > 0)
    .map(([s, count]) => `${count} ${s.toLowerCase()}`)
    .join(', ')
  const problems = results
    .map((r, i) => ({r, s: states[i]}))
    .filter(({s}) => s !== 'OK')
    .sort((a, b) => ORDER.indexOf(a.s) - ORDER.indexOf(b.s))
    .map(({r, s}) => clean(`${r.vantage} -> ${r.target} ${r.check}${s === r.state ? '' : ` ${s}`} ${shortReason(r) || headline(r) || r.summary}`))
  const perfdata = results.flatMap((r) => r.metrics.map((m) => formatPerfdata(m, `${r.vantage}/${r.target}/${r.check}/${m.name}`)))
  const long = results.map((r, i) => `[${states[i]}] ${clean(`${r.vantage} -> ${r.target} ${r.check} (${r.implementation}): ${r.summary}`)}`)
  return {text: pluginText(statusLine(`${service} ${state} - ${counts}`, problems), long, perfdata), state, exitCode: STATE_EXIT_CODE[state]}
}
