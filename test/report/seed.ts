import type {CheckResult, CheckState, Hop, Metric} from '../../src/checks/types.js'
import {CheckHistory} from '../../src/store/history.js'
import {Inventory} from '../../src/store/inventory.js'
import {DB_FILE} from '../../src/store/schema.js'

/**
 * A night in the history, as the design's story goes: calls from the data center into EC2 start
 * losing packets. The data center ("local") and the Rackspace probe cross one transit router
 * (198.51.100.1) that starts dropping 30 % forty-five minutes before `now`; the Linode probe takes
 * another route and stays healthy, so the verdict is a shared path at that router. A second target,
 * db.example.net, is healthy and checked by ping from two vantage points and tcp:5432 from three,
 * without a path check (so it has no diagnosis).
 */

export const API = '203.0.113.10'
export const DB = 'db.example.net'
export const FAULT_ROUTER = '198.51.100.1'
export const VANTAGES = ['local', 'edge-linode-us-west', 'edge-rackspace-ord']
export const ROUNDS = 25
export const STEP_MS = 5 * 60_000
/** The fault starts this many rounds before the newest. */
const FAULT_ROUNDS = 9

const ROUTES: Record<string, string[]> = {
  local: ['10.0.0.1', FAULT_ROUTER, '203.0.113.1', API],
  'edge-rackspace-ord': ['10.20.0.1', FAULT_ROUTER, '203.0.113.1', API],
  'edge-linode-us-west': ['10.30.0.1', '192.0.2.254', '203.0.113.1', API],
}
const BASE_RTT: Record<string, number> = {local: 24, 'edge-rackspace-ord': 31, 'edge-linode-us-west': 58}

/** Deterministic noise, so every run draws the same page. */
function noise(seed: number): () => number {
  let x = seed
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648
    return x / 2_147_483_648
  }
}

function pingState(rtt: number, loss: number): CheckState {
  if (loss >= 60 || rtt >= 500) return 'CRITICAL'
  if (loss >= 20 || rtt >= 200) return 'WARNING'
  return 'OK'
}

function ping(vantage: string, target: string, at: string, {loss, rtt}: {loss: number; rtt: number}): CheckResult {
  const state = pingState(rtt, loss)
  const metrics: Metric[] = [
    {name: 'rta', value: Number(rtt.toFixed(3)), unit: 'ms', warn: '200.000000', crit: '500.000000', min: 0},
    {name: 'pl', value: loss, unit: '%', warn: '20', crit: '60', min: 0},
  ]
  return {
    vantage,
    target,
    check: 'ping',
    kind: 'ping',
    state,
    metrics,
    implementation: 'check_ping',
    durationMs: 2100,
    at,
    summary: `PING ${state} - Packet loss = ${loss}%, RTA = ${rtt.toFixed(2)} ms`,
    raw: '',
  }
}

function path(vantage: string, at: string, lossFrom: number | undefined, random: () => number): CheckResult {
  const hops: Hop[] = ROUTES[vantage].map((host, i) => {
    const index = i + 1
    const loss = lossFrom !== undefined && index >= lossFrom ? 26 + Math.round(random() * 8) : 0
    const avg = (BASE_RTT[vantage] * index) / 4 + random()
    return {hop: index, host, lossPct: loss, sent: 50, lastMs: avg, avgMs: avg, bestMs: avg * 0.9, worstMs: avg * 1.4, stdevMs: 0.8}
  })
  const final = hops.at(-1)!
  const state: CheckState = final.lossPct >= 20 ? 'WARNING' : 'OK'
  return {
    vantage,
    target: API,
    check: 'path',
    kind: 'path',
    state,
    hops,
    implementation: 'mtr',
    durationMs: 5300,
    at,
    raw: '',
    summary: `PATH ${state} - ${hops.length} hops, ${final.lossPct}% loss at the target`,
    metrics: [
      {name: 'pl', value: final.lossPct, unit: '%', min: 0},
      {name: 'rta', value: Number(final.avgMs.toFixed(3)), unit: 'ms', min: 0},
    ],
  }
}

function tcp(vantage: string, at: string, seconds: number): CheckResult {
  return {
    vantage,
    target: DB,
    check: 'tcp:5432',
    kind: 'tcp',
    state: 'OK',
    implementation: 'check_tcp',
    durationMs: 40,
    at,
    raw: '',
    summary: `TCP OK - ${seconds.toFixed(3)} second response time on ${DB} port 5432`,
    metrics: [{name: 'time', value: seconds, unit: 's', min: 0, max: 10}],
  }
}

/** ROUNDS rounds, one every STEP_MS, the newest at `now`. Returns the round times. */
export function seedHistory(dataDir: string, now: number): string[] {
  const history = CheckHistory.open(`${dataDir}/${DB_FILE}`)
  const random = noise(42)
  const times: string[] = []
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const at = new Date(now - (ROUNDS - 1 - round) * STEP_MS).toISOString()
      times.push(at)
      const faulty = round >= ROUNDS - FAULT_ROUNDS
      const results: CheckResult[] = []
      for (const vantage of VANTAGES) {
        const crossesFault = ROUTES[vantage].includes(FAULT_ROUTER)
        const loss = faulty && crossesFault ? 24 + Math.round(random() * 12) : 0
        results.push(
          ping(vantage, API, at, {rtt: BASE_RTT[vantage] + random() * 6 + (faulty && crossesFault ? 18 : 0), loss}),
          path(vantage, at, faulty && crossesFault ? 2 : undefined, random),
        )
        if (vantage !== 'edge-rackspace-ord') results.push(ping(vantage, DB, at, {rtt: BASE_RTT[vantage] * 0.6 + random() * 3, loss: 0}))
        results.push(tcp(vantage, at, 0.01 + random() * 0.02))
      }
      const runId = history.startRun({seeded: true}, new Date(Date.parse(at) - 6000))
      history.addResults(runId, results)
      history.finishRun(runId, new Date(at))
    }
  } finally {
    history.close()
  }
  return times
}

export function seedInventory(dataDir: string): void {
  const inventory = Inventory.open(dataDir)
  try {
    inventory.insert({
      name: 'edge-rackspace-ord',
      kind: 'cloud',
      fleet: 'edge',
      provider: 'rackspace',
      region: 'ORD',
      host: '198.18.10.21',
      port: 22,
      user: 'root',
      size: 'general1-1',
      priceHourly: 0.037,
      state: 'ready',
    })
    inventory.insert({
      name: 'edge-linode-us-west',
      kind: 'cloud',
      fleet: 'edge',
      provider: 'linode',
      region: 'us-west',
      host: '198.18.20.34',
      port: 22,
      user: 'root',
      size: 'g6-nanode-1',
      priceHourly: 0.0075,
      state: 'ready',
    })
  } finally {
    inventory.close()
  }
}
