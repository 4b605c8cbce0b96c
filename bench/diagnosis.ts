import {adoptAs, adoptProbes, diagnoseWithMc} from '../test/lab/collect-mc.js'
import {clearFaults, type Fault, injectFault, type Lab, LAB_NAME, setupLab, TARGET6, teardownLab, VANTAGES, waitUntilReachable} from '../test/lab/topology.js'
import type {Bench} from './lib/context.js'
import {median} from './lib/measure.js'
import {type Section, seconds, table} from './lib/report.js'

/** Issue 14: a verdict within 10 s, three probes and one more vantage point, in every lab scenario. */
const TARGET_MS = 10_000

/** The fixed count every diagnosis sent before the stopping rule, timed beside it. */
const FIXED_ROUNDS = 50

/**
 * The lab's scenarios (test/lab/scenarios.test.ts) and the verdict each must get; `target` when it is
 * not the lab's target address, `from` when a probe logs in as another user (adopted once, by name).
 */
const SCENARIOS: Array<{name: string; faults: Fault[]; kind: string; target?: (lab: Lab) => string; from?: readonly string[]}> = [
  {name: 'healthy', faults: [], kind: 'healthy'},
  {name: 'target down', faults: ['target-down'], kind: 'target-down'},
  {name: 'target inbound loss', faults: ['target-inbound-loss'], kind: 'target-side'},
  {name: 'data center uplink loss', faults: ['dc-uplink-loss'], kind: 'vantage-side'},
  {name: 'transit loss', faults: ['transit-loss'], kind: 'shared-path'},
  {name: 'target drops ICMP (TCP 443)', faults: ['target-no-icmp'], kind: 'healthy'},
  {name: 'target drops ICMP, transit loss', faults: ['target-no-icmp', 'transit-loss'], kind: 'shared-path'},
  {name: 'transit loss, lossy SSH to pa', faults: ['transit-loss', 'pa-control-loss'], kind: 'shared-path'},
  {name: 'rate-limited transit hop', faults: ['transit-icmp-limit'], kind: 'healthy'},
  {name: 'two faults', faults: ['dc-uplink-loss', 'target-inbound-loss'], kind: 'multiple-faults'},
  {name: 'data center uplink latency', faults: ['dc-uplink-delay'], kind: 'vantage-side'},
  {name: 'ECMP transit (TCP 443)', faults: ['target-no-icmp', 'ecmp-transit'], kind: 'healthy'},
  {name: 'target answers ICMP and serves 443, transit loss', faults: ['target-serves-port', 'transit-loss'], kind: 'shared-path'},
  {name: 'name with two addresses, one lossy', faults: ['geo-names', 'second-address-loss'], kind: 'shared-path', target: () => LAB_NAME},
  {name: 'name missing on pc, transit loss', faults: ['name-missing-on-pc', 'transit-loss'], kind: 'shared-path', target: () => LAB_NAME},
  {name: 'IPv6 target, transit loss', faults: ['transit-loss'], kind: 'shared-path', target: () => TARGET6},
  {name: 'transit loss, pb as a non-root user (no sudo)', faults: ['transit-loss'], kind: 'shared-path', from: ['dc', 'pa', 'pbu', 'pc']},
  {name: 'transit loss, pb through passwordless sudo', faults: ['transit-loss'], kind: 'shared-path', from: ['dc', 'pa', 'pbs', 'pc']},
]

/**
 * Time to verdict: the whole `mc check diagnose` process (start-up, SSH, ping and traces,
 * triangulation) in the network lab, per scenario, median of `runs`. Needs root (namespaces).
 */
export async function diagnosisSection(bench: Bench, runs: number): Promise<Section> {
  if (process.getuid?.() !== 0) {
    return {markdown: 'Skipped: the network lab needs root (network namespaces, nftables, sshd).', targets: []}
  }
  const lab = await setupLab()
  try {
    await adoptProbes(lab)
    // pb's sshd again, logged into as a user without sudo (pbu) and as one with passwordless sudo (pbs).
    await adoptAs(lab, 'pbu', lab.users.user)
    await adoptAs(lab, 'pbs', lab.users.sudoer)
    const rows: string[][] = []
    let worst = 0
    let wrong = 0
    for (const scenario of SCENARIOS) {
      // Interleaved: the default (stop once settled, at most 10 s) and the fixed 50 rounds every
      // diagnosis sent before the stopping rule, so both meet the same machine load.
      const times = {settled: [] as number[], fixed: [] as number[]}
      const kinds: string[] = []
      const stops: string[] = []
      for (let run = 0; run < runs; run++) {
        for (const mode of ['settled', 'fixed'] as const) {
          for (const fault of scenario.faults) await injectFault(lab, fault)
          const started = performance.now()
          const args = mode === 'fixed' ? ['--count', String(FIXED_ROUNDS)] : []
          const {verdict} = await diagnoseWithMc(lab, args, undefined, scenario.from, scenario.target?.(lab))
          times[mode].push(performance.now() - started)
          if (mode === 'settled') {
            kinds.push(verdict.kind)
            stops.push(`${verdict.sampling?.stop ?? '?'} ${verdict.sampling?.minRounds ?? '?'}-${verdict.sampling?.maxRounds ?? '?'} rounds`)
          }
          await clearFaults(lab)
          await waitUntilReachable(lab)
        }
      }
      const misread = kinds.filter((k) => k !== scenario.kind).length
      wrong += misread
      worst = Math.max(worst, median(times.settled))
      bench.log(
        `diagnosis: ${scenario.name}: ${times.settled.map((t) => seconds(t)).join(', ')} (${kinds.join(', ')}; ${stops.join(', ')}); fixed ${times.fixed.map((t) => seconds(t)).join(', ')}`,
      )
      rows.push([
        scenario.name,
        scenario.kind,
        seconds(median(times.settled)),
        `${seconds(Math.min(...times.settled))}–${seconds(Math.max(...times.settled))}`,
        stops.join('; '),
        seconds(median(times.fixed)),
        `${runs - misread}/${runs}`,
      ])
    }
    const markdown = [
      `\`mc check diagnose\` from ${VANTAGES.length} vantage points (three probes over SSH and the data center) in the network lab (test/lab: namespaces, nftables drops, sshd, mtr as root unless a scenario says otherwise), the whole process timed; median of ${runs} runs per scenario. The default stops once the verdict is settled (sequential test, at most --max-time 10s); beside it, interleaved, the same diagnosis with a fixed --count ${FIXED_ROUNDS} (what every diagnosis sent before the stopping rule).`,
      '',
      table(
        ['scenario', 'expected verdict', 'time to verdict (median)', 'range', 'how it stopped (rounds per vantage point)', `--count ${FIXED_ROUNDS} (median)`, 'right verdicts'],
        rows,
      ),
    ].join('\n')
    return {
      markdown,
      targets: [
        {target: 'Diagnosis: a verdict within 10 s in every lab scenario (median)', measured: `${seconds(worst)} in the slowest scenario`, met: worst <= TARGET_MS},
        {target: 'Diagnosis: the right verdict in every lab run', measured: `${SCENARIOS.length * runs - wrong} of ${SCENARIOS.length * runs}`, met: wrong === 0},
      ],
    }
  } finally {
    teardownLab(process.pid)
  }
}
