import {describeHop} from '../../analysis/triangulate.js'
import type {VantageFinding} from '../../analysis/types.js'
import {hopAddress, hopCell} from '../../checks/mtr.js'
import type {CheckState} from '../../checks/types.js'
import type {Diagnosis, LatestCheck, MatrixCell, ReportData, TargetReport, VantageSeries} from '../report-data.js'
import {costText} from '../cost.js'
import {chartAssets} from './assets.js'
import {CLIENT_SCRIPT} from './client.js'
import {PATH_PICTURE_KEY, pathPicture} from './path-picture.js'
import {PAGE_CSS} from './styles.js'

/**
 * One self-contained HTML page: styles, uPlot and the page script are inlined, and a Content Security
 * Policy forbids every fetch, so opening it never touches the network. Tables carry every number;
 * charts are drawn on top of them when JavaScript runs.
 */

/** Okabe-Ito colours: distinguishable with the common colour-vision deficiencies. */
const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#999999']

const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

export type ChartSpec = {
  id: string
  kind: 'loss' | 'rtt'
  unit: string
  /** Unix seconds, ascending: the union of every vantage point's sample times. */
  x: number[]
  series: {vantage: string; color: string; values: (number | null)[]}[]
}

export function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
}

/** JSON that cannot end its <script> element or open a comment there. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', String.raw`\u003c`)
}

/** Anchors and chart ids from target names, unique by position. */
const targetId = (index: number) => `target-${index + 1}`

function colorOf(vantages: string[], vantage: string): string {
  return PALETTE[Math.max(0, vantages.indexOf(vantage)) % PALETTE.length]
}

