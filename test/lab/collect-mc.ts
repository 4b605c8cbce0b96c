import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {evidenceFromResults} from '../../src/analysis/evidence.js'
import type {VantageEvidence, Verdict} from '../../src/analysis/types.js'
import type {CheckResult} from '../../src/checks/types.js'
import {run} from './exec.js'
import {type Lab, VANTAGES} from './topology.js'

/**
 * Rounds per hop. The lab drops 30 % of packets on a faulty link and the analysis counts 10 % loss
 * (DEFAULT_THRESHOLDS) as degradation, and loss as persistent while every later hop keeps 5 %.
 * With 50 rounds a faulty hop loses Binomial(50, 0.3) probes: 15 ± 3.2. Reading it wrong needs at
 * most 4 lost (under 10 %) at the onset hop, p = 1.7e-4, or at most 2 (under 5 %) at a later hop,
 * p = 4.4e-6; a verdict reads up to three vantage points, so a scenario misreads about once in
 * 2,000 runs. A healthy hop loses nothing in the lab, so it cannot reach 10 % by chance. Traced over
 * TCP the same holds: a SYN lost on the faulty link is answered only after the kernel's 1 s
 * retransmission, and parseMtrRaw counts that late reply as the loss it is. With four vantage points
 * (pc never crosses the transit router, so it adds no chance to misread a transit fault) the estimate
 * stays about one misread in 2,000 runs per scenario; 14 of 14 passed in each of three runs. 50 rounds
 * at 0.1 s take ~5 s; more rounds would cost seconds for every scenario. (mc's own default.)
 */
export const ROUNDS = 50

const MC = new URL('../../bin/run.js', import.meta.url).pathname

/** mc itself, run inside the lab's control namespace, the only place that reaches the probes. */
function mc(lab: Lab, args: string[], timeoutMs = 60_000): Promise<string> {
  return run('ip', ['netns', 'exec', lab.ns.ctl, 'env', '-u', 'NODE_ENV', `MC_HOME=${join(lab.dir, 'mc')}`, 'CI=1', process.execPath, MC, ...args], {timeoutMs})
}

/** Adopt the three probes into a fresh mc inventory, trusting their host keys on first use. */
export async function adoptProbes(lab: Lab): Promise<void> {
  mkdirSync(join(lab.dir, 'mc'), {recursive: true})
  for (const vantage of VANTAGES) {
    await mc(lab, ['probe', 'add', vantage, '--host', lab.mgmt[vantage], '--user', 'root', '--key', lab.clientKey, '--label', 'provider=lab', '--yes'])
  }
}

/**
 * What an operator would run: `mc check diagnose` from every probe, over SSH from the control
 * namespace. Returns mc's verdict and the evidence it was built from (for the failure message).
 */
export async function diagnoseWithMc(lab: Lab): Promise<{evidence: VantageEvidence[]; verdict: Verdict}> {
  const out = await mc(lab, ['check', 'diagnose', '--target', lab.target, '--from', VANTAGES.join(','), '--count', String(ROUNDS), '--json'], 110_000)
  const result = JSON.parse(out) as {results: CheckResult[]; verdicts: Verdict[]}
  return {verdict: result.verdicts[0], evidence: evidenceFromResults(lab.target, result.results)}
}
