import {join} from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'

import {chartSpecs, renderHtmlReport} from '../../src/output/html-report/render.js'
import {renderMarkdownReport} from '../../src/output/markdown-report.js'
import {buildReport, type ReportData} from '../../src/services/report.js'
import {mc, parseJson} from '../helpers/run.js'
import {API, DB, FAULT_ROUTER, ROUNDS, seedHistory, seedInventory, STEP_MS} from './seed.js'

const dataDir = () => join(process.env.MC_HOME!, 'data')
const NOW = Date.now()
const HOURS_3 = new Date(NOW - 3 * 3_600_000)

beforeAll(() => {
  seedHistory(dataDir(), NOW)
  seedInventory(dataDir())
})

describe('report data from the history', () => {
  it('per target: latency and loss per vantage point, newest states, and the diagnosis recomputed from stored evidence', () => {
    const data = buildReport({since: HOURS_3})
    expect(data.targets.map((t) => t.target)).toEqual([API, DB])
    expect(data.vantages).toEqual(['local', 'edge-linode-us-west', 'edge-rackspace-ord'])

    const api = data.targets[0]
    expect(api.series.map((s) => [s.vantage, s.samples])).toEqual([
      ['local', ROUNDS],
      ['edge-linode-us-west', ROUNDS],
      ['edge-rackspace-ord', ROUNDS],
    ])
    // Oldest first, and the fault's loss only on the routes through the faulty router.
    const local = api.series[0]
    expect(local.points.map((p) => p.t)).toEqual(local.points.map((p) => p.t).sort((a, b) => a - b))
    expect(local.points[0].lossPct).toBe(0)
    expect(local.points.at(-1)!.lossPct).toBeGreaterThanOrEqual(24)
    expect(api.series[1].lossMaxPct).toBe(0)
    expect(api.state).toBe('WARNING')

    expect(api.diagnosis?.verdict.kind).toBe('shared-path')
    expect(api.diagnosis?.verdict.faultHop?.address).toBe(FAULT_ROUTER)
    expect(api.diagnosis?.state).toBe('CRITICAL')
    expect(api.diagnosis?.paths.map((p) => p.vantage)).toEqual(['local', 'edge-linode-us-west', 'edge-rackspace-ord'])
    expect(api.diagnosis?.at).toBe(new Date(NOW).toISOString())

    const db = data.targets[1]
    expect(db.series.map((s) => s.vantage)).toEqual(['local', 'edge-linode-us-west'])
    expect(db.diagnosis).toBeUndefined()
    expect(db.state).toBe('OK')
  })

  it('a vantage x target matrix of the newest result of every check', () => {
    const {matrix} = buildReport({since: HOURS_3})
    expect(matrix).toHaveLength(6)
    const cell = matrix.find((c) => c.vantage === 'edge-rackspace-ord' && c.target === DB)!
    expect(cell.checks.map((c) => c.check)).toEqual(['tcp:5432'])
    expect(cell.checks[0].timeMs).toBeGreaterThan(10)
    const faulty = matrix.find((c) => c.vantage === 'local' && c.target === API)!
    expect(faulty.state).toBe('WARNING')
    expect(faulty.checks.every((c) => c.at === new Date(NOW).toISOString())).toBe(true)
  })

  it('the window and the target filter bound what is read', () => {
    const recent = buildReport({since: new Date(NOW - 30 * 60_000 - 1000)})
    expect(recent.targets[0].series[0].samples).toBe(Math.floor((30 * 60_000) / STEP_MS) + 1)
    const only = buildReport({since: HOURS_3, targets: [DB]})
    expect(only.targets.map((t) => t.target)).toEqual([DB])
    const none = buildReport({since: HOURS_3, targets: ['192.0.2.99']})
    expect(none.targets[0]).toMatchObject({target: '192.0.2.99', resultCount: 0, series: []})
    expect(none.targets[0].state).toBeUndefined()
  })

  it('the probe fleet with provider, region and what it costs', () => {
    const {fleet} = buildReport({since: HOURS_3})
    expect(fleet.probes.map((p) => [p.name, p.provider, p.region, p.priceHourly])).toEqual([
      ['edge-linode-us-west', 'linode', 'us-west', 0.0075],
      ['edge-rackspace-ord', 'rackspace', 'ORD', 0.037],
    ])
    expect(fleet.hourlyCost).toBeCloseTo(0.0445, 6)
    expect(fleet.monthlyCost).toBeCloseTo(0.0445 * 730, 6)
  })
})

