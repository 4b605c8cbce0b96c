import {isIPv4} from 'node:net'

import {describeHop} from '../analysis/triangulate.js'
import {VERDICT_STATE} from '../analysis/verdict-state.js'
import type {Verdict} from '../analysis/types.js'
import {hopCell} from '../checks/mtr.js'
import {formatPerfdata} from '../checks/nagios.js'
import {SEVERITY, STATE_EXIT_CODE, worstState} from '../checks/thresholds.js'
import type {CheckResult, CheckState} from '../checks/types.js'
import {paint} from './color.js'
import {clean, ORDER, pluginText, statusLine} from './nagios.js'
import type {Column} from './columns.js'
import {renderTable} from './table.js'

const STYLE: Record<CheckState, Parameters<typeof paint>[0]> = {OK: 'green', WARNING: 'yellow', CRITICAL: 'red', UNKNOWN: 'magenta'}

type VantageRow = Verdict['vantages'][number]
const vantageColumns: Column<VantageRow>[] = [
  {header: 'vantage', value: (v) => v.vantage},
  {header: 'status', value: (v) => v.status},
  {header: 'loss', value: (v) => (v.lossPct === undefined ? '' : `${Math.round(v.lossPct)}%`)},
  {header: 'rtt ms', value: (v) => (v.rttAvgMs === undefined ? '' : v.rttAvgMs.toFixed(1))},
  {header: 'starts at', value: (v) => (v.onset ? `${describeHop(v.onset)} (${v.onset.cause})` : v.lastResponding ? `after ${describeHop(v.lastResponding)}` : '')},
  {header: 'rate-limited hops', value: (v) => v.rateLimitedHops.map((h) => h.address ?? `#${h.index}`).join(' ')},
]

/** With a host name or an IPv6 target, the address each vantage point measured comes second. */
const addressColumn: Column<VantageRow> = {header: 'address', value: (v) => v.address ?? ''}
const withAddress = (v: Verdict) => !isIPv4(v.target) && v.vantages.some((x) => x.address !== undefined)
const columnsFor = (v: Verdict) => (withAddress(v) ? [vantageColumns[0], addressColumn, ...vantageColumns.slice(1)] : vantageColumns)

/** "dc 10.8.1.10, pa 10.8.1.11; pc: no address (Name or service not known)": who measured which address, and the DNS findings. */
export function addressesText(v: Verdict): string {
  const measured = withAddress(v) ? v.vantages.filter((x) => x.address !== undefined).map((x) => `${x.vantage} ${x.address}`) : []
  const dns = (v.dnsFailures ?? []).map((f) => `${f.vantage}: no address (${f.error})`)
  return [measured.join(', '), dns.join(', ')].filter(Boolean).join('; ')
}

/** One row per verdict, for CSV and --columns. */
export const verdictColumns: Column<Verdict>[] = [
  {header: 'target', value: (v) => v.target},
  {header: 'verdict', value: (v) => v.kind},
  {header: 'state', value: (v) => VERDICT_STATE[v.kind], sortValue: (v) => SEVERITY[VERDICT_STATE[v.kind]]},
  {header: 'fault hop', value: (v) => (v.faultHop ? describeHop(v.faultHop) : '')},
  {header: 'traced over', value: (v) => (v.tracedOver ? `${v.tracedOver.protocol} ${v.tracedOver.port}` : 'icmp')},
  {header: 'affected', value: (v) => v.affected.join(' ')},
  {header: 'healthy', value: (v) => v.healthy.join(' ')},
  {header: 'explanation', value: (v) => v.explanation},
]

/** Hops down, vantage points across: where each path goes and how much it loses at each hop. */
function hopTable(target: string, check: string, results: CheckResult[]): string {
  const paths = results.filter((r) => r.target === target && r.kind === 'path' && r.hops?.length && r.check === check)
  if (paths.length === 0) return ''
  const depth = Math.max(...paths.map((p) => p.hops!.length))
  const rows = Array.from({length: depth}, (_, i) => i + 1)
  const columns: Column<number>[] = [
    {header: 'hop', value: (i) => i},
    ...paths.map((p) => ({
      header: p.vantage,
      value(i: number) {
        const hop = p.hops!.find((h) => h.hop === i)
        return hop ? hopCell(hop, 'ms') : ''
      },
    })),
  ]
  return renderTable(rows, columns)
}

export function renderDiagnosis(verdicts: Verdict[], results: CheckResult[], options: {color?: boolean} = {}): string {
  return verdicts
    .map((v) => {
      const state = VERDICT_STATE[v.kind]
      const head = `${paint('bold', v.target, options.color)}: ${paint(STYLE[state], v.kind, options.color)}${tracedOverNote(v)}`
      const hops = hopTable(v.target, v.tracedOver ? `path:${v.tracedOver.protocol}:${v.tracedOver.port}` : 'path', results)
      const dns = (v.dnsFailures ?? []).map((f) => `${f.vantage}: ${v.target} did not resolve (${f.error})`)
      return [head, v.explanation, '', renderTable(v.vantages, columnsFor(v)), ...dns, ...(hops ? ['', hops] : [])].join('\n')
    })
    .join('\n\n')
}

/** " (traced over TCP 443)" for a verdict not traced with ICMP. */
export function tracedOverNote(v: Verdict): string {
  return v.tracedOver ? ` (traced over ${v.tracedOver.protocol.toUpperCase()} ${v.tracedOver.port})` : ''
}

/**
 * One Nagios plugin answer for all targets; the worst verdict decides the state. The first line names
 * the worst verdicts that fit (see statusLine), every explanation follows as long text.
 */
export function renderDiagnosisNagios(verdicts: Verdict[]): {exitCode: number; state: CheckState; text: string} {
  const state = verdicts.length === 0 ? 'UNKNOWN' : worstState(verdicts.map((v) => VERDICT_STATE[v.kind]))
  const worstFirst = [...verdicts].sort((a, b) => ORDER.indexOf(VERDICT_STATE[a.kind]) - ORDER.indexOf(VERDICT_STATE[b.kind]))
  const summary = worstFirst.map((v) =>
    clean(`${v.target} ${v.kind}${v.faultHop?.address ? ` at ${v.faultHop.address}` : ''}${v.faultAddress ? ` on the path to ${v.faultAddress}` : ''}${tracedOverNote(v)}`),
  )
  const perfdata = verdicts.flatMap((v) =>
    v.vantages.filter((x) => x.lossPct !== undefined).map((x) => formatPerfdata({name: `${x.vantage}/${v.target}/pl`, value: x.lossPct!, unit: '%', min: 0, max: 100})),
  )
  const long = verdicts.flatMap((v) => [clean(`${v.target}: ${v.explanation}`), ...(addressesText(v) ? [clean(`${v.target} addresses: ${addressesText(v)}`)] : [])])
  const status = verdicts.length === 0 ? `MC DIAGNOSE ${state} - no targets` : statusLine(`MC DIAGNOSE ${state} -`, summary, ' ')
  return {exitCode: STATE_EXIT_CODE[state], state, text: pluginText(status, long, perfdata)}
}
