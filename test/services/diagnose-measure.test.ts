import {describe, expect, it, vi} from 'vitest'

import {buildCheckCommand} from '../../src/checks/commands.js'
import type {CheckDefinition, CheckResult, Hop} from '../../src/checks/types.js'
import {silentLog} from '../../src/core/log.js'
import type {CheckSession, SessionRunOptions} from '../../src/services/check-run.js'
import {measureFixedCount, measurePlans, type Plan} from '../../src/services/diagnose.js'
import {measureSequential, type SequentialPlan} from '../../src/services/diagnose-sequential.js'

/**
 * How a diagnosis under --protocol auto orders its traces, with the SSH session replaced by a script:
 * two mtr runs at once from one vantage point disturb each other's replies, so a target that answers
 * ICMP must never get a TCP trace beside its ICMP one.
 */
const TARGET = '10.8.1.10'
const VANTAGES = ['dc', 'pa']
const nameOf = (d: CheckDefinition) => buildCheckCommand(d).check.name
const isTcpTrace = (d: CheckDefinition) => d.kind === 'path' && d.protocol === 'tcp'

/** mtr --raw: the first router answers; the target answers too, or never. */
const raw = (answers: boolean) => ['mc-impl:mtr', 'x 0 1', 'h 0 10.1.0.1', 'p 0 500 1', 'x 1 2', ...(answers ? [`h 1 ${TARGET}`, 'p 1 900 2'] : []), ''].join('\n')
const TARGET_REPLY = `x 1 3\nh 1 ${TARGET}\np 1 800 3\n`

function result(vantage: string, d: CheckDefinition, extra: Partial<CheckResult> = {}): CheckResult {
  const base = {vantage, target: d.target, check: nameOf(d), kind: d.kind, state: 'OK' as const, summary: '', metrics: [], durationMs: 1, raw: '', at: new Date().toISOString()}
  return {...base, implementation: d.kind === 'path' ? 'mtr' : 'check_tcp', ...extra}
}

const aborted = (signal: AbortSignal | undefined) =>
  new Promise<void>((resolve) => {
    if (!signal || signal.aborted) resolve()
    else signal.addEventListener('abort', () => resolve(), {once: true})
  })

type Event = {what: 'start' | 'end'; checks: string[]}
type Script = (vantage: string, d: CheckDefinition, options: SessionRunOptions) => Promise<CheckResult>

/** A session whose checks are `script`; `events` says when each run started and ended, `runs` what it was given. */
function fakeSession(script: Script): {session: CheckSession; events: Event[]; runs: Run[]} {
  const events: Event[] = []
  const runs: Run[] = []
  const session: CheckSession = {
    runId: 1,
    vantages: VANTAGES,
    async run(definitions, options = {}) {
      runs.push({definitions, options})
      const checks = definitions.map((d) => nameOf(d))
      events.push({what: 'start', checks})
      const results = await Promise.all(
        VANTAGES.flatMap((v) =>
          definitions.map(async (d) => {
            const r = await script(v, d, options)
            options.onResult?.(r)
            return r
          }),
        ),
      )
      events.push({what: 'end', checks})
      return results
    },
    record() {},
    async close() {},
  }
  return {session, events, runs}
}

const plan = (graceMs: number): SequentialPlan => ({
  target: TARGET,
  first: [
    {kind: 'ping', target: TARGET, count: 5},
    {kind: 'path', target: TARGET, count: 100, stream: true},
  ],
  portProbes: [{kind: 'tcp', target: TARGET, port: 443, timeoutS: 3}],
  ports: [443],
  tcpTrace: (port) => (port === undefined ? undefined : {kind: 'path', target: TARGET, count: 100, stream: true, protocol: 'tcp', port}),
  auto: true,
  icmpGraceMs: graceMs,
})