/** One chart per measure, one series per vantage point, aligned on the union of sample times. */
export function chartSpecs(data: ReportData): ChartSpec[] {
  return data.targets.flatMap((target, index) => {
    if (target.series.length === 0) return []
    const x = [...new Set(target.series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b)
    const position = new Map(x.map((t, i) => [t, i]))
    const aligned = (s: VantageSeries, pick: 'lossPct' | 'rttMs') => {
      const values: (number | null)[] = Array.from({length: x.length}, () => null)
      for (const p of s.points) values[position.get(p.t)!] = p[pick]
      return values
    }
    return (['rtt', 'loss'] as const).map((kind) => ({
      id: `${targetId(index)}-${kind}`,
      kind,
      unit: kind === 'rtt' ? 'ms' : '%',
      x,
      series: target.series.map((s) => ({vantage: s.vantage, color: colorOf(data.vantages, s.vantage), values: aligned(s, kind === 'rtt' ? 'rttMs' : 'lossPct')})),
    }))
  })
}

const badge = (state: CheckState, text: string = state) => `<span class="badge s-${state}">${escapeHtml(text)}</span>`
const num = (value: number | undefined, digits = 1, unit = '') => (value === undefined ? '' : `${value.toFixed(digits)}${unit}`)
const time = (iso: string) => `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time>`

function headline(check: LatestCheck): string {
  if (check.lossPct !== undefined && check.lossPct > 0) return `${num(check.lossPct, 0, '%')} loss${check.rttMs === undefined ? '' : `, ${num(check.rttMs, 1, ' ms')}`}`
  if (check.rttMs !== undefined) return num(check.rttMs, 1, ' ms')
  if (check.timeMs !== undefined) return num(check.timeMs, check.timeMs < 10 ? 2 : 0, ' ms')
  return ''
}

function matrixTable(data: ReportData): string {
  if (data.matrix.length === 0) return '<p class="note">No check results in this window.</p>'
  const cell = (vantage: string, target: string) => {
    const found: MatrixCell | undefined = data.matrix.find((c) => c.vantage === vantage && c.target === target)
    if (!found) return '<td class="empty">-</td>'
    const lines = found.checks.map((c) => `<div title="${escapeHtml(`${c.summary} (${c.at})`)}"><b>${escapeHtml(c.check)}</b> ${badge(c.state)} ${escapeHtml(headline(c))}</div>`)
    return `<td class="cell s-${found.state}">${lines.join('')}</td>`
  }
  const targets = data.targets.map((t) => t.target)
  const head = `<tr><th>vantage / target</th>${targets.map((t, i) => `<th><a href="#${targetId(i)}">${escapeHtml(t)}</a></th>`).join('')}</tr>`
  const rows = data.vantages.map((v) => `<tr><th>${escapeHtml(v)}</th>${targets.map((t) => cell(v, t)).join('')}</tr>`)
  return `<div class="scroll"><table class="matrix">${head}${rows.join('')}</table></div>
<p class="meta">The newest result of each check in the window. A red column is the target's trouble; a red row, one vantage point's.</p>`
}

function seriesTable(data: ReportData, target: TargetReport): string {
  if (target.series.length === 0) return '<p class="note">No ping results for this target in the window: latency and loss come from the ping check.</p>'
  const rows = target.series.map((s) => {
    const latest = s.points.at(-1)
    return (
      `<tr><th><span class="swatch" style="background:${colorOf(data.vantages, s.vantage)}"></span>${escapeHtml(s.vantage)}</th><td class="num">${s.samples}</td>` +
      `<td>${latest ? badge(latest.state) : ''}</td><td class="num">${num(latest?.rttMs ?? undefined)}</td><td class="num">${num(s.rttAvgMs)}</td><td class="num">${num(s.rttMaxMs)}</td>` +
      `<td class="num">${num(latest?.lossPct ?? undefined, 0, '%')}</td><td class="num">${num(s.lossAvgPct, 1, '%')}</td><td class="num">${num(s.lossMaxPct, 0, '%')}</td></tr>`
    )
  })
  return `<div class="scroll"><table class="series"><tr><th>vantage</th><th>samples</th><th>latest</th><th>rtt ms</th><th>avg rtt ms</th><th>max rtt ms</th><th>loss</th><th>avg loss</th><th>max loss</th></tr>${rows.join('')}</table></div>`
}

function findingStart(v: VantageFinding): string {
  if (v.onset) return `${describeHop(v.onset)} (${v.onset.cause})`
  return v.lastResponding ? `after ${describeHop(v.lastResponding)}` : ''
}

function diagnosisSection(diagnosis: Diagnosis | undefined): string {
  if (!diagnosis) return '<h3>Diagnosis</h3><p class="note">No path (mtr) results for this target in the window: run <code>mc check diagnose</code> or add the path check.</p>'
  const {verdict} = diagnosis
  const findings = verdict.vantages.map(
    (v) =>
      `<tr><th>${escapeHtml(v.vantage)}${v.address ? ` <span class="meta">${escapeHtml(v.address)}</span>` : ''}</th><td>${escapeHtml(v.status)}</td><td class="num">${num(v.lossPct, 0, '%')}</td>` +
      `<td class="num">${num(v.rttAvgMs)}</td><td>${escapeHtml(findingStart(v))}</td><td>${escapeHtml(v.rateLimitedHops.map((h) => h.address ?? `#${h.index}`).join(' '))}</td></tr>`,
  )
  const missing = verdict.missing.length > 0 ? `<p class="meta">Missing evidence: ${escapeHtml(verdict.missing.join('; '))}</p>` : ''
  return `<h3>Diagnosis ${badge(diagnosis.state, verdict.kind)}</h3>
<p>${escapeHtml(verdict.explanation)}</p>${missing}
<p class="meta">Recomputed from each vantage point's newest ping and path results, the newest from ${time(diagnosis.at)}.</p>
<div class="scroll"><table class="findings"><tr><th>vantage</th><th>status</th><th>loss</th><th>rtt ms</th><th>starts at</th><th>rate-limited hops</th></tr>${findings.join('')}</table></div>
${hopTable(diagnosis)}`
}

/** Hops down, vantage points across, as the terminal shows them; the blamed hop stands out. */
function hopTable(diagnosis: Diagnosis): string {
  const {paths, verdict} = diagnosis
  const depth = Math.max(...paths.flatMap((p) => p.hops.map((h) => h.hop)))
  const fault = verdict.faultHop
  const rows = Array.from({length: depth}, (_, i) => i + 1).map((index) => {
    const cells = paths.map((p) => {
      const hop = p.hops.find((h) => h.hop === index)
      if (!hop) return '<td></td>'
      const isFault = fault !== undefined && fault.index === index && (fault.address === undefined || fault.address === hopAddress(hop))
      const cls = isFault ? ' class="fault"' : hop.lossPct > 0 && hop.host !== '???' ? ' class="lossy"' : ''
      return `<td${cls}>${escapeHtml(hopCell(hop))}</td>`
    })
    return `<tr><th>${index}</th>${cells.join('')}</tr>`
  })
  const head = `<tr><th>hop</th>${paths.map((p) => `<th title="${escapeHtml(p.at)}">${escapeHtml(p.vantage)}</th>`).join('')}</tr>`
  const over = verdict.tracedOver ? ` (traced over ${verdict.tracedOver.protocol.toUpperCase()} ${verdict.tracedOver.port})` : ''
  const picture = pathPicture(verdict, paths)
  const figure = picture ? `<div class="scroll path-figure">${picture}<p class="meta">${escapeHtml(PATH_PICTURE_KEY)}</p></div>` : ''
  return `<h3>Path per hop${over}</h3>${figure}<div class="scroll"><table class="hops">${head}${rows.join('')}</table></div>
<p class="meta">Each cell: address (several, joined by |, when routers share the load at that hop), loss, average round trip. Loss that does not persist to the target is ICMP rate limiting, not a fault.</p>`
}

function targetSection(data: ReportData, target: TargetReport, index: number): string {
  const id = targetId(index)
  const charts =
    target.series.length === 0
      ? ''
      : `<div class="charts"><figure><figcaption>Round-trip time (ping)</figcaption><div class="chart" id="${id}-rtt" data-vantages="${target.series.length}"></div></figure>` +
        `<figure><figcaption>Packet loss (ping)</figcaption><div class="chart" id="${id}-loss" data-vantages="${target.series.length}"></div></figure></div>`
  const truncated = target.truncated ? '<p class="note">This target has more results in the window than a report reads; the oldest were left out.</p>' : ''
  return `<section class="target" id="${id}" data-target="${escapeHtml(target.target)}">
<h2>${escapeHtml(target.target)} ${target.state ? badge(target.state) : badge('UNKNOWN', 'no data')}</h2>
<p class="meta">${target.resultCount} result${target.resultCount === 1 ? '' : 's'} in the window.</p>${truncated}
${charts}
${seriesTable(data, target)}
${diagnosisSection(target.diagnosis)}
</section>`
}

function fleetSection(data: ReportData): string {
  const {probes, hourlyCost, monthlyCost, unpriced} = data.fleet
  if (probes.length === 0) return '<h2>Probe fleet</h2><p class="note">No probes in the inventory: every check ran from this machine.</p>'
  const rows = probes.map(
    (p) =>
      `<tr><th>${escapeHtml(p.name)}</th><td>${escapeHtml(p.provider ?? (p.kind === 'adopted' ? 'adopted' : ''))}</td><td>${escapeHtml(p.region ?? '')}</td>` +
      `<td>${escapeHtml(p.host ?? '')}</td><td>${escapeHtml(p.size ?? '')}</td><td>${escapeHtml(p.state)}</td><td class="num">${p.priceHourly === undefined ? (p.kind === 'cloud' ? 'n/a' : '') : `$${p.priceHourly.toFixed(4)}`}</td></tr>`,
  )
  return `<h2>Probe fleet</h2>
<div class="scroll"><table class="fleet"><tr><th>probe</th><th>provider</th><th>region</th><th>address</th><th>size</th><th>state</th><th>$/hour</th></tr>${rows.join('')}
<tr><th colspan="6">total</th><td class="num"><b>${escapeHtml(costText(hourlyCost, unpriced))}</b></td></tr></table></div>
<p class="meta">About ${escapeHtml(costText(monthlyCost, unpriced, 'month', 2))} at these hourly prices (730 hours).</p>`
}

export function renderHtmlReport(data: ReportData, options: {mcVersion: string}): string {
  const assets = chartAssets()
  const charts = chartSpecs(data)
  const nav = data.targets.map((t, i) => `<a href="#${targetId(i)}">${t.state ? badge(t.state) : badge('UNKNOWN', '-')} ${escapeHtml(t.target)}</a>`).join('')
  const title = `mc report: ${data.targets.length} target${data.targets.length === 1 ? '' : 's'}, ${data.since.slice(0, 16).replace('T', ' ')} to ${data.until.slice(0, 16).replace('T', ' ')} UTC`
  return `<!doctype html>
<html lang="en" class="no-js">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="generator" content="mc ${escapeHtml(options.mcVersion)}">
<title>${escapeHtml(title)}</title>
<style>${assets.css}</style>
<style>${PAGE_CSS}</style>
</head>
<body>
<main>
<header>
<h1>Network report</h1>
<p>From ${time(data.since)} to ${time(data.until)}: ${data.targets.length} target${data.targets.length === 1 ? '' : 's'} seen from ${data.vantages.length} vantage point${data.vantages.length === 1 ? '' : 's'}. Generated by mc ${escapeHtml(options.mcVersion)} at ${time(data.generatedAt)}.</p>
<noscript><p class="note">Charts need JavaScript; every number they would show is in the tables.</p></noscript>
<nav>${nav}</nav>
</header>
<section id="matrix"><h2>Status: vantage points x targets</h2>
${matrixTable(data)}
</section>
${data.targets.map((t, i) => targetSection(data, t, i)).join('\n')}
<section id="fleet">
${fleetSection(data)}
</section>
<footer>Charts by uPlot ${escapeHtml(assets.version)}, inlined under its MIT License.
<details><summary>uPlot license</summary><pre>${escapeHtml(assets.license)}</pre></details></footer>
</main>
<script type="application/json" id="mc-chart-data">${scriptJson({charts})}</script>
<script>${assets.script}</script>
<script>${CLIENT_SCRIPT}</script>
</body>
</html>
`
}
