/**
 * `npm run bench`: every benchmark in one invocation, written to BENCHMARKS.md. Whole-process timings
 * (wall time and peak RSS of fresh processes) over repeated, interleaved runs; mc and its peers (the
 * AWS CLI, Apache Libcloud, OpenSSH's check_by_ssh) run against the same local endpoints in the same
 * invocation, so the ratios hold on a noisy machine even when absolute times drift.
 *
 *   npm run bench                                  # builds mc, installs missing peers, runs everything
 *   npx tsx bench/run.ts --only startup,listing    # just some sections (mc must be built)
 *   npx tsx bench/run.ts --quick --out /tmp/b.md   # fewer runs, no 10,000-node listing, a 1-minute exporter run
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {cpus, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import type {SandboxHandle} from '../src/sandbox/index.js'
import {type Bench, benchEnv} from './lib/context.js'
import {describeMachine, loadAverage, otherLoad} from './lib/machine.js'
import {requireGnuTime} from './lib/measure.js'
import {type Section, table, type Target} from './lib/report.js'
import {openSandbox} from './lib/sandbox.js'
import {exporterSection} from './exporter.js'
import {diagnosisSection} from './diagnosis.js'
import {listingSection} from './listing.js'
import {sshSection} from './ssh-fanout.js'
import {startupSection} from './startup.js'

const SECTIONS = ['startup', 'listing', 'ssh', 'diagnosis', 'exporter'] as const
const {values} = parseArgs({
  options: {
    only: {type: 'string', default: SECTIONS.join(',')},
    quick: {type: 'boolean', default: false},
    out: {type: 'string'},
    mc: {type: 'string'},
  },
})
const here = fileURLToPath(new URL('.', import.meta.url))
const repo = resolve(here, '..')
const root = resolve(values.mc ?? repo)
const only = new Set(values.only.split(',').map((s) => s.trim()))
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`Unknown section "${name}": use ${SECTIONS.join(', ')}`)
const {quick} = values
const out = resolve(values.out ?? join(repo, 'BENCHMARKS.md'))

function preflight(): void {
  requireGnuTime()
  const missing = ['/usr/bin/aws', '/usr/bin/python3', '/usr/lib/nagios/plugins/check_by_ssh', '/usr/sbin/sshd', '/usr/bin/prometheus'].filter((p) => !existsSync(p))
  if (missing.length > 0) throw new Error(`Missing ${missing.join(', ')}: run bash bench/ensure-peers.sh (npm run bench does).`)
  const facade = join(root, 'dist', 'drivers', 'ec2', 'sdk.js')
  if (!existsSync(facade)) throw new Error(`No compiled mc in ${root}: run npm run bench (it builds), or the build steps in package.json.`)
  // A plain tsc build leaves the facade importing the whole SDK: that is not what users run.
  if (/from\s*["']@aws-sdk\//.test(readFileSync(facade, 'utf8'))) throw new Error(`${facade} is not bundled: run node scripts/bundle-ec2-sdk.mjs after tsc.`)
}

/**
 * Newest change under dist/: others may rebuild mc while a long benchmark runs (a plain tsc even
 * unbundles the EC2 SDK), and numbers taken across a rebuild must not pass as one build's.
 */
function distStamp(): number {
  let newest = 0
  for (const entry of readdirSync(join(root, 'dist'), {recursive: true, withFileTypes: true})) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs)
  }
  return newest
}