/** Port 443 answers everywhere; traces print `icmp` (and `tcp`) and run until stopped; ping never finishes in time. */
const script =
  (icmp: string, onTcpTrace?: (vantage: string) => void): Script =>
  async (vantage, d, options) => {
    if (d.kind === 'tcp') return result(vantage, d)
    if (d.kind === 'path') {
      if (isTcpTrace(d)) onTcpTrace?.(vantage)
      options.onOutput?.(vantage, nameOf(d), isTcpTrace(d) ? raw(true) : icmp)
    }
    await aborted(options.stop)
    return result(vantage, d, {stopped: true})
  }

type Run = {definitions: CheckDefinition[]; options: SessionRunOptions}

/** The options of the run that starts the TCP trace, once it has started (the test's timeout bounds the wait). */
function tcpTraceRun(runs: Run[]): Promise<SessionRunOptions> {
  return new Promise((resolve) => {
    const look = setInterval(() => {
      const found = runs.find((r) => r.definitions.some((d) => isTcpTrace(d)))
      if (!found) return
      clearInterval(look)
      resolve(found.options)
    }, 20)
  })
}

describe('--protocol auto, measured until settled', () => {
  it('a target that answers ICMP and serves a candidate port gets no TCP trace at all', async () => {
    const {session, runs} = fakeSession(script(raw(true)))
    const {results} = await measureSequential(session, plan(60_000), Date.now() + 1500, Date.now(), silentLog)
    expect(runs.flatMap((r) => r.definitions).filter((d) => isTcpTrace(d))).toEqual([])
    expect(results.filter((r) => r.kind === 'path').map((r) => r.check)).toEqual(['path', 'path'])
  })

  it('a target silent over ICMP is traced over TCP once the grace has passed', async () => {
    const {session, runs} = fakeSession(script(raw(false)))
    const {results} = await measureSequential(session, plan(300), Date.now() + 1500, Date.now(), silentLog)
    expect(runs.flatMap((r) => r.definitions).filter((d) => isTcpTrace(d))).toHaveLength(1)
    expect(results.filter((r) => r.check === 'path:tcp:443').map((r) => r.vantage)).toEqual(VANTAGES)
  })

  it('a TCP trace is stopped as soon as ICMP hears the target after all, and left out of the results', async () => {
    const {session, runs} = fakeSession(
      script(raw(false), (vantage) => {
        // The target's first echo reply comes in just after the grace.
        runs[0].options.onOutput!(vantage, 'path', TARGET_REPLY)
      }),
    )
    const measuring = measureSequential(session, plan(300), Date.now() + 1500, Date.now(), silentLog)
    const icmpRun = runs[0].options
    const tcpRun = await tcpTraceRun(runs)
    await aborted(tcpRun.stop)
    expect(icmpRun.stop?.aborted, 'the ICMP trace still runs when the TCP trace is stopped').toBe(false)
    const {results} = await measuring
    expect(results.filter((r) => r.kind === 'path').map((r) => r.check)).toEqual(['path', 'path'])
  })

  it('a vantage point whose trace printed nothing by the time limit is named with the reason, not dropped', async () => {
    const icmp = script(raw(true))
    const {session} = fakeSession(async (vantage, d, options) =>
      vantage === 'pa' && d.kind === 'path' ? icmp(vantage, d, {...options, onOutput: undefined}) : icmp(vantage, d, options),
    )
    const {results} = await measureSequential(session, plan(60_000), Date.now() + 1000, Date.now(), silentLog)
    const pa = results.find((r) => r.vantage === 'pa' && r.check === 'path')
    expect(pa?.error?.message).toMatch(/^only 0 trace rounds from pa within the \d+ s time limit/)
  })
})

