import {worstState} from '../checks/thresholds.js'
import type {CheckResult, CheckState} from '../checks/types.js'
import {paint} from './color.js'
import type {Column} from './columns.js'
import {renderTable} from './table.js'

const STYLE: Record<CheckState, Parameters<typeof paint>[0]> = {OK: 'green', WARNING: 'yellow', CRITICAL: 'red', UNKNOWN: 'magenta'}

/** The number a person looks at first: loss when there is some, else the round trip or response time. */
function headline(result: CheckResult): string {
  const value = (name: string) => result.metrics.find((m) => m.name === name)?.value ?? null
  const loss = value('pl')
  const rta = value('rta')
  const time = value('time')
  if (loss !== null && loss > 0) return rta === null ? `${loss}% loss` : `${loss}% loss ${rta.toFixed(1)}ms`
  if (rta !== null) return `${rta.toFixed(rta < 10 ? 2 : 0)}ms`
  if (time !== null) return `${(time * 1000).toFixed(time < 0.01 ? 2 : 0)}ms`
  return ''
}

function cell(results: CheckResult[], color: boolean): string {
  return results
    .map((r) => [r.check, paint(STYLE[r.state], r.state, color), headline(r)].filter(Boolean).join(' '))
    .join('\n')
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