preflight()
const stamp = distStamp()
const work = mkdtempSync(join(tmpdir(), 'mc-bench-'))
const mcHome = join(work, 'mc')
const bench: Bench = {root, node: process.execPath, home: work, mcHome, env: benchEnv(work, mcHome), log: (line) => process.stderr.write(`${line}\n`)}
let sandbox: SandboxHandle | undefined
const sandboxDir = join(work, 'sandbox')
const restart = async (nodes: number) => {
  await sandbox?.stop()
  const started = performance.now()
  sandbox = await openSandbox(sandboxDir, mcHome, nodes)
  bench.log(`sandbox: ${nodes} nodes per cloud ready in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return sandbox
}

const startedAt = new Date()
const loadBefore = loadAverage()
const others = otherLoad()
const sections: {title: string; section: Section; otherCores: number}[] = []
/** Runs one section and notes how busy the rest of the machine was meanwhile. */
const timed = async (title: string, run: () => Promise<Section>) => {
  const load = otherLoad()
  const section = await run()
  sections.push({title, section, otherCores: load()})
}
const began = performance.now()
const cleanup = async () => {
  await sandbox?.stop()
  rmSync(work, {recursive: true, force: true})
}
// Ctrl-C: stop the sandbox and remove the temp dir, then die of the signal as usual.
process.once('SIGINT', () => {
  cleanup().finally(() => process.kill(process.pid, 'SIGINT'))
})
try {
  if (only.has('startup')) {
    await timed('Start-up', async () => startupSection(bench, await restart(10), 10, quick ? 5 : 10))
  }
  if (only.has('listing')) {
    const box = await restart(1000)
    await timed('Listing 1,000 nodes per cloud', () => listingSection(bench, box, {nodes: 1000, runs: quick ? 3 : 5, references: true}))
    box.setFaults(['latency=150ms'])
    await timed('Listing 1,000 nodes per cloud, 150 ms API latency', () =>
      listingSection(bench, box, {nodes: 1000, runs: 3, mcOnly: true, condition: 'every API request delayed 150 ms by the sandbox'}),
    )
    box.setFaults([])
    if (!quick) await timed('Listing 10,000 nodes per cloud', async () => listingSection(bench, await restart(10_000), {nodes: 10_000, runs: 3}))
    await sandbox?.stop()
    sandbox = undefined
  }
  if (only.has('ssh')) await timed('SSH fan-out', () => sshSection(bench, {runs: quick ? 2 : 3}))
  if (only.has('exporter')) await timed('Exporter under Prometheus', () => exporterSection(bench, {minutes: quick ? 1 : 3}))
  if (only.has('diagnosis')) await timed('Diagnosis: time to verdict in the network lab', () => diagnosisSection(bench, quick ? 2 : 3))
} finally {
  await cleanup()
}

const minutes = (performance.now() - began) / 60_000
const rebuilt = distStamp() !== stamp
if (rebuilt) bench.log(`WARNING: ${join(root, 'dist')} changed during the run; the numbers may mix two builds.`)
const targets: (Target & {otherCores: number})[] = sections.flatMap((s) => s.section.targets.map((t) => ({...t, otherCores: s.otherCores})))
const findings = join(here, 'FINDINGS.md')
const machine = describeMachine(root, process.execPath)
const doc = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` (bench/run.ts) on ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC in ${minutes.toFixed(1)} minutes${quick ? ' (--quick: fewer runs, no 10,000-node listing)' : ''}. ` +
    'Every number is a whole process (`/usr/bin/time` for peak RSS), the median of several runs; the runs of all rows of one table are interleaved, ' +
    "against the same local endpoints (mc's sandbox, sshd on loopback) in the same invocation, so ratios within a table hold even when absolute times drift. CI does not run this.",
  '',
  '## Machine',
  '',
  table(
    ['', ''],
    [
      ...machine.rows,
      ['Load average (1, 5, 15 min) at start; at end', `${loadBefore}; ${loadAverage()}`],
      ['CPU used by other processes during the run', `${others().toFixed(2)} cores on average (the machine is shared; per section below)`],
    ],
  ),
  ...(rebuilt ? ['', `**Warning: mc's dist/ changed during this run (rebuilt by someone else); numbers may mix two builds.**`] : []),
  '',
  '## Targets',
  '',
  'The last column is how busy the rest of the machine was while that section ran (cores used by other processes): a verdict taken while another workload held a core is weaker.',
  '',
  table(
    ['target', 'measured', '', "others' CPU"],
    targets.map((t) => [t.target, t.measured, t.met ? 'met' : '**missed**', t.otherCores.toFixed(2)]),
  ),
  '',
  ...sections.flatMap(({title, section, otherCores}) => [
    `## ${title}`,
    '',
    section.markdown,
    '',
    `Other processes used ${otherCores.toFixed(2)} of ${cpus().length} cores on average during this section${title === 'SSH fan-out' ? ' (including the sshd probes and the checks they ran)' : ''}.`,
    '',
  ]),
  ...(existsSync(findings) ? [readFileSync(findings, 'utf8').trim(), ''] : []),
].join('\n')
writeFileSync(out, doc)
bench.log(`wrote ${out} (${minutes.toFixed(1)} min)`)
