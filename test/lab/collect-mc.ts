import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import {evidenceFromResults} from '../../src/analysis/evidence.js'
import type {VantageEvidence, Verdict} from '../../src/analysis/types.js'
import type {CheckResult} from '../../src/checks/types.js'
import {run} from './exec.js'
import {type Lab, VANTAGES} from './topology.js'

/**
 * How the lab's misread rate follows from the stopping rule (src/analysis/sequential.ts). A faulty
 * link drops 30 % of packets; a healthy one nothing. mc sends rounds until every vantage point's
 * finding is settled by a sequential test (2 % against 20 % loss, alpha = beta = 0.005), at least 10
 * rounds, and two readings 0.2 s apart agree. A hop losing nothing can only be called clean (it takes a
 * lost probe to call a hop lossy); a hop losing 30 % is called clean with probability about 1e-4
 * (test/analysis/sequential.test.ts simulates it), and a verdict reads up to three lossy vantage
 * points: about one misread in 3,000 runs per scenario (50 fixed rounds gave about one in 2,000; the
 * test reaches it in 10-15 rounds where the fault is, ~30 where it is not). The time limit (10 s) is the other
 * way to misread: a verdict given before the evidence settled says so in its explanation. A probe
 * logged into as a non-root user runs the same test on the same number of probes (six mtr processes
 * side by side, analysis/round-sizing.ts), so its scenarios keep the same misread rate; only their
 * time to verdict grows (about 1 s here).
 */
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

/** Adopt one more probe: pb's sshd, logged into as `user` (a non-root login, as cloud images have). Returns what `probe add` printed. */
export async function adoptAs(lab: Lab, name: string, user: string): Promise<string> {
  return mc(lab, ['probe', 'add', name, '--host', lab.mgmt.pb, '--user', user, '--key', lab.clientKey, '--label', 'provider=lab', '--yes'])
}

/**
 * What an operator would run: `mc check diagnose` (stopping once its verdict is settled) from every probe, over SSH from the control
 * namespace. Returns mc's verdict and the evidence it was built from (for the failure message).
 */
export async function diagnoseWithMc(
  lab: Lab,
  extra: string[] = [],
  timeoutMs = 110_000,
  from: readonly string[] = VANTAGES,
  target = lab.target,
): Promise<{evidence: VantageEvidence[]; verdict: Verdict}> {
  const out = await mc(lab, ['check', 'diagnose', '--target', target, '--from', from.join(','), '--json', ...extra], timeoutMs)
  const result = JSON.parse(out) as {results: CheckResult[]; verdicts: Verdict[]}
  return {verdict: result.verdicts[0], evidence: evidenceFromResults(target, result.results)}
}
