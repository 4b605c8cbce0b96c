import {formatPerfdata} from '../checks/nagios.js'
import {STATE_EXIT_CODE, worstState} from '../checks/thresholds.js'
import type {CheckResult, CheckState} from '../checks/types.js'

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
function clean(text: string): string {
  return text.replaceAll('|', '/').replaceAll(/\s*[\r\n]+\s*/g, ' ').trim()
}

const ORDER: CheckState[] = ['CRITICAL', 'WARNING', 'UNKNOWN', 'OK']

/**
 * All results as one Nagios plugin answer (monitoring-plugins guidelines): `MC CRITICAL - 1 critical,
 * 4 ok: <what is wrong> | perfdata`. Perfdata labels are vantage/target/check/metric.
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
    .map(({r}) => `${r.vantage} -> ${r.target} ${r.check}: ${clean(r.summary)}`)
  const perfdata = results.flatMap((r) => r.metrics.map((m) => formatPerfdata(m, `${r.vantage}/${r.target}/${r.check}/${m.name}`)))
  const status = `${service} ${state} - ${counts}${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`
  const long = results.map((r, i) => `[${states[i]}] ${r.vantage} -> ${r.target} ${r.check} (${r.implementation}): ${clean(r.summary)}`)
  const first = perfdata.length > 0 ? `${status} | ${perfdata.join(' ')}` : status
  return {text: [first, ...long].join('\n') + '\n', state, exitCode: STATE_EXIT_CODE[state]}
}
