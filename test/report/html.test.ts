/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/* global document, getComputedStyle, HTMLElement */
import {existsSync, mkdirSync, mkdtempSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {type BrowserContext, chromium, type Page} from 'playwright-core'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mc} from '../helpers/run.js'
import {API, DB, FAULT_ROUTER, seedHistory, seedInventory, VANTAGES} from './seed.js'

/**
 * The HTML report as a person sees it: Debian's chromium, headless, driven by playwright-core (which
 * never downloads a browser of its own), with a fresh profile and no background networking.
 */
const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
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

/**
 * The seeded diagnosis's picture, JavaScript or not: one per diagnosed target (only the API has
 * path results), above its hop table; a node per vantage point, the router that local and the
 * Rackspace probe share drawn once and filled red as the blamed hop, its links coloured by the
 * loss that persists (red for 26-34 %), Linode's clean links green.
 */
async function expectPathPicture(page: Page) {
  const svg = page.locator('section.target svg.path-picture')
  expect(await svg.count()).toBe(1)
  expect(await svg.isVisible()).toBe(true)
  const box = (await svg.boundingBox())!
  expect(box.width).toBeGreaterThan(500)
  expect(box.height).toBeGreaterThan(150)
  const tableTop = (await page.locator('table.hops').boundingBox())!.y
  expect(box.y + box.height).toBeLessThanOrEqual(tableTop)
  // Rows grouped by shared path: Linode's own route, then the two that share the router.
  const rows = await svg.locator('g.node.vantage text').evaluateAll((texts) =>
    texts
      .map((t) => ({name: t.textContent, y: t.getBoundingClientRect().y}))
      .sort((a, b) => a.y - b.y)
      .map((t) => t.name),
  )
  expect(rows).toEqual(['edge-linode-us-west', 'local', 'edge-rackspace-ord'])
  expect(await svg.locator('g.node.target text').first().textContent()).toBe(API)
  const blamed = svg.locator('g.node.fault')
  expect(await blamed.count()).toBe(1)
  expect(await blamed.getAttribute('data-address')).toBe(FAULT_ROUTER)
  expect(await blamed.locator('circle').evaluate((c) => getComputedStyle(c).fill)).toBe('rgb(180, 35, 24)')
  expect(await blamed.locator('title').textContent()).toContain('crossed by local, edge-rackspace-ord')
  expect(await svg.locator('g.node[data-address="10.30.0.1"]:not(.fault)').count()).toBe(1)
  // Into the shared router: one line from each of the two vantage points' first hops, both red.
  const into = await svg
    .locator('line.link')
    .evaluateAll((lines, router) => lines.filter((l) => l.querySelector('title')!.textContent!.includes(` to ${router}:`)).map((l) => getComputedStyle(l).stroke), FAULT_ROUTER)
  expect(into).toEqual(['rgb(180, 35, 24)', 'rgb(180, 35, 24)'])
  const green = await svg
    .locator('line.link')
    .evaluateAll((lines) => lines.filter((l) => l.querySelector('title')!.textContent!.endsWith('from edge-linode-us-west')).map((l) => getComputedStyle(l).stroke))
  expect(green.length).toBeGreaterThanOrEqual(2)
  for (const stroke of green) expect(stroke).toBe('rgb(26, 127, 55)')
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
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: {width: 1280, height: 900},
    timeout: 20_000,
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
    expect(charts.map((c) => [c.id, c.series])).toEqual([
      ['target-1-rtt', 3],
      ['target-1-loss', 3],
      ['target-2-rtt', 2],
      ['target-2-loss', 2],
    ])
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
    expect(await page.locator('table.series tr').count()).toBe(1 + 3 + (1 + 2))
    expect(await page.locator('table.hops').isVisible()).toBe(true)
    expect(await page.locator('table.fleet').isVisible()).toBe(true)
    await expectPathPicture(page)
    await page.close()
  })

  it('draws the paths as a picture above the hop table: routers merge, the blamed router is red', async () => {
    const page = await context.newPage()
    await page.goto(pathToFileURL(report).href, {waitUntil: 'load'})
    await expectPathPicture(page)
    mkdirSync(ARTIFACTS, {recursive: true})
    await page.locator('svg.path-picture').screenshot({path: join(ARTIFACTS, 'path-picture.png')})
    // The README's screenshot (docs/report.png is a copy): the page from the top to the first hop table.
    const bottom = await page
      .locator('table.hops')
      .first()
      .evaluate((t) => t.getBoundingClientRect().bottom + globalThis.scrollY)
    await page.screenshot({path: join(ARTIFACTS, 'report-top.png'), fullPage: true, clip: {x: 0, y: 0, width: 1280, height: Math.ceil(bottom + 48)}})
    await page.close()
  })
})