describe('--protocol auto with a fixed --count', () => {
  const plans: Plan[] = [
    {
      target: TARGET,
      first: [
        {kind: 'ping', target: TARGET, count: 5},
        {kind: 'path', target: TARGET, count: 10},
      ],
      portProbes: [{kind: 'tcp', target: TARGET, port: 443, timeoutS: 3}],
      ports: [443],
      needsPort: true,
    },
  ]
  const hops = (answers: boolean): Hop[] => [
    {hop: 1, host: '10.1.0.1', lossPct: 0, sent: 10, lastMs: 1, avgMs: 1, bestMs: 1, worstMs: 1, stdevMs: 0},
    {hop: 2, host: answers ? TARGET : '???', lossPct: answers ? 0 : 100, sent: 10, lastMs: 1, avgMs: 1, bestMs: 1, worstMs: 1, stdevMs: 0},
  ]
  const script =
    (answers: boolean): Script =>
    async (vantage, d) => {
      await new Promise<void>((resolve) => {
        setImmediate(resolve)
      })
      if (d.kind === 'ping') return result(vantage, d, {implementation: 'check_ping', metrics: [{name: 'pl', value: answers ? 0 : 100, unit: '%'}]})
      if (d.kind === 'path') return result(vantage, d, {hops: hops(isTcpTrace(d) || answers)})
      return result(vantage, d)
    }

  it('a target that answers ICMP gets the ICMP trace only', async () => {
    const {session, runs} = fakeSession(script(true))
    const results = await measureFixedCount(session, plans, {protocol: 'auto', count: 10})
    expect(runs.flatMap((r) => r.definitions).filter((d) => isTcpTrace(d))).toEqual([])
    expect(results.filter((r) => r.kind === 'path').map((r) => r.check)).toEqual(['path', 'path'])
  })

  it('a target silent over ICMP is traced over TCP after the ICMP trace has ended, never beside it', async () => {
    const {session, events} = fakeSession(script(false))
    const results = await measureFixedCount(session, plans, {protocol: 'auto', count: 10})
    const icmpEnded = events.findIndex((e) => e.what === 'end' && e.checks.includes('path'))
    const tcpStarted = events.findIndex((e) => e.what === 'start' && e.checks.includes('path:tcp:443'))
    expect(tcpStarted).toBeGreaterThan(icmpEnded)
    expect(icmpEnded).toBeGreaterThanOrEqual(0)
    expect(results.filter((r) => r.check === 'path:tcp:443').map((r) => r.vantage)).toEqual(VANTAGES)
  })
})

describe('the time limit (--max-time), on a fake clock', () => {
  it('measuring stops a stop margin before the limit, and the verdict names the limit asked for', async () => {
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date']})
    try {
      const started = Date.now()
      let stoppedAt: number | undefined
      // dc's trace reaches the target, pa's prints nothing: never settled, so only the limit ends it.
      const {session} = fakeSession(async (vantage, d, options) => {
        if (d.kind === 'path' && vantage === 'dc') options.onOutput?.(vantage, nameOf(d), raw(true))
        await aborted(options.stop)
        stoppedAt ??= Date.now()
        return result(vantage, d, {stopped: true})
      })
      const icmpOnly: Plan = {
        target: TARGET,
        first: [
          {kind: 'ping', target: TARGET, count: 5},
          {kind: 'path', target: TARGET, count: 100, stream: true},
        ],
        portProbes: [],
        ports: [],
        needsPort: false,
      }
      const measuring = measurePlans(session, [icmpOnly], {protocol: 'icmp', maxTimeMs: 4000, log: silentLog}, started)
      // A 4 s limit keeps a quarter (1 s) for stopping and judging: still measuring at 2.9 s, stopped by 3.2 s.
      await vi.advanceTimersByTimeAsync(2900)
      expect(stoppedAt).toBeUndefined()
      await vi.advanceTimersByTimeAsync(300)
      expect(stoppedAt! - started).toBeGreaterThanOrEqual(3000)
      expect(stoppedAt! - started).toBeLessThanOrEqual(3200)
      const {sampling} = await measuring
      expect(sampling.get(TARGET)).toMatchObject({stop: 'time-limit', limitMs: 4000})
    } finally {
      vi.useRealTimers()
    }
  })
})