describe('renderers', () => {
  it('charts: one per measure per target with ping data, one series per vantage point, aligned on the sample times', () => {
    const specs = chartSpecs(buildReport({since: HOURS_3}))
    expect(specs.map((s) => [s.id, s.series.length])).toEqual([
      ['target-1-rtt', 3],
      ['target-1-loss', 3],
      ['target-2-rtt', 2],
      ['target-2-loss', 2],
    ])
    for (const spec of specs) for (const series of spec.series) expect(series.values).toHaveLength(spec.x.length)
    expect(new Set(specs[0].series.map((s) => s.color)).size).toBe(3)
  })

  it('HTML escapes every name and keeps embedded data from closing its script element', () => {
    const data = buildReport({since: HOURS_3})
    const hostile = '<img src=x onerror=alert(1)></script><script>alert(2)</script>'
    const tampered: ReportData = {
      ...data,
      vantages: [...data.vantages, hostile],
      targets: [{...data.targets[1], series: [...data.targets[1].series, {...data.targets[1].series[0], vantage: hostile}]}],
    }
    const html = renderHtmlReport(tampered, {mcVersion: '0.0.0-test'})
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(html.match(/<\/script>/g)).toHaveLength(3)
    expect(html).toContain(String.raw`\u003cimg src=x`)
  })

  it('HTML is one self-contained file: chart library and styles inline, a policy that forbids every fetch', () => {
    const html = renderHtmlReport(buildReport({since: HOURS_3}), {mcVersion: '0.0.0-test'})
    expect(html).toContain("default-src 'none'")
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i)
    expect(html).toContain('var uPlot=function')
    expect(html).toContain('The MIT License')
  })

  it('Markdown: status matrix, per-target tables, the diagnosis with its hops, and the fleet', () => {
    const md = renderMarkdownReport(buildReport({since: HOURS_3}))
    expect(md).toContain(`| vantage / target | ${API} | ${DB} |`)
    expect(md).toMatch(/\| \*\*edge-rackspace-ord\*\* \| 🟡 path \d+% loss<br>🟡 ping \d+% loss \| 🟢 tcp:5432 \d+ ms \|/)
    expect(md).toContain('**Diagnosis: 🔴 shared-path**')
    expect(md).toContain(`Fault starts at hop 2 (${FAULT_ROUTER}).`)
    expect(md).toMatch(new RegExp(String.raw`\| 2 \| ${FAULT_ROUTER.replaceAll('.', String.raw`\.`)} \d+% [\d.]+ ms \| 192\.0\.2\.254 0% [\d.]+ ms \|`))
    expect(md).toContain('| edge-rackspace-ord | rackspace | ORD | 198.18.10.21 | ready | $0.0370 |')
    expect(md).toContain(`Total **$0.0445/hour**, about $${(0.0445 * 730).toFixed(2)}/month.`)
  })
})

describe('mc report', () => {
  it('--markdown prints the report; --json its data', async () => {
    const md = await mc(['report', '--markdown', '--since', '3h'])
    expect(md.exitCode).toBe(0)
    expect(md.stdout).toContain('## mc network report')
    const json = await mc(['report', '--json', '--since', '3h', '--target', DB])
    expect(json.exitCode).toBe(0)
    expect(parseJson<ReportData>(json.stdout).targets.map((t) => t.target)).toEqual([DB])
  })

  it('says what is missing or wrong, with the usage exit code', async () => {
    const nothing = await mc(['report'])
    expect(nothing.exitCode).toBe(2)
    expect(nothing.stderr).toContain('--html FILE, --markdown, or --json')
    const bad = await mc(['report', '--markdown', '--since', 'yesterday'])
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('Bad --since "yesterday"')
    const iso = await mc(['report', '--json', '--since', new Date(NOW - 60_000).toISOString()])
    expect(parseJson<ReportData>(iso.stdout).targets[0].series[0].samples).toBe(1)
  })
})
