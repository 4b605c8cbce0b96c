import {spawn} from 'node:child_process'
import {mkdirSync, readdirSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {Inventory} from '../../src/store/inventory.js'
import {inventoryRows, mcEnv} from '../probes/helpers.js'

/**
 * A person at a terminal answers "n": mc does nothing and exits 2, as the README's exit codes say.
 * util-linux `script` gives mc a real pseudo-terminal; the answer is typed once the prompt shows.
 */
const bin = new URL('../../bin/run.js', import.meta.url).pathname
const home = process.env.MC_HOME!
const pids = new Set<number>()

afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // Already gone.
    }
  }
})

type Answered = {code: null | number; output: string}

function answerOnTerminal(args: string[], answer: string): Promise<Answered> {
  const env = mcEnv(home, 'default')
  delete env.CI
  env.TERM = 'xterm'
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replaceAll("'", String.raw`'\''`)}'`).join(' ')
  const child = spawn('script', ['-qfec', command, '/dev/null'], {env, stdio: ['pipe', 'pipe', 'pipe']})
  pids.add(child.pid!)
  let output = ''
  let answered = false
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  child.stdout.on('data', (data: Buffer) => {
    output += data
    if (!answered && output.includes('(y/N)')) {
      answered = true
      child.stdin.write(answer)
    }
  })
  child.stderr.on('data', (data: Buffer) => {
    output += data
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      pids.delete(child.pid!)
      resolve({code, output})
    })
  })
}

describe('a refused confirmation', () => {
  it('mc sandbox reset answered "n" exits 2 and resets nothing', async () => {
    const dataDir = join(home, 'sandbox-kept')
    mkdirSync(dataDir, {recursive: true})
    const run = await answerOnTerminal(['sandbox', 'reset', '--data-dir', dataDir], 'n\r')
    expect(run.code, run.output).toBe(2)
    expect(run.output).toContain('Not confirmed: nothing reset.')
    expect(readdirSync(dataDir)).toEqual([])
  })

  it('mc probe destroy answered "n" exits 2 and keeps the probe', async () => {
    const inventory = Inventory.open(join(home, 'data'))
    try {
      inventory.insert({name: 'kept-1', kind: 'adopted', state: 'ready', host: '127.0.0.1', port: 22, user: 'root', labels: {}})
    } finally {
      inventory.close()
    }
    const run = await answerOnTerminal(['probe', 'destroy', 'kept-1'], 'n\r')
    expect(run.code, run.output).toBe(2)
    expect(run.output).toContain('Not confirmed: nothing destroyed.')
    expect(inventoryRows(home).map((r) => r.name)).toEqual(['kept-1'])

    // "y" on the same terminal goes ahead and exits 0.
    const yes = await answerOnTerminal(['probe', 'destroy', 'kept-1'], 'y\r')
    expect(yes.code, yes.output).toBe(0)
    expect(inventoryRows(home)).toEqual([])
  })
})
