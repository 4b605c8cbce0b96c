import type {Stats} from './measure.js'

/** A target from the issue, with what was measured against it. */
export interface Target {
  target: string
  measured: string
  met: boolean
}

export interface Section {
  markdown: string
  targets: Target[]
}

function line(cells: (string | number)[]): string {
  return `| ${cells.map((c) => String(c).replaceAll('|', String.raw`\|`)).join(' | ')} |`
}

export function table(head: string[], rows: (string | number)[][]): string {
  return [line(head), line(head.map(() => '---')), ...rows.map((r) => line(r))].join('\n')
}

export function seconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`
}

export function mb(value: number): string {
  return `${value.toFixed(0)} MB`
}

export function ratio(value: number): string {
  return `${value.toFixed(2)}x`
}

/** Fastest and slowest run, the spread a reader needs to judge the median. */
export function spread(stats: Stats): string {
  const sorted = [...stats.walls].sort((a, b) => a - b)
  return `${seconds(sorted[0])}–${seconds(sorted.at(-1)!)}`
}

/** The item with the largest value (the first of equals). */
export function maxBy<T>(items: T[], value: (item: T) => number): T {
  let best = items[0]
  for (const item of items) if (value(item) > value(best)) best = item
  return best
}

export function code(text: string): string {
  return `\`${text}\``
}
