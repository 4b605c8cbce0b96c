import {isVantageFailure} from '../checks/run.js'
import {SEVERITY, worstState} from '../checks/thresholds.js'
import type {CheckResult, CheckState} from '../checks/types.js'
import {paint} from './color.js'
import type {Column} from './columns.js'
import {renderTable} from './table.js'

const STYLE: Record<CheckState, Parameters<typeof paint>[0]> = {OK: 'green', WARNING: 'yellow', CRITICAL: 'red', UNKNOWN: 'magenta'}

/** The number a person looks at first: loss when there is some, else the round trip or response time. */
export function headline(result: CheckResult): string {
  const value = (name: string) => result.metrics.find((m) => m.name === name)?.value ?? null
  const loss = value('pl')
  const rta = value('rta')
  const time = value('time')
  if (loss !== null && loss > 0) return rta === null ? `${loss}% loss` : `${loss}% loss ${rta.toFixed(1)}ms`
  if (rta !== null) return `${rta.toFixed(rta < 10 ? 2 : 0)}ms`
  if (time !== null) return `${(time * 1000).toFixed(time < 0.01 ? 2 : 0)}ms`
  return ''
}

/** One row per result, for CSV and --columns: the matrix's cells taken apart. */
export const resultColumns: Column<CheckResult>[] = [
  {header: 'vantage', value: (r) => r.vantage},
  {header: 'target', value: (r) => r.target},
  {header: 'check', value: (r) => r.check},
  {header: 'state', value: (r) => r.state, sortValue: (r) => SEVERITY[r.state]},
  {header: 'value', value: (r) => headline(r)},
  {header: 'reason', value: (r) => shortReason(r)},
  {header: 'tool', value: (r) => r.implementation},
  {header: 'ms', value: (r) => r.durationMs},
  {header: 'at', value: (r) => r.at},
]

/** Why a vantage point could not be used, by the error's code, then its text. */
const VANTAGE_REASONS: [RegExp, string][] = [
  [/^HOST_KEY_CHANGED$/, 'host key changed'],
  [/^HOST_KEY_UNKNOWN$/, 'host key unknown'],
  [/^HOST_KEY_REVOKED$/, 'host key revoked'],
  [/^AUTH$/, 'SSH login refused'],
  [/^TIMEOUT$/, 'SSH timed out'],
  [/ECONNREFUSED|refused/i, 'SSH refused'],
]

/** What a check's own output says went wrong, in a few words. */
const CHECK_REASONS: [RegExp, string][] = [
  [/connection refused|ECONNREFUSED/i, 'connection refused'],
  [/no route to host|EHOSTUNREACH/i, 'no route to host'],
  [/network is unreachable|ENETUNREACH/i, 'network unreachable'],
  [/timed? ?out|timeout|no answer within|did not finish within/i, 'timed out'],
  [/no response/i, 'no answer'],
  [/NXDOMAIN|was not found|has no address|not known|invalid hostname|could not resolve/i, 'name not found'],
  [/no hop answered/i, 'no hop answered'],
  [/^(HTTP\/?[\d.]* [23]\d\d\b.*)?[\d.]+ second response time/, 'slow response'],
  [/\bHTTP\/?[\d.]* (\d{3})\b/, 'HTTP $1'],
  [/no \w+ tool on|install /i, 'tool missing'],
]

const MAX_REASON = 40

/**
 * A few words beside every result that is not OK, so the table says why without --json: the
 * headline number when it is the reason (loss, slow round trips), else the cause from the output.
 */
export function shortReason(result: CheckResult): string {
  if (result.state === 'OK') return ''
  if (isVantageFailure(result)) {
    const {code, message} = result.error!
    return VANTAGE_REASONS.find(([pattern]) => pattern.test(code) || pattern.test(message))?.[1] ?? 'vantage unreachable'
  }
  if ((result.kind === 'ping' || result.kind === 'path') && headline(result)) return ''
  const detail = result.summary.replace(/^[A-Z]+ [A-Z]+(:| -) ?/, '').trim()
  for (const [pattern, reason] of CHECK_REASONS) {
    const match = pattern.exec(detail)
    if (match) return reason.replace('$1', match[1] ?? '')
  }
  return detail.length > MAX_REASON ? `${detail.slice(0, MAX_REASON - 1)}…` : detail
}

function cell(results: CheckResult[], color: boolean): string {
  return results.map((r) => [r.check, paint(STYLE[r.state], r.state, color), headline(r), shortReason(r)].filter(Boolean).join(' ')).join('\n')
}

type Row = {vantage: string; cells: Map<string, CheckResult[]>}

/**
 * Vantages down, targets across; each cell lists that pair's checks with state and headline number,
 * so one glance shows whether a fault follows the target (a column) or the vantage (a row).
 */
export function renderCheckMatrix(results: CheckResult[], options: {color?: boolean} = {}): string {
  const color = options.color ?? false
  const targets = [...new Set(results.map((r) => r.target))]
  const rows: Row[] = []
  for (const r of results) {
    let row = rows.find((x) => x.vantage === r.vantage)
    if (!row) {
      row = {vantage: r.vantage, cells: new Map()}
      rows.push(row)
    }
    row.cells.set(r.target, [...(row.cells.get(r.target) ?? []), r])
  }
  const columns: Column<Row>[] = [
    {header: 'vantage', value: (row) => row.vantage},
    ...targets.map((target) => ({header: target, value: (row: Row) => cell(row.cells.get(target) ?? [], color) || '-'})),
  ]
  const counts = (['CRITICAL', 'WARNING', 'UNKNOWN', 'OK'] as const)
    .map((state) => [state, results.filter((r) => r.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => paint(STYLE[state], `${n} ${state.toLowerCase()}`, color))
  const overall = results.length === 0 ? 'UNKNOWN' : worstState(results.map((r) => r.state))
  const footer = `${rows.length} vantage${rows.length === 1 ? '' : 's'} x ${targets.length} target${targets.length === 1 ? '' : 's'}: ${paint(STYLE[overall], overall, color)} (${counts.join(', ') || 'no checks'})`
  return `${renderTable(rows, columns, {color})}\n${footer}\n`
}
