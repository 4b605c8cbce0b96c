import {isIP} from 'node:net'

import type {Verdict} from '../../analysis/types.js'
import {hopAddress} from '../../checks/mtr.js'
import type {Hop} from '../../checks/types.js'

/**
 * The diagnosis's paths as one inline SVG, drawn on the server so it reads without JavaScript:
 * vantage points on the left, the target on the right, routers in between. A router that several
 * paths cross is one node (keyed by address), so shared hops are where the lines merge. A hop that
 * never answered ("???") stays one node per path: two silent hops are not known to be one router.
 *
 * Link colour is the loss that persists from the link's far end to the end of that path (the
 * smallest loss at that hop or any later answering hop). Loss that does not persist is ICMP rate
 * limiting at a router, not a fault, so it does not colour the line; the router is marked
 * "rate-limited" instead, and each link's tooltip gives the loss mtr measured there.
 */

type PathInput = {vantage: string; hops: Hop[]}

type Node = {key: string; kind: 'vantage' | 'hop' | 'silent' | 'target'; label: string; layer: number; order: number; vantages: Set<string>; ttls: Set<number>}
/** One vantage point's crossing of a link: the loss that persists past it, and the loss mtr measured at its far end. */
type Crossing = {vantage: string; lossPct: number; rawLossPct: number}
type Link = {from: string; to: string; crossings: Crossing[]}

const COLUMN = 150
const ROW = 64
/** Rough width of one character of the 11 px labels, to leave room for the names at either end. */
const CHAR = 6.6
const PAD_TOP = 30
const LEGEND = 30

/** What the picture's marks mean, for the page to print below it. */
export const PATH_PICTURE_KEY =
  'Line colour: the loss that persists from that hop to the end of the path. Red node: the blamed hop. Dashed ring: a rate-limited router (its loss does not persist) or a hop that never answered. Dashed grey line: no answer past that hop.'

/** Loss bands of the link colours, with the terminal's state colours. */
export function lossColor(lossPct: number): string {
  if (lossPct <= 0) return '#1a7f37'
  if (lossPct < 5) return '#bf8700'
  if (lossPct < 20) return '#e66a00'
  return '#b42318'
}

const BANDS: {label: string; loss: number}[] = [
  {label: '0 %', loss: 0},
  {label: 'under 5 %', loss: 1},
  {label: '5-20 %', loss: 5},
  {label: '20 % or more', loss: 20},
]

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
}

/** The address each path reached as the target: the target itself when it is an address, else the commonest last hop. */
function targetAddress(target: string, paths: PathInput[]): string | undefined {
  if (isIP(target) !== 0) return target
  const counts = new Map<string, number>()
  for (const p of paths) {
    const last = p.hops.at(-1)?.host
    if (last && last !== '???') counts.set(last, (counts.get(last) ?? 0) + 1)
  }
  return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0]
}

/** Per hop of a path, the smallest loss from there to the path's last answering hop. */
function persistingLoss(hops: Hop[]): number[] {
  const out = Array.from({length: hops.length}, () => 0)
  let floor = Number.POSITIVE_INFINITY
  for (let i = hops.length - 1; i >= 0; i--) {
    if (hops[i].host !== '???') floor = Math.min(floor, hops[i].lossPct)
    out[i] = Number.isFinite(floor) ? floor : hops[i].lossPct
  }
  return out
}

