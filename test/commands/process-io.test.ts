import {execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/checks/types.js'
import {CheckHistory} from '../../src/store/history.js'
import {DB_FILE} from '../../src/store/schema.js'

/**
 * Issue 20 items 2, 3 and 8, on the real binary in child processes: stdout complete before a
 * non-zero exit, concurrent `mc config set` without lost writes, secrets from a slow stdin.
 */

const BIN = new URL('../../bin/run.js', import.meta.url).pathname
const root = mkdtempSync(join(tmpdir(), 'mc-process-io-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

type Run = {code: number | null; stdout: string; stderr: string}

function env(home: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {...process.env, MC_HOME: home, NO_COLOR: '1', CI: '1'}
  for (const name of Object.keys(e)) if (/^(VITEST|NODE_OPTIONS$|NODE_ENV$|MC_PROFILE$)/.test(name)) delete e[name]
  return e
}

/**
 * Run mc with stdout on a pipe that is not read for `holdMs`: what mc writes beyond the pipe's
 * 64 KiB waits in its own buffer, which is what process.exit used to drop. Once reading starts, the
 * reader takes everything to EOF. `stdin` is written after `stdinDelayMs`, then closed.
 */
function runMc(args: string[], home: string, options: {holdMs?: number; stdin?: string; stdinDelayMs?: number} = {}): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {env: env(home), stdio: ['pipe', 'pipe', 'pipe']})
  const out: Buffer[] = []
  let err = ''
  child.stdout.pause()
  setTimeout(() => {
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stdout.resume()
  }, options.holdMs ?? 0)
  child.stderr.on('data', (d: Buffer) => {
    err += d
  })
  setTimeout(() => child.stdin.end(options.stdin ?? ''), options.stdinDelayMs ?? 0)
  const killer = setTimeout(() => child.kill('SIGKILL'), 110_000)
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      resolve({code, stdout: Buffer.concat(out).toString(), stderr: err})
    })
  })
}

/** ~400 KB of report data: many results with long summaries. */
function seedBigHistory(home: string): void {
  const history = CheckHistory.open(join(home, 'data', DB_FILE))
  try {
    const at = new Date(Date.now() - 60_000).toISOString()
    const results: CheckResult[] = []
    for (let i = 0; i < 600; i++) {
      results.push({
        vantage: 'local',
        target: `host-${i}.example.net`,
        check: 'tcp:443',
        kind: 'tcp',
        state: 'OK',
        implementation: 'check_tcp',
        durationMs: 5,
        at,
        metrics: [{name: 'time', value: 0.01, unit: 's'}],
        summary: `TCP OK - 0.010 second response time ${'.'.repeat(300)}`,
        raw: '',
      })
    }

    const runId = history.startRun({seeded: true})
    history.addResults(runId, results)
    history.finishRun(runId)
  } finally {
    history.close()
  }
}

describe('stdout before exit (item 2)', () => {
  it('a failing command with --json writes its whole document to a pipe before it exits', async () => {
    const home = join(root, 'flush')
    seedBigHistory(home)
    execFileSync('mknod', [join(root, 'full'), 'c', '1', '7'])
    const run = await runMc(['report', '--json', '--since', '1h', '--html', join(root, 'full')], home, {holdMs: 1500})
    expect(run.code).toBe(10)
    expect(run.stdout.length).toBeGreaterThan(3 * 65_536)
    const json = JSON.parse(run.stdout) as {error: {code: string}; matrix: unknown[]}
    expect(json.error.code).toBe('OUTPUT')
    expect(json.matrix).toHaveLength(600)
  })
})

describe('mc config set from many processes at once (item 3)', () => {
  // Without the lock, 2-3 of 20 writes were lost; 12 still lose some and start in a few seconds.
  const WRITERS = 12

  it('keeps every write', {timeout: 120_000}, async () => {
    const home = join(root, 'parallel')
    const runs = await Promise.all(Array.from({length: WRITERS}, (_, i) => runMc(['config', 'set', 'ec2.region', `region-${i}`, '--profile', `p${i}`], home)))
    for (const run of runs) expect(run.code, run.stderr).toBe(0)
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {profiles: Record<string, Record<string, string>>}
    expect(Object.keys(config.profiles)).toHaveLength(WRITERS)
    for (let i = 0; i < WRITERS; i++) expect(config.profiles[`p${i}`]).toEqual({'ec2.region': `region-${i}`})
  })
})

describe('a secret from a slow stdin (item 8)', () => {
  it('reads to EOF however late the producer writes', async () => {
    const home = join(root, 'stdin')
    const run = await runMc(['config', 'set', 'linode.token', '-', '--json'], home, {stdin: 'tok-from-a-slow-pipe\n', stdinDelayMs: 700})
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).not.toContain('tok-from-a-slow-pipe')
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {profiles: Record<string, Record<string, string>>}
    expect(config.profiles.default['linode.token']).toBe('tok-from-a-slow-pipe')
  })

  it('refuses an empty stdin (an unset variable) instead of storing an empty secret', async () => {
    const home = join(root, 'stdin-empty')
    const run = await runMc(['config', 'set', 'linode.token', '-'], home, {stdin: '', stdinDelayMs: 200})
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Nothing on stdin for linode.token')
  })

  it('reads from a shell pipeline whose producer sleeps first', async () => {
    const home = join(root, 'stdin-shell')
    const out = execFileSync('sh', ['-c', `(sleep 0.5; printf tok) | "${process.execPath}" "${BIN}" config set linode.token -`], {env: env(home), encoding: 'utf8'})
    expect(out).toContain('linode.token = ****')
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {profiles: Record<string, Record<string, string>>}
    expect(config.profiles.default['linode.token']).toBe('tok')
  })
})
