import {type ChildProcess, spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import {parseDuration, runEvery} from '../../src/services/check-loop.js'
import {CheckHistory} from '../../src/store/history.js'
import {DB_FILE} from '../../src/store/schema.js'
import {mc} from '../helpers/run.js'

/** `mc check run --every`: the simple continuous checker for one operator's machine. */

const BIN = new URL('../../bin/run.js', import.meta.url).pathname

describe('parseDuration', () => {
  it('reads the forms --every and --since take', () => {
    expect(parseDuration('60s')).toBe(60_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('7d')).toBe(604_800_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('90')).toBe(90_000)
    expect(parseDuration(' 2H ')).toBe(7_200_000)
    for (const bad of ['', 'soon', '5 m', '-5s', '1x', '5m!']) expect(() => parseDuration(bad), bad).toThrow(ValidationError)
  })
})

function rethrow(error: Error): never {
  throw error
}

describe('runEvery', () => {
  it('starts rounds an interval apart (start to start) until the signal aborts', async () => {
    const controller = new AbortController()
    const starts: number[] = []
    const result = await runEvery({
      intervalMs: 100,
      signal: controller.signal,
      async round(index) {
        starts.push(Date.now())
        await new Promise((resolve) => {
          setTimeout(resolve, 30)
        })
        if (index === 3) controller.abort()
      },
      onError: rethrow,
    })
    // The third round completed before it aborted, so it counts; none starts after the abort.
    expect(result.rounds).toBe(3)
    expect(starts).toHaveLength(3)
    for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(95)
  })

  it('goes on after a failed round, and starts at once after one that overran', async () => {
    const controller = new AbortController()
    const errors: number[] = []
    const overruns: number[] = []
    const result = await runEvery({
      intervalMs: 40,
      signal: controller.signal,
      async round(index) {
        if (index === 1) throw new Error('history locked')
        if (index === 2) {
          await new Promise((resolve) => {
            setTimeout(resolve, 60)
          })
        }
        if (index === 3) controller.abort()
      },
      onError: (_, index) => errors.push(index),
      onOverrun: (index) => overruns.push(index),
    })
    expect(errors).toEqual([1])
    expect(overruns).toEqual([2])
    expect(result.rounds).toBe(2)
  })

  it('a round cut short by the signal does not count and ends the loop without an error', async () => {
    const controller = new AbortController()
    const result = await runEvery({
      intervalMs: 1000,
      signal: controller.signal,
      async round(_, signal) {
        setTimeout(() => controller.abort(), 20)
        await new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => reject(new Error('interrupted')))
        })
      },
      onError: rethrow,
    })
    expect(result.rounds).toBe(0)
  })
})

describe('mc check run --every', () => {
  let home: string
  let server: Server
  let port: number

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mc-every-'))
    server = createServer((socket) => socket.end())
    await new Promise<void>((resolve) => {
      server.listen(0, '127.0.0.1', resolve)
    })
    port = (server.address() as {port: number}).port
  })

  afterAll(async () => {
    await new Promise((resolve) => {
      server?.close(resolve)
    })
    rmSync(home, {recursive: true, force: true})
  })

  /** Run the loop as a user would, wait for `rounds` rounds on stdout, then send `signal`. */
  async function loopUntil(signal: NodeJS.Signals, rounds: number): Promise<{code: null | number; stdout: string; stderr: string; mcHome: string}> {
    const mcHome = mkdtempSync(join(home, 'mc-'))
    const child: ChildProcess = spawn(process.execPath, [BIN, 'check', 'run', '--every', '1s', '--from', 'local', '-t', '127.0.0.1', '--check', `tcp:${port}`], {
      env: {...process.env, MC_HOME: mcHome},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const exited = new Promise<null | number>((resolve) => {
      child.once('exit', (code) => resolve(code))
    })
    try {
      const deadline = Date.now() + 20_000
      // The matrix's footer closes a round.
      while ((stdout.match(/1 vantage x 1 target/g) ?? []).length < rounds) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${rounds} rounds: ${stdout}\n${stderr}`)
        await new Promise((resolve) => {
          setTimeout(resolve, 50)
        })
      }
      child.kill(signal)
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((resolve) => {
          setTimeout(() => resolve('hung'), 10_000)
        }),
      ])
      if (code === 'hung') throw new Error('mc did not exit after the signal')
      return {code, stdout, stderr, mcHome}
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  }

  it('keeps writing the history round after round and exits 0 on SIGTERM', async () => {
    const {code, stdout, stderr, mcHome} = await loopUntil('SIGTERM', 2)
    expect(code, stderr).toBe(0)
    expect(stdout).toMatch(/== round 1 at .*\n[\s\S]*== round 2 at /)
    expect(stderr).toMatch(/Stopped after \d+ rounds?\./)
    const history = CheckHistory.open(join(mcHome, 'data', DB_FILE))
    try {
      const runs = history.runs()
      expect(runs.length).toBeGreaterThanOrEqual(2)
      // Every run is closed, the one the signal cut short included.
      expect(runs.every((r) => r.finishedAt !== undefined)).toBe(true)
      const finished = runs.filter((r) => r.resultCount === 1)
      expect(finished.length).toBeGreaterThanOrEqual(2)
      expect(finished.every((r) => r.worstState === 'OK' && r.meta.every === '1s')).toBe(true)
    } finally {
      history.close()
    }
  })

  it('exits 0 on SIGINT too', async () => {
    const {code, stderr} = await loopUntil('SIGINT', 1)
    expect(code, stderr).toBe(0)
    expect(stderr).toMatch(/Stopped after \d+ rounds?\./)
  })

  it('refuses an interval under a second, and Nagios output (a plugin answers once)', async () => {
    const fast = await mc(['check', 'run', '--every', '500ms', '-t', '127.0.0.1', '--from', 'local'])
    expect(fast.exitCode).toBe(2)
    expect(fast.stderr).toContain('--every must be at least 1s')
    const nagios = await mc(['check', 'run', '--every', '1m', '-t', '127.0.0.1', '--from', 'local', '--output', 'nagios'])
    expect(nagios.exitCode).toBe(2)
    expect(nagios.stderr).toContain('mc nagios config')
    const json = await mc(['check', 'run', '--every', '1m', '-t', '127.0.0.1', '--from', 'local', '--json'])
    expect(json.exitCode).toBe(2)
  })
})