export function pathPicture(verdict: Verdict, paths: PathInput[]): string {
  if (paths.every((p) => p.hops.length === 0)) return ''
  const {nodes, links, sequences} = buildGraph(verdict.target, paths)
  if (!nodes.has('t')) nodes.set('t', {key: 't', kind: 'target', label: verdict.target, layer: 0, order: 0, vantages: new Set(), ttls: new Set()})
  // Paths that never reached the target end in a dashed "no answer" line to it.
  const unreached = sequences.filter((s) => s.at(-1) !== 't').map((s) => s.at(-1)!)

  // Longest-path layering: each node one column right of its rightmost predecessor. Bounded, as
  // the graph is acyclic (above), so it settles within as many passes as there are nodes.
  for (let pass = 0; pass < nodes.size; pass++) {
    let changed = false
    for (const link of links.values()) {
      const want = nodes.get(link.from)!.layer + 1
      if (nodes.get(link.to)!.layer < want) {
        nodes.get(link.to)!.layer = want
        changed = true
      }
    }
    if (!changed) break
  }
  const last = Math.max(...[...nodes.values()].filter((n) => n.key !== 't').map((n) => n.layer)) + 1
  nodes.get('t')!.layer = Math.max(nodes.get('t')!.layer, last)

  // Rows: vantage points sorted by their paths read from the target back, so those that share the
  // last routers sit together; each node at the mean row of the vantage points crossing it.
  const backwards = (p: PathInput) =>
    p.hops
      .map((h) => (h.host === '???' ? '~' : h.host))
      .reverse()
      .join(' ')
  const ordered = [...paths].sort((a, b) => backwards(a).localeCompare(backwards(b)) || a.vantage.localeCompare(b.vantage))
  const vantageIndex = new Map(ordered.map((p, i) => [p.vantage, i]))
  const columns = new Map<number, Node[]>()
  for (const n of nodes.values()) {
    const indices = [...n.vantages].map((v) => vantageIndex.get(v) ?? 0)
    n.order = indices.length === 0 ? 0 : indices.reduce((a, b) => a + b, 0) / indices.length
    columns.set(n.layer, [...(columns.get(n.layer) ?? []), n])
  }
  const rows = Math.max(...[...columns.values()].map((c) => c.length))
  const height = PAD_TOP + rows * ROW + LEGEND
  const left = 24 + CHAR * Math.max(...paths.map((p) => p.vantage.length))
  const right = 24 + CHAR * Math.max(nodes.get('t')!.label.length, 'blamed'.length)
  const width = left + right + nodes.get('t')!.layer * COLUMN
  const at = new Map<string, {x: number; y: number}>()
  for (const [layer, column] of columns) {
    column.sort((a, b) => a.order - b.order || a.label.localeCompare(b.label))
    const offset = ((rows - column.length) * ROW) / 2
    for (const [i, n] of column.entries()) at.set(n.key, {x: left + layer * COLUMN, y: PAD_TOP + offset + i * ROW + ROW / 2})
  }

  const fault = verdict.faultHop
  const rateLimited = new Set(verdict.vantages.flatMap((v) => v.rateLimitedHops.map((h) => h.address).filter((a): a is string => a !== undefined)))
  const isFault = (n: Node) =>
    fault !== undefined && n.kind !== 'vantage' && (fault.address === undefined ? n.kind === 'silent' && n.ttls.has(fault.index) : n.label === fault.address)

  const lines = [...links.values()].flatMap((l) => linkLines(l, at, nodes))
  const target = at.get('t')!
  for (const key of unreached) {
    const a = at.get(key)!
    lines.push(
      `<line class="link unreached" x1="${a.x}" y1="${a.y}" x2="${target.x}" y2="${target.y}" stroke="#8c959f" stroke-width="2" stroke-dasharray="5 5"><title>${escapeXml(`no answer past ${nodes.get(key)!.label}`)}</title></line>`,
    )
  }

  const shapes = [...nodes.values()].map((n) => nodeShape(n, at.get(n.key)!, {faulty: isFault(n), limited: n.kind === 'hop' && rateLimited.has(n.label)}))

  const legendY = height - LEGEND / 2
  const legend = BANDS.map((b, i) => {
    const x = 10 + i * 120
    return `<line x1="${x}" y1="${legendY}" x2="${x + 24}" y2="${legendY}" stroke="${lossColor(b.loss)}" stroke-width="4"/><text x="${x + 30}" y="${legendY + 4}">${b.label}</text>`
  }).join('')
  const summary = `Paths from ${paths.map((p) => p.vantage).join(', ')} to ${verdict.target}${fault ? `; blamed hop ${fault.address ?? `#${fault.index}`}` : ''}`
  return `<svg class="path-picture" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${Math.round(Math.max(width, 10 + BANDS.length * 120))} ${height}" role="img" aria-label="${escapeXml(summary)}" font-size="11" font-family="system-ui, sans-serif">
<title>${escapeXml(summary)}</title>
${lines.join('\n')}
${shapes.join('\n')}
<g class="legend" fill="#5b6475">${legend}</g>
</svg>`
}

/** One node: its mark, its address above it (beside it at either end), and "blamed" or "rate-limited" below. */
function nodeShape(n: Node, {x, y}: {x: number; y: number}, {faulty, limited}: {faulty: boolean; limited: boolean}): string {
  const classes = ['node', n.kind, ...(faulty ? ['fault'] : []), ...(limited ? ['rate-limited'] : [])]
  const side = n.kind === 'vantage' || n.kind === 'target'
  const mark = nodeMark(n, {x, y}, {faulty, limited})
  const anchor = side ? (n.kind === 'vantage' ? 'end' : 'start') : 'middle'
  const lx = n.kind === 'vantage' ? x - 14 : n.kind === 'target' ? x + 14 : x
  const label = `<text x="${lx}" y="${side ? y + 4 : y - 14}" text-anchor="${anchor}"${faulty ? ' class="fault-label"' : ''}>${escapeXml(n.label)}</text>`
  const notes = [faulty ? 'blamed' : '', limited ? 'rate-limited' : ''].filter(Boolean)
  const note = notes.length > 0 ? `<text x="${lx}" y="${y + (side ? 18 : 24)}" text-anchor="${anchor}" class="hop-note">${notes.join(', ')}</text>` : ''
  const what = n.kind === 'target' ? 'target' : 'hop'
  const title =
    n.kind === 'vantage' ? `vantage point ${n.label}` : `${what} ${n.label}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}, crossed by ${[...n.vantages].join(', ')}`
  return `<g class="${classes.join(' ')}" data-address="${escapeXml(n.label)}"><title>${escapeXml(title)}</title>${mark}${label}${note}</g>`
}

