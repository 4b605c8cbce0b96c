import {execFile} from 'node:child_process'
import {promisify} from 'node:util'

import {describe, expect, it} from 'vitest'

import {buildCheckCommand, renderScript} from '../../src/checks/commands.js'
import {MtrRawStream, parseMtrRaw} from '../../src/checks/mtr.js'
import {parseCheckOutput} from '../../src/checks/parse.js'
import {runChecks} from '../../src/checks/run.js'
import type {CheckResult} from '../../src/checks/types.js'
import {validateCheck} from '../../src/checks/validate.js'
import {LocalExecutor} from '../../src/ssh/local.js'
import {portDecision} from '../../src/services/diagnose-sequential.js'

const run = promisify(execFile)

const RAW = ['mc-impl:mtr', 'x 0 1', 'h 0 10.0.0.1', 'p 0 500 1', 'x 1 2', 'h 1 10.0.0.9', 'p 1 900 2', 'x 0 3', 'x 1 4', 'p 0 450 3', '']

describe('mtr --raw read while mtr runs', () => {
  it('counts a probe only once its line is a second old, answered or not, so a burst never hides its losses', () => {
    const stream = new MtrRawStream(1000)
    stream.push(RAW.slice(0, 7).join('\n') + '\n', 0)
    // A burst (a slow SSH channel): probe 3 answered, probe 4 (to the target) not.
    stream.push(RAW.slice(7).join('\n'), 500)
    expect(stream.pending(1200)).toEqual(new Set([3, 4]))
    const early = parseMtrRaw(stream.settledText(1200), '10.0.0.9')
    expect(early.hops.map((h) => [h.host, h.sent, h.lossPct])).toEqual([
      ['10.0.0.1', 1, 0],
      ['10.0.0.9', 1, 0],
    ])
    // A second later both count: probe 4 as lost.
    const late = parseMtrRaw(stream.settledText(1600), '10.0.0.9')
    expect(late.hops.map((h) => [h.host, h.sent, h.lossPct])).toEqual([
      ['10.0.0.1', 2, 0],
      ['10.0.0.9', 2, 50],
    ])
  })

  it('starts over when the command ran again (a reconnect), as the executor keeps only the last run', () => {
    const stream = new MtrRawStream(1000)
    stream.push(RAW.join('\n') + '\n', 0)
    stream.push('mc-impl:mtr\nx 0 1\nh 0 10.0.0.1\np 0 300 1\n', 100)
    expect(parseMtrRaw(stream.settledText(5000), '10.0.0.1').hops.map((h) => [h.host, h.sent])).toEqual([['10.0.0.1', 1]])
  })

  it('stops a real mtr on purpose: the result says stopped, carries the rounds so far, and it ends long before its 100 rounds', async () => {
    const executor = new LocalExecutor()
    const stop = new AbortController()
    const stream = new MtrRawStream()
    const definition = {kind: 'path' as const, target: '127.0.0.1', count: 100, stream: true}
    const started = performance.now()
    const [result] = await runChecks([executor], [definition], {
      stop: stop.signal,
      onOutput(_vantage, check, chunk) {
        expect(check).toBe('path')
        stream.push(chunk, Date.now())
        // Ten settled rounds are enough here: 100 would take 10 s (0.1 s apart as root, 1 s otherwise).
        if (!stream.settledText(Date.now()).includes('\nx ')) return
        if ((parseMtrRaw(stream.settledText(Date.now()), '127.0.0.1').hops[0]?.sent ?? 0) >= 10) stop.abort()
      },
    })
    const tookMs = performance.now() - started
    expect(result.stopped).toBe(true)
    expect(result.state).toBe('OK')
    expect(result.hops?.[0].sent).toBeGreaterThanOrEqual(10)
    expect(result.hops?.[0].sent).toBeLessThan(100)
    expect(tookMs).toBeLessThan(30_000)
    // The settled rounds read as a result the same way a finished trace does.
    const {check} = buildCheckCommand(definition)
    const settled = parseCheckOutput(check, {stdout: stream.settledText(Date.now()), stderr: '', exitCode: 0, timedOut: false, durationMs: tookMs}, 'local')
    expect(settled.hops?.[0].host).toBe('127.0.0.1')
  }, 60_000)
})

describe.skipIf(process.getuid?.() !== 0)('mtr as a non-root user (root runs it as nobody)', () => {
  it("runs the lanes side by side through mtr-packet's cap_net_raw, and their rounds add up to one trace", async () => {
    const check = validateCheck({kind: 'path', target: '127.0.0.1', count: 6, stream: true, lanes: 3})
    const started = performance.now()
    const {stdout, stderr} = await run('runuser', ['-u', 'nobody', '--', '/bin/sh', '-c', renderScript(check)], {cwd: '/', timeout: 30_000})
    const result = parseCheckOutput(check, {stdout, stderr, exitCode: 0, timedOut: false, durationMs: performance.now() - started}, 'local')
    expect(result.privilege, result.raw).toEqual({runAs: 'user', lanes: 3})
    expect(result.state, result.raw).toBe('OK')
    // Three processes of two rounds each: six probes to the one hop, none lost.
    expect(result.hops?.map((h) => [h.host, h.sent, h.lossPct])).toEqual([['127.0.0.1', 6, 0]])
  }, 60_000)
})

const probe = (vantage: string, port: number, ok: boolean): CheckResult => ({
  vantage,
  target: 't',
  check: `tcp:${port}`,
  kind: 'tcp',
  state: ok ? 'OK' : 'CRITICAL',
  summary: '',
  metrics: [],
  implementation: 'check_tcp',
  durationMs: 1,
  raw: '',
  at: '',
})

describe('which port a TCP trace goes over, as soon as it is known', () => {
  it('takes the first candidate that answered anywhere once every better one failed everywhere', () => {
    expect(portDecision([443, 80], [probe('a', 80, true)], 2)).toEqual({decided: false})
    expect(portDecision([443, 80], [probe('a', 80, true), probe('a', 443, false), probe('b', 443, false)], 2)).toEqual({decided: true, port: 80})
    expect(portDecision([443, 80], [probe('b', 443, true)], 2)).toEqual({decided: true, port: 443})
    expect(portDecision([443, 80], [probe('a', 443, false), probe('b', 443, false), probe('a', 80, false), probe('b', 80, false)], 2)).toEqual({decided: true})
  })
})
