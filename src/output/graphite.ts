import {connect} from 'node:net'

import {STATE_EXIT_CODE} from '../checks/thresholds.js'
import type {CheckResult} from '../checks/types.js'
import {TimeoutError, TransientError} from '../core/errors.js'

export interface GraphiteOptions {
  /** First path element. Default "mc". */
  prefix?: string
}

/**
 * One path element: dots would add levels and spaces would split the line, so those (and anything
 * outside letters, digits, "-" and "_") become "_".
 */
export function graphiteName(part: string): string {
  return part.replaceAll(/[^A-Za-z0-9_-]/g, '_') || '_'
}

/**
 * Graphite plaintext protocol, one line per value: `mc.<vantage>.<target>.<check>.<metric> value ts`,
 * stamped with the time each check finished. Every check also reports `state` (0 OK .. 3 UNKNOWN) and
 * `duration_ms`; metrics without a value (Nagios "U") are left out.
 */
export function renderGraphite(results: CheckResult[], options: GraphiteOptions = {}): string {
  const prefix = options.prefix ?? 'mc'
  const lines: string[] = []
  for (const r of results) {
    const base = [prefix, r.vantage, r.target, r.check].map((p) => graphiteName(p)).join('.')
    const ts = Math.floor(Date.parse(r.at) / 1000)
    for (const m of r.metrics) {
      if (m.value !== null && Number.isFinite(m.value)) lines.push(`${base}.${graphiteName(m.name)} ${m.value} ${ts}`)
    }
    lines.push(`${base}.state ${STATE_EXIT_CODE[r.state]} ${ts}`, `${base}.duration_ms ${r.durationMs} ${ts}`)
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : ''
}

/** Send plaintext lines to a Carbon receiver over TCP (port 2003 by default). */
export function sendGraphite(text: string, options: {host: string; port?: number; timeoutMs?: number}): Promise<void> {
  const port = options.port ?? 2003
  const where = `${options.host}:${port}`
  return new Promise((resolve, reject) => {
    const socket = connect({host: options.host, port})
    socket.setTimeout(options.timeoutMs ?? 10_000, () => {
      socket.destroy()
      reject(new TimeoutError(`Graphite at ${where} did not take the metrics within ${Math.round((options.timeoutMs ?? 10_000) / 1000)}s`))
    })
    socket.once('error', (error: NodeJS.ErrnoException) => reject(new TransientError(`Cannot send metrics to Graphite at ${where}: ${error.message}`, error.code)))
    socket.once('connect', () => socket.end(text))
    socket.once('close', (hadError) => {
      if (!hadError) resolve()
    })
  })
}