function nodeMark(n: Node, {x, y}: {x: number; y: number}, {faulty, limited}: {faulty: boolean; limited: boolean}): string {
  if (n.kind === 'vantage') return `<rect x="${x - 9}" y="${y - 9}" width="18" height="18" rx="3" fill="#0072B2"/>`
  if (n.kind === 'target') return `<rect x="${x - 10}" y="${y - 10}" width="20" height="20" rx="10" fill="${faulty ? '#b42318' : '#1d2330'}"/>`
  const stroke = faulty ? '#7a1711' : limited ? '#bf8700' : '#5b6475'
  const dashed = n.kind === 'silent' || limited ? ' stroke-dasharray="3 2"' : ''
  return `<circle cx="${x}" cy="${y}" r="${faulty ? 10 : 8}" fill="${faulty ? '#b42318' : '#ffffff'}" stroke="${stroke}" stroke-width="2"${dashed}/>`
}

// A link that paths cross with the same colour is one line; with different colours (a fault on
// one vantage point's path but not another's), one thin line per vantage point, side by side.
function linkLines(l: Link, at: Map<string, {x: number; y: number}>, nodes: Map<string, Node>): string[] {
  const a = at.get(l.from)!
  const b = at.get(l.to)!
  const name = `${nodes.get(l.from)!.label} to ${nodes.get(l.to)!.label}`
  const colors = new Set(l.crossings.map((c) => lossColor(c.lossPct)))
  const groups = colors.size === 1 ? [l.crossings] : l.crossings.map((c) => [c])
  const length = Math.hypot(b.x - a.x, b.y - a.y) || 1
  const [nx, ny] = [-(b.y - a.y) / length, (b.x - a.x) / length]
  return groups.map((group, i) => {
    const shift = (i - (groups.length - 1) / 2) * 4
    const loss = Math.max(...group.map((c) => c.lossPct))
    const measured = Math.max(...group.map((c) => c.rawLossPct))
    const title = `${name}: ${Math.round(loss)} % loss persists (${Math.round(measured)} % measured) from ${group.map((c) => c.vantage).join(', ')}`
    const [dx, dy] = [(nx * shift).toFixed(1), (ny * shift).toFixed(1)]
    return `<line class="link" x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" transform="translate(${dx} ${dy})" stroke="${lossColor(loss)}" stroke-width="${groups.length > 1 ? 3 : 4}" data-loss="${Math.round(loss)}"><title>${escapeXml(title)}</title></line>`
  })
}

/** Nodes keyed by address (a silent hop by vantage point and TTL), links keyed by their two ends, and each path as node keys. */
function buildGraph(target: string, paths: PathInput[]): {nodes: Map<string, Node>; links: Map<string, Link>; sequences: string[][]} {
  const address = targetAddress(target, paths)
  const nodes = new Map<string, Node>()
  const links = new Map<string, Link>()
  const node = ({key, kind, label}: Pick<Node, 'key' | 'kind' | 'label'>, vantage: string, ttl?: number) => {
    const found = nodes.get(key) ?? {key, kind, label, layer: 0, order: 0, vantages: new Set<string>(), ttls: new Set<number>()}
    found.vantages.add(vantage)
    if (ttl !== undefined) found.ttls.add(ttl)
    nodes.set(key, found)
    return found
  }
  const sequences: string[][] = []
  for (const p of paths) {
    const start = node({key: `v:${p.vantage}`, kind: 'vantage', label: p.vantage}, p.vantage)
    const sequence = [start.key]
    const persisting = persistingLoss(p.hops)
    const seen = new Set<string>()
    for (const [i, hop] of p.hops.entries()) {
      const kind: Node['kind'] = hop.host === '???' ? 'silent' : hop.host === address ? 'target' : 'hop'
      let key = kind === 'silent' ? `s:${p.vantage}:${hop.hop}` : kind === 'target' ? 't' : `h:${hopAddress(hop)}`
      // A router met twice on one path (a routing loop) is drawn twice, so the picture stays acyclic.
      if (seen.has(key)) key = `${key}#${p.vantage}:${hop.hop}`
      seen.add(key)
      node({key, kind, label: kind === 'silent' ? '?' : hopAddress(hop)}, p.vantage, hop.hop)
      const from = sequence.at(-1)!
      const id = `${from}>${key}`
      const link = links.get(id) ?? {from, to: key, crossings: []}
      link.crossings.push({vantage: p.vantage, lossPct: persisting[i], rawLossPct: hop.lossPct})
      links.set(id, link)
      sequence.push(key)
    }
    sequences.push(sequence)
  }
  return {nodes, links, sequences}
}
