import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/checks/types.js'
import {diagnosisResult, hop} from '../helpers/diagnosis-results.js'
import {renderHtmlReport} from '../../src/output/html-report/render.js'
import {renderDiagnosis, renderDiagnosisNagios} from '../../src/output/diagnosis.js'
import {buildReport} from '../../src/services/report.js'
import {CheckHistory} from '../../src/store/history.js'
import {DB_FILE} from '../../src/store/schema.js'

/**
 * A host name that two vantage points resolved to different addresses, the path to one of them lossy,
 * and a third where it did not resolve: stored as a diagnosis stores it (the address in the raw
 * output), then read back by the report, the table and Nagios.
 */
const NAME = 'api.example.test'
const NOW = Date.now()
const at = new Date(NOW - 60_000).toISOString()
const result = (vantage: string, kind: 'ping' | 'path', extra: Partial<CheckResult> = {}) => diagnosisResult(NAME, vantage, kind, {at, ...extra})

function traced(vantage: string, address: string, loss: number): CheckResult[] {
  const hops = [hop(1, `10.${vantage === 'edge' ? 2 : 1}.0.1`), hop(2, '10.90.0.1', loss), hop(3, address, loss)]
  return [
    result(vantage, 'ping', {raw: `mc-address: ${address}\nPING`, metrics: [{name: 'pl', value: loss, unit: '%'}]}),
    result(vantage, 'path', {raw: `mc-address: ${address}\nx 0 1`, hops}),
  ]
}

beforeAll(() => {
  const history = CheckHistory.open(join(process.env.MC_HOME!, 'data', DB_FILE))
  try {
    const failed = (['ping', 'path'] as const).map((kind) => result('far', kind, {state: 'UNKNOWN', raw: 'mc-resolve-error: Name or service not known'}))
    const runId = history.startRun({diagnose: true})
    history.addResults(runId, [...traced('local', '10.8.1.10', 0), ...traced('edge', '10.8.1.11', 30), ...failed])
    history.finishRun(runId)
  } finally {
    history.close()
  }
})

describe('a diagnosis of a host name, in the report, the table and Nagios output', () => {
  it('shows the address each vantage point reached, the faulty address and the DNS finding', () => {
    const report = buildReport({since: new Date(NOW - 3_600_000)})
    const {verdict} = report.targets.find((t) => t.target === NAME)!.diagnosis!
    expect(verdict.faultAddress).toBe('10.8.1.11')
    expect(verdict.dnsFailures).toEqual([{vantage: 'far', error: 'Name or service not known'}])
    const html = renderHtmlReport(report, {mcVersion: '0.0.0-test'})
    expect(html).toContain('<th>edge <span class="meta">10.8.1.11</span></th>')
    expect(html).toContain('edge reached 10.8.1.11, local reached 10.8.1.10')
    // One vantage point on the faulty address cannot place the fault: said for that address, with the other one clean.
    expect(verdict.kind).toBe('inconclusive')
    expect(html).toContain('On the path to 10.8.1.11 (edge): edge sees 30% loss')
    const table = renderDiagnosis([verdict], [])
    expect(table).toMatch(/^VANTAGE\s+ADDRESS\s+STATUS/m)
    expect(table).toMatch(/^edge\s+10\.8\.1\.11\s+degraded/m)
    expect(table).toContain(`far: ${NAME} did not resolve (Name or service not known)`)
    const nagios = renderDiagnosisNagios([verdict]).text
    expect(nagios).toContain(`${NAME} addresses: edge 10.8.1.11, local 10.8.1.10; far: no address (Name or service not known)`)
    expect(nagios).toMatch(/^MC DIAGNOSE UNKNOWN - api\.example\.test inconclusive at 10\.90\.0\.1 on the path to 10\.8\.1\.11/)
  })
})
