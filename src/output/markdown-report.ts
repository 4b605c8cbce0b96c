import {describeHop} from '../analysis/triangulate.js'
import {hopCell} from '../checks/mtr.js'
import type {CheckState} from '../checks/types.js'
import type {LatestCheck, ReportData, TargetReport} from './report-data.js'
import {costText} from './cost.js'

/**
 * The report as GitHub-flavoured Markdown, for CI job summaries ($GITHUB_STEP_SUMMARY, GitLab
 * reports): the status matrix, per-target latency and loss, the latest diagnosis and the fleet.
 * No charts: job summaries show no scripts.
 */

const MARK: Record<CheckState, string> = {OK: '🟢', WARNING: '🟡', CRITICAL: '🔴', UNKNOWN: '🟣'}

/** A table cell: "|" would end it and a newline would end the row. */
function cell(text: string): string {
  return text
    .replaceAll('\\', '\\\\')
    .replaceAll('|', String.raw`\|`)
    .replaceAll(/\s*[\r\n]+\s*/g, ' ')
}

const line = (cells: string[]) => `| ${cells.map((c) => cell(c)).join(' | ')} |`

function table(head: string[], rows: string[][]): string {
  return [line(head), `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => line(r))].join('\n')
}

const num = (value: number | null | undefined, digits = 1, unit = '') => (value === undefined || value === null ? '' : `${value.toFixed(digits)}${unit}`)
const state = (s: CheckState, text: string = s) => `${MARK[s]} ${text}`

function headline(check: LatestCheck): string {
  if (check.lossPct !== undefined && check.lossPct > 0) return `${num(check.lossPct, 0, '%')} loss`
  if (check.rttMs !== undefined) return num(check.rttMs, 1, ' ms')
  if (check.timeMs !== undefined) return num(check.timeMs, check.timeMs < 10 ? 2 : 0, ' ms')
  return ''
}

function matrix(data: ReportData): string {
  if (data.matrix.length === 0) return '_No check results in this window._'
  const targets = data.targets.map((t) => t.target)
  const rows = data.vantages.map((vantage) => [
    `**${vantage}**`,
    ...targets.map((target) => {
      const found = data.matrix.find((c) => c.vantage === vantage && c.target === target)
      return found ? found.checks.map((c) => `${MARK[c.state]} ${c.check} ${headline(c)}`.trim()).join('<br>') : '-'
    }),
  ])
  return table(['vantage / target', ...targets], rows)
}

function targetSection(target: TargetReport): string {
  const parts = [`### ${target.state ? MARK[target.state] : '⚪'} ${target.target}`, '']
  if (target.series.length === 0) {
    parts.push('_No ping results in the window._')
  } else {
    parts.push(
      table(
        ['vantage', 'samples', 'latest', 'avg rtt', 'max rtt', 'avg loss', 'max loss'],
        target.series.map((s) => {
          const latest = s.points.at(-1)
          return [
            s.vantage,
            String(s.samples),
            latest ? state(latest.state) : '',
            num(s.rttAvgMs, 1, ' ms'),
            num(s.rttMaxMs, 1, ' ms'),
            num(s.lossAvgPct, 1, '%'),
            num(s.lossMaxPct, 0, '%'),
          ]
        }),
      ),
    )
  }

  const {diagnosis} = target
  if (diagnosis) {
    const {verdict} = diagnosis
    parts.push('', `**Diagnosis: ${state(diagnosis.state, verdict.kind)}** (newest evidence ${diagnosis.at})`, '', verdict.explanation)
    if (verdict.faultHop) parts.push('', `Fault starts at ${describeHop(verdict.faultHop)}.`)
    const depth = Math.max(...diagnosis.paths.flatMap((p) => p.hops.map((h) => h.hop)))
    const rows = Array.from({length: depth}, (_, i) => i + 1).map((index) => [
      String(index),
      ...diagnosis.paths.map((p) => {
        const hop = p.hops.find((h) => h.hop === index)
        return hop ? hopCell(hop) : ''
      }),
    ])
    parts.push('', '<details><summary>Path per hop</summary>', '', table(['hop', ...diagnosis.paths.map((p) => p.vantage)], rows), '', '</details>')
  }

  return parts.join('\n')
}

function fleet(data: ReportData): string {
  const {probes, hourlyCost, monthlyCost, unpriced} = data.fleet
  if (probes.length === 0) return '_No probes in the inventory._'
  const rows = probes.map((p) => [
    p.name,
    p.provider ?? p.kind,
    p.region ?? '',
    p.host ?? '',
    p.state,
    p.priceHourly === undefined ? (p.kind === 'cloud' ? 'n/a' : '') : `$${p.priceHourly.toFixed(4)}`,
  ])
  return `${table(['probe', 'provider', 'region', 'address', 'state', '$/hour'], rows)}\n\nTotal **${costText(hourlyCost, unpriced)}**, about ${costText(monthlyCost, unpriced, 'month', 2)}.`
}

export function renderMarkdownReport(data: ReportData): string {
  return [
    `## mc network report`,
    '',
    `${data.since} to ${data.until}: ${data.targets.length} target(s) from ${data.vantages.length} vantage point(s).`,
    '',
    matrix(data),
    '',
    ...data.targets.flatMap((t) => [targetSection(t), '']),
    '### Probe fleet',
    '',
    fleet(data),
    '',
  ].join('\n')
}
