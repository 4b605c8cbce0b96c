import type {PathHop, VantageEvidence} from '../../src/analysis/types.js'
import {parseMtrJson} from '../../src/checks/mtr.js'
import type {Hop} from '../../src/checks/types.js'
import {run} from './exec.js'
import {type Lab, type Vantage, VANTAGES} from './topology.js'

/**
 * Rounds per hop. The lab drops 30 % of packets on a faulty link and the analysis counts 10 % loss
 * (DEFAULT_THRESHOLDS) as degradation, and loss as persistent while every later hop keeps 5 %.
 * With 50 rounds a faulty hop loses Binomial(50, 0.3) probes: 15 ± 3.2. Reading it wrong needs at
 * most 4 lost (under 10 %) at the onset hop, p = 1.7e-4, or at most 2 (under 5 %) at a later hop,
 * p = 4.4e-6; a verdict reads up to three vantage points, so a scenario misreads about once in
 * 2,000 runs. A healthy hop loses nothing in the lab, so it cannot reach 10 % by chance. 50 rounds
 * at 0.1 s take ~5 s; more rounds would cost seconds for every scenario.
 */
export const ROUNDS = 50

/**
 * Evidence from every vantage point: mtr run in each vantage's namespace, all at once, parsed by
 * mc's own mtr parser. The one place evidence is gathered, so the scenarios can switch to running
 * mc itself inside the ctl namespace over SSH.
 */
export function collectEvidence(lab: Lab, vantages: readonly Vantage[] = VANTAGES): Promise<VantageEvidence[]> {
  return Promise.all(
    vantages.map(async (vantage) => {
      const args = ['netns', 'exec', lab.ns[vantage], 'mtr', '-n', '--json', '-c', String(ROUNDS), '-i', '0.1', '-G', '1', '--', lab.target]
      const report = parseMtrJson(await run('ip', args, {timeoutMs: 60_000}))
      return {vantage, path: report.hops.map((hop) => toPathHop(hop))}
    }),
  )
}

function toPathHop(hop: Hop): PathHop {
  if (hop.host === '???') return {index: hop.hop, lossPct: hop.lossPct, sent: hop.sent}
  return {index: hop.hop, address: hop.host, lossPct: hop.lossPct, sent: hop.sent, avgMs: hop.avgMs, bestMs: hop.bestMs}
}
