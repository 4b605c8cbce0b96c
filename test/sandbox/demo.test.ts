import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it, vi} from 'vitest'

import {inside, killAll, namespacesOf, processesWith} from './netns.js'

/**
 * `npm run demo` (scripts/demo.mjs, after a build) on the networked sandbox: it ends with the
 * transit fault found and, cleared, healthy; and Ctrl-C in the middle leaves no process of it and
 * so no namespace behind. Each run gets its own TMPDIR, so its processes are told apart by the
 * MC_HOME under it, never by a name another run could share. Needs root for the network here (as
 * another user the demo runs on loopback; test/sandbox/network.test.ts covers rootless).
 */
const isRoot = process.getuid?.() === 0
const DEMO = new URL('../../scripts/demo.mjs', import.meta.url).pathname
vi.setConfig({testTimeout: 420_000})

const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) {
    killAll(processesUnder(dir))
    rmSync(dir, {recursive: true, force: true})
  }
})

/** Processes whose MC_HOME lies under dir: the demo's mc commands, the sandbox, its namespace holders and nodes' shells. */
function processesUnder(dir: string): number[] {
  return processesWith((mcHome) => mcHome.startsWith(`${dir}/`))
}

type Demo = {pid: number; stdout(): string; until(text: string): Promise<void>; exit: Promise<number | null>}

function startDemo(dir: string): Demo {
  const child = spawn(process.execPath, [DEMO], {cwd: dir, env: {...process.env, TMPDIR: dir}, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  const waiting: Array<{text: string; resolve: () => void}> = []
  child.stdout.on('data', (chunk) => {
    out += chunk
    for (const w of waiting.filter((x) => out.includes(x.text))) w.resolve()
  })
  child.stderr.on('data', (chunk) => {
    out += chunk
  })
  const exit = new Promise<number | null>((resolve) => {
    child.on('close', (code) => resolve(code))
  })
  return {
    pid: child.pid!,
    stdout: () => out,
    until: (text) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) {
          resolve()
          return
        }

        waiting.push({text, resolve})
        exit.then(() => reject(new Error(`the demo ended before printing "${text}":\n${out}`)), reject)
      }),
    exit,
  }
}

describe.skipIf(!isRoot)('npm run demo on the networked sandbox (root)', () => {
  it('ends with the transit fault found, then healthy, and nothing left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-demo-test-'))
    dirs.push(dir)
    const started = Date.now()
    const demo = startDemo(dir)
    const code = await demo.exit
    const out = demo.stdout()
    expect(code, out).toBe(0)
    expect(out).toMatch(/10\.8\.1\.10: shared-path\nLoss \(\d+%–\d+%\) starts at hop 2 \(10\.90\.0\.1\)/)
    expect(out).toContain('while demo-linode-us-west, which does not cross that hop, reaches it cleanly')
    expect(out).toContain('10.8.1.10: healthy')
    expect(out).toMatch(/Done in \d+ s \(root network namespaces\)/)
    // The target is under two minutes (about 70 s here); on a loaded machine a bound would only flake.
    console.info(`demo: ${((Date.now() - started) / 1000).toFixed(0)} s`)
    expect(processesUnder(dir)).toEqual([])
  })

  it('Ctrl-C in the middle: it tears down, exits 130, and no process or namespace of it remains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-demo-test-'))
    dirs.push(dir)
    const demo = startDemo(dir)
    // From here until its teardown the sandbox runs with its namespaces and five vantage points.
    await demo.until('==> The night of the story')
    const namespaces = namespacesOf(processesUnder(dir))
    expect(namespaces.size).toBeGreaterThanOrEqual(13) // dc, dcr, tr, tgr, tg, and a host and a router per region
    process.kill(demo.pid, 'SIGINT')
    const code = await demo.exit
    expect(code, demo.stdout()).toBe(130)
    expect(demo.stdout()).toContain('Tear down: stop the sandbox')
    expect(processesUnder(dir)).toEqual([])
    expect(inside(namespaces)).toEqual([])
  })
})
