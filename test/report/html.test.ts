/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/* global document, HTMLElement */
import {existsSync, mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {type BrowserContext, chromium} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mc} from '../helpers/run.js'
import {API, DB, seedHistory, seedInventory, VANTAGES} from './seed.js'

/**
 * The HTML report as a person sees it: Debian's chromium, headless, driven by playwright-core (which
 * never downloads a browser of its own), with a fresh profile and no background networking.
 */
const CHROMIUM = '/usr/bin/chromium'
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
]
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname

/** Runs in the page: each chart's drawn series, legend labels, width, and how many canvas pixels are inked. */
function inspectCharts() {
  return [...document.querySelectorAll<HTMLElement>('.chart')].map((el) => {
    const canvas = el.querySelector('canvas')!
    const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
    let inked = 0
    for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++
    return {
      id: el.id,
      series: Number(el.dataset.series),
      legend: [...el.querySelectorAll('.u-legend .u-series .u-label')].map((l) => l.textContent).slice(1),
      width: canvas.getBoundingClientRect().width,
      inked,
    }
  })
}

let work: string
let report: string
let context: BrowserContext

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/ensure-test-packages.sh installs it).`)
  const dataDir = join(process.env.MC_HOME!, 'data')
  seedHistory(dataDir, Date.now())
  seedInventory(dataDir)
  work = mkdtempSync(join(tmpdir(), 'mc-html-report-'))
  report = join(work, 'report.html')
  const written = await mc(['report', '--html', report, '--since', '3h'])
  expect(written.exitCode, written.stderr).toBe(0)
  // A user data dir of its own, removed with `work`: nothing from another run or profile leaks in.
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: {width: 1280, height: 900}, timeout: 20_000,
  })
})

afterAll(async () => {
  await context?.close()
  if (work) rmSync(work, {recursive: true, force: true})
})

describe('HTML report in headless Chromium', () => {
  it('draws every chart with one series per vantage point, with no console error and no network request', async () => {
    const page = await context.newPage()
    const errors: string[] = []
    const requests: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
    page.on('request', (r) => requests.push(r.url()))
    const url = pathToFileURL(report).href
    await page.goto(url, {waitUntil: 'load'})

    const charts = await page.evaluate(inspectCharts)
    expect(charts.map((c) => [c.id, c.series])).toEqual([['target-1-rtt', 3], ['target-1-loss', 3], ['target-2-rtt', 2], ['target-2-loss', 2]])
    expect(charts[0].legend).toEqual(VANTAGES)
    expect(charts[2].legend).toEqual(['local', 'edge-linode-us-west'])
    for (const c of charts) {
      expect(c.width, c.id).toBeGreaterThan(300)
      expect(c.inked, c.id).toBeGreaterThan(1000)
    }
    expect(await page.evaluate(() => (globalThis as unknown as {mcReport: {charts: unknown[]}}).mcReport.charts.length)).toBe(4)
    expect(await page.locator('section.target h2').allTextContents()).toEqual([`${API} WARNING`, `${DB} OK`])
    expect(await page.locator('table.hops td.fault').count()).toBe(2)

    expect(errors).toEqual([])
    expect(requests).toEqual([url])

    mkdirSync(ARTIFACTS, {recursive: true})
    const shot = join(ARTIFACTS, 'report.png')
    await page.screenshot({path: shot, fullPage: true})
    expect(statSync(shot).size).toBeGreaterThan(50_000)
    await page.close()
  })

  it('without JavaScript: no charts, and every table is there', async () => {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setScriptExecutionDisabled', {value: true})
    await page.goto(pathToFileURL(report).href, {waitUntil: 'load'})
    expect(await page.locator('html').getAttribute('class')).toBe('no-js')
    expect(await page.locator('figure').first().isVisible()).toBe(false)
    expect(await page.locator('.chart canvas').count()).toBe(0)
    expect(await page.locator('table.matrix').isVisible()).toBe(true)
    // A header and a row per vantage point: three for the first target, two for the second.
    expect(await page.locator('table.series tr').count()).toBe((1 + 3) + (1 + 2))
    expect(await page.locator('table.hops').isVisible()).toBe(true)
    expect(await page.locator('table.fleet').isVisible()).toBe(true)
    await page.close()
  })
})
