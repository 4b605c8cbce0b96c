import {ToolOutputError} from './errors.js'
import type {Hop} from './types.js'

/**
 * `mtr --json` output. mtr 0.92 printed it with printf: "count", "tests" and "tos" are strings there,
 * floats have two decimals. 0.93+ use a JSON library and write numbers. Both parse here. A host that
 * never answered is "???"; with -n every other host is an address.
 */
export interface MtrReport {
  source?: string
  destination: string
  rounds: number
  hops: Hop[]
}

function num(value: unknown, field: string): number {
  const n = typeof value === 'number' ? value : (typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN)
  if (!Number.isFinite(n)) throw new ToolOutputError(`mtr JSON: "${field}" is not a number (${JSON.stringify(value)})`)
  return n
}

export function parseMtrJson(text: string): MtrReport {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (error) {
    throw new ToolOutputError(`mtr did not print JSON: ${(error as Error).message}`)
  }
  const report = (doc as {report?: {mtr?: Record<string, unknown>; hubs?: unknown}})?.report
  if (!report || typeof report !== 'object' || !report.mtr) throw new ToolOutputError('mtr JSON has no "report.mtr" object')
  const hubs = report.hubs ?? []
  if (!Array.isArray(hubs)) throw new ToolOutputError('mtr JSON: "hubs" is not a list')
  return {
    source: typeof report.mtr.src === 'string' ? report.mtr.src : undefined,
    destination: String(report.mtr.dst ?? ''),
    rounds: num(report.mtr.tests, 'tests'),
    hops: hubs.map((hub: Record<string, unknown>) => ({
      hop: num(hub.count, 'count'),
      host: String(hub.host ?? '???'),
      lossPct: num(hub['Loss%'], 'Loss%'),
      sent: num(hub.Snt, 'Snt'),
      lastMs: num(hub.Last, 'Last'),
      avgMs: num(hub.Avg, 'Avg'),
      bestMs: num(hub.Best, 'Best'),
      worstMs: num(hub.Wrst, 'Wrst'),
      stdevMs: num(hub.StDev, 'StDev'),
    })),
  }
}
