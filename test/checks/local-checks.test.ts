import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runChecks} from '../../src/checks/run.js'
import type {CheckDefinition, CheckResult} from '../../src/checks/types.js'
import {LocalExecutor} from '../../src/ssh/local.js'
import {assertResults, expectations, startTargets, type Targets} from './suite.js'

let targets: Targets
const dir = mkdtempSync(join(tmpdir(), 'mc-local-checks-'))

beforeAll(async () => {
  targets = await startTargets()
})
afterAll(async () => {
  await targets?.close()
  rmSync(dir, {recursive: true, force: true})
})

describe('every check kind from the local vantage', () => {
  for (const tools of ['plugins', 'portable'] as const) {
    it(`with ${tools}`, async () => {
      const expected = expectations(targets)
      const seen: CheckResult[] = []
      const results = await runChecks(
        [new LocalExecutor()],
        expected.map((e) => e.definition),
        {tools, onResult: (r) => seen.push(r)},
      )
      assertResults(results, expected, tools, 'local')
      expect(seen).toHaveLength(results.length)
      expect(new Set(seen)).toEqual(new Set(results))
    })
  }

  it('auto prefers the monitoring-plugins when they are installed', async () => {
    const [result] = await runChecks([new LocalExecutor({vantage: 'here'})], [{kind: 'tcp', target: '127.0.0.1', port: targets.tcp.port}])
    expect(result).toMatchObject({vantage: 'here', implementation: 'check_tcp', state: 'OK'})
  })
})

describe('vantages with fewer tools', () => {
  it('getent answers a dns check when neither check_dns nor dig exists', async () => {
    const bin = join(dir, 'bin-getent')
    mkdirSync(bin)
    for (const tool of ['getent', 'date', 'timeout', 'sh']) symlinkSync(`/usr/bin/${tool === 'sh' ? 'dash' : tool}`, join(bin, tool))
    const executor = new LocalExecutor({env: {PATH: bin}})
    const [result] = await runChecks([executor], [{kind: 'dns', target: 'localhost'}], {tools: 'portable'})
    expect(result).toMatchObject({implementation: 'getent', state: 'OK'})
    expect(result.summary).toMatch(/^DNS OK: \d\.\d{3} seconds response time\. localhost returns /)
    expect(result.metrics[0]).toMatchObject({name: 'time', unit: 's'})
  })

  it('no tools at all: UNKNOWN naming the Debian package for each kind', async () => {
    const empty = join(dir, 'empty')
    mkdirSync(empty)
    const definitions: CheckDefinition[] = [
      {kind: 'ping', target: '127.0.0.1'},
      {kind: 'tcp', target: '127.0.0.1', port: 1},
      {kind: 'https', target: '127.0.0.1'},
      {kind: 'dns', target: 'localhost'},
      {kind: 'path', target: '127.0.0.1'},
    ]
    const results = await runChecks([new LocalExecutor({env: {PATH: empty}})], definitions, {tools: 'portable'})
    expect(results.map((r) => [r.state, r.implementation, r.summary])).toEqual([
      ['UNKNOWN', 'none', 'PING UNKNOWN - no ping tool on local: install iputils-ping'],
      ['UNKNOWN', 'none', 'TCP UNKNOWN - no tcp tool on local: install bash'],
      ['UNKNOWN', 'none', 'HTTP UNKNOWN - no https tool on local: install curl'],
      ['UNKNOWN', 'none', 'DNS UNKNOWN - no dns tool on local: install bind9-dnsutils'],
      ['UNKNOWN', 'none', 'PATH UNKNOWN - no path tool on local: install mtr-tiny'],
    ])
  })
})

describe('LocalExecutor', () => {
  it('stops a command that overruns, with everything it started', async () => {
    const marker = join(dir, 'overran')
    const executor = new LocalExecutor()
    const started = Date.now()
    const result = await executor.exec(`sleep 1 && touch '${marker}' & sleep 5; echo never`, {timeoutMs: 300})
    expect(Date.now() - started).toBeLessThan(2000)
    expect(result).toMatchObject({timedOut: true, exitCode: null, signal: 'SIGKILL', stdout: ''})
    await sleep(1300)
    expect(existsSync(marker)).toBe(false)
  })

  it('reports exit codes and both streams', async () => {
    const result = await new LocalExecutor().exec('echo out; echo err >&2; exit 3', {timeoutMs: 5000})
    expect(result).toMatchObject({stdout: 'out\n', stderr: 'err\n', exitCode: 3, timedOut: false})
  })

  it('bounds its own concurrency', async () => {
    const executor = new LocalExecutor({concurrency: 2})
    const started = Date.now()
    await Promise.all(Array.from({length: 4}, () => executor.exec('sleep 0.3', {timeoutMs: 5000})))
    expect(Date.now() - started).toBeGreaterThanOrEqual(580)
  })

  it('a timed-out check becomes UNKNOWN with error TIMEOUT, not a verdict on the target', async () => {
    // A 1-second executor timeout under a check whose own timeout is longer.
    const executor = {
      vantage: 'slow',
      exec: (command: string) => new LocalExecutor().exec(`sleep 3; ${command}`, {timeoutMs: 1000}),
      async close() {},
    }
    const [result] = await runChecks([executor], [{kind: 'tcp', target: '127.0.0.1', port: targets.tcp.port}])
    expect(result).toMatchObject({state: 'UNKNOWN', error: {code: 'TIMEOUT'}, vantage: 'slow'})
  })
})
