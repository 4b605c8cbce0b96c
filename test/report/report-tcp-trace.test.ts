import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import type {CheckResult, Hop} from '../../src/checks/types.js'
import {renderHtmlReport} from '../../src/output/html-report/render.js'
import {renderDiagnosisNagios} from '../../src/output/diagnosis.js'
import {buildReport} from '../../src/services/report.js'
import {CheckHistory} from '../../src/store/history.js'
import {DB_FILE} from '../../src/store/schema.js'

/** A target behind a security group that lets in HTTPS only: ping and the ICMP trace get nothing, the TCP trace reaches it. */
const TARGET = '198.51.100.50'
const NOW = Date.now()
const at = new Date(NOW - 60_000).toISOString()
const hop = (index: number, host: string, lossPct = 0): Hop => ({hop: index, host, lossPct, sent: 50, lastMs: index, avgMs: index, bestMs: index, worstMs: index, stdevMs: 0})

function result(vantage: string, check: string, extra: Partial<CheckResult>): CheckResult {
  return {
    vantage,
    target: TARGET,
    check,
    kind: check.split(':')[0] as CheckResult['kind'],
    state: 'OK',
    summary: '',
    metrics: [],
    implementation: 'mtr',
    durationMs: 5000,
    raw: '',
    at,
    ...extra,
  }
}

beforeAll(() => {
  const history = CheckHistory.open(join(process.env.MC_HOME!, 'data', DB_FILE))
  try {
    const results = ['local', 'edge'].flatMap((v) => [
      result(v, 'ping', {implementation: 'check_ping', state: 'CRITICAL', metrics: [{name: 'pl', value: 100, unit: '%'}]}),
      result(v, 'path', {state: 'CRITICAL', hops: [hop(1, '10.0.0.1'), hop(2, '???', 100)]}),
      result(v, 'path:tcp:443', {hops: [hop(1, '10.0.0.1'), hop(2, TARGET)]}),
    ])
    const runId = history.startRun({diagnose: true})
    history.addResults(runId, results)
    history.finishRun(runId)
  } finally {
    history.close()
  }
})

describe('a diagnosis traced over TCP, in the report and in Nagios output', () => {
  it('reads the TCP trace, says how it was traced, and shows its hops', () => {
    const [target] = buildReport({since: new Date(NOW - 3_600_000)}).targets
    const diagnosis = target.diagnosis!
    expect(diagnosis.verdict.kind).toBe('healthy')
    expect(diagnosis.verdict.tracedOver).toEqual({protocol: 'tcp', port: 443, icmpSilent: true})
    expect(diagnosis.paths.map((p) => p.hops.at(-1)?.host)).toEqual([TARGET, TARGET])
    const html = renderHtmlReport(buildReport({since: new Date(NOW - 3_600_000)}), {mcVersion: '0.0.0-test'})
    expect(html).toContain('Path per hop (traced over TCP 443)')
    expect(html).toContain(`${TARGET} answers no ICMP echo from any vantage point; traced over TCP 443.`)
    expect(renderDiagnosisNagios([diagnosis.verdict]).text).toMatch(/^MC DIAGNOSE OK - 198\.51\.100\.50 healthy \(traced over TCP 443\)/)
  })
})
