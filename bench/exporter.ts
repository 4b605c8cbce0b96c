import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {freePort, generateKey, type Sshd, startSshd} from '../test/helpers/sshd.js'
import type {Bench} from './lib/context.js'
import {type Section, seconds, table} from './lib/report.js'

const run = promisify(execFile)
const TARGETS = 100
/** Four sshd probes on loopback plus this machine ("local"). */
const PROBES = 4
const INTERVAL_S = 15

export interface ExporterOptions {
  minutes: number
}

/** TARGETS TCP servers, one on each of 127.0.0.11 and up, all on one port: what the tcp check connects to. */
async function startTargets(): Promise<{addresses: string[]; port: number; close(): Promise<void>}> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const servers: Server[] = []
    try {
      for (let i = 0; i < TARGETS; i++) {
        const server = createServer((socket) => socket.end())
        servers.push(server)
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, `127.0.0.${11 + i}`, () => resolve())
        })
      }
      return {addresses: servers.map((_, i) => `127.0.0.${11 + i}`), port, close: () => closeAll(servers)}
    } catch (error) {
      await closeAll(servers)
      if (attempt >= 5) throw error
    }
  }
}

async function closeAll(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve())
        }),
    ),
  )
}

/** CPU seconds (user + system) and peak RSS (VmHWM) of a live process, from /proc. */
function processUsage(pid: number): {cpuS: number; peakMb: number} {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return {cpuS: ticks / 100, peakMb: hwm ? Number(hwm[1]) / 1024 : Number.NaN}
}

async function waitUntil<T>(what: string, timeoutMs: number, condition: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    try {
      const value = await condition()
      if (value !== undefined) return value
    } catch {
      // not up yet
    }
    await sleep(500)
  }
  throw new Error(`exporter bench: timed out after ${timeoutMs} ms waiting for ${what}`)
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/**
 * mc exporter under a real Prometheus: TARGETS targets x (PROBES sshd probes + local) scraped every
 * INTERVAL_S s with the tcp check, for a few minutes. Prometheus's own scrape_duration_seconds and up
 * give the scrape times and failures; /proc gives mc's CPU and peak memory; the sshd logs and
 * mc_exporter_ssh_handshakes_total give the SSH connections.
 */
export async function exporterSection(bench: Bench, options: ExporterOptions): Promise<Section> {
  const sshds: Sshd[] = []
  const targets = await startTargets()
  const dir = join(bench.home, 'exporter')
  mkdirSync(join(dir, 'data'), {recursive: true})
  const mcBin = join(bench.root, 'bin', 'run.js')
  const children: ChildProcess[] = []
  try {
    const key = await generateKey(bench.home, 'exporter_ed25519', 'ed25519')
    for (let i = 0; i < PROBES; i++) sshds.push(await startSshd({authorizedKeys: [key.publicKey]}))
    const names = sshds.map((_, i) => `x${i + 1}`)
    for (const [i, s] of sshds.entries()) {
      await run(bench.node, [mcBin, 'probe', 'add', names[i], '--host', s.host, '--port', String(s.port), '--user', s.user, '--key', key.path, '--yes'], {
        env: bench.env,
        cwd: bench.home,
      })
    }
    const check = `tcp:${targets.port}`
    const allow = join(dir, 'allow.yml')
    writeFileSync(allow, `allow:\n  - targets: [${targets.addresses.join(', ')}]\n    checks: ["${check}"]\n    from: [local, ${names.join(', ')}]\ndiagnose: []\n`)
    const [exporterPort, promPort] = [await freePort(), await freePort()]
    await run(bench.node, [mcBin, 'exporter', 'config', '--config', allow, '--dir', dir, '--exporter', `127.0.0.1:${exporterPort}`, '--interval', `${INTERVAL_S}s`], {
      env: bench.env,
      cwd: bench.home,
    })
    const config = readFileSync(join(dir, 'prometheus.yml'), 'utf8')
    const timeoutS = Number(/scrape_timeout: (\d+)s/.exec(config)?.[1])

    const loginsBefore = sshds.reduce((n, s) => n + s.acceptedLogins(), 0)
    const exporter = spawn(bench.node, [mcBin, 'exporter', '--config', allow, '--listen', `127.0.0.1:${exporterPort}`], {
      env: bench.env,
      cwd: bench.home,
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    children.push(exporter)
    let exporterLog = ''
    exporter.stderr.on('data', (d: Buffer) => {
      exporterLog += d
    })
    await waitUntil('mc exporter to listen', 30_000, async () => (/listening on/.test(exporterLog) ? true : undefined))
    const prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`],
      {stdio: 'ignore'},
    )
    children.push(prometheus)
    const api = async <T>(query: string): Promise<T> => {
      const response = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(query)}`, {signal: AbortSignal.timeout(30_000)})
      return ((await response.json()) as {data: T}).data
    }
    await waitUntil('Prometheus to be ready', 60_000, async () => ((await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok ? true : undefined))
    const cpuStart = processUsage(exporter.pid!)
    const started = Date.now()
    bench.log(`exporter: ${TARGETS} targets x ${PROBES + 1} vantage points every ${INTERVAL_S} s for ${options.minutes} min (scrape timeout ${timeoutS} s)`)
    await sleep(options.minutes * 60_000)
    const elapsedS = (Date.now() - started) / 1000
    const usage = processUsage(exporter.pid!)
    const windowS = Math.floor(elapsedS)
    type Matrix = {result: {metric: Record<string, string>; values: [number, string][]}[]}
    const durationSeries = (await api<Matrix>(`scrape_duration_seconds{job=~"mc_probe_.+"}[${windowS}s]`)).result
    const sorted = (series: Matrix['result']) => series.flatMap((r) => r.values.map(([, v]) => Number(v))).sort((a, b) => a - b)
    const durations = sorted(durationSeries)
    const local = sorted(durationSeries.filter((r) => r.metric.vantage === 'local'))
    const overSsh = sorted(durationSeries.filter((r) => r.metric.vantage !== 'local'))
    // mc's own view, straight from the exporter: what it answered, and how long the checks took on the vantage points.
    const own = await fetch(`http://127.0.0.1:${exporterPort}/metrics`, {signal: AbortSignal.timeout(60_000)})
      .then((r) => r.text())
      .catch((error: Error) => `# /metrics did not answer: ${error.message}`)
    const sample = (pattern: RegExp) => [...own.matchAll(pattern)].map((m) => `${m.slice(1, -1).join(' ')}: ${m.at(-1)}`).join(', ')
    const checkSum = Number(/^mc_exporter_check_duration_seconds_sum\{kind="tcp"\} (\S+)$/m.exec(own)?.[1])
    const checkCount = Number(/^mc_exporter_check_duration_seconds_count\{kind="tcp"\} (\S+)$/m.exec(own)?.[1])
    const upSeries = (await api<Matrix>(`up{job=~"mc_probe_.+"}[${windowS}s]`)).result
    const ups = upSeries.flatMap((r) => r.values.map(([, v]) => Number(v)))
    const successes = (await api<Matrix>(`probe_success[${windowS}s]`)).result.flatMap((r) => r.values.map(([, v]) => Number(v)))
    const handshakes = Number(/^mc_exporter_ssh_handshakes_total (\S+)$/m.exec(own)?.[1])
    const logins = sshds.reduce((n, s) => n + s.acceptedLogins(), 0) - loginsBefore
    const failed = ups.filter((v) => v !== 1).length
    const unsuccessful = successes.filter((v) => v !== 1).length
    const p50 = quantile(durations, 0.5)
    const p99 = quantile(durations, 0.99)
    const cpu = usage.cpuS - cpuStart.cpuS
    const rows = [
      ['scrape targets (targets x vantage points)', `${upSeries.length} (expected ${TARGETS * (PROBES + 1)})`],
      ['scrapes', `${ups.length} in ${(elapsedS / 60).toFixed(1)} min (${(ups.length / elapsedS).toFixed(1)} a second)`],
      [
        "scrape duration p50 / p99 / max (Prometheus's scrape_duration_seconds)",
        `${seconds(p50 * 1000)} / ${seconds(p99 * 1000)} / ${seconds(durations.at(-1)! * 1000)} (timeout ${timeoutS} s)`,
      ],
      ['scrape duration p50 / p99, vantage local', `${seconds(quantile(local, 0.5) * 1000)} / ${seconds(quantile(local, 0.99) * 1000)}`],
      [`scrape duration p50 / p99, ${PROBES} probes over SSH`, `${seconds(quantile(overSsh, 0.5) * 1000)} / ${seconds(quantile(overSsh, 0.99) * 1000)}`],
      ['mean check time in mc, channel wait included (mc_exporter_check_duration_seconds)', seconds((checkSum / checkCount) * 1000)],
      ['failed scrapes (up == 0)', String(failed)],
      ['answers by status (mc_exporter_requests_total)', sample(/^mc_exporter_requests_total\{endpoint="(\w+)",code="(\d+)"\} (\S+)$/gm) || 'none'],
      ['checks by state (mc_exporter_checks_total)', sample(/^mc_exporter_checks_total\{kind="tcp",state="(\w+)"\} (\S+)$/gm)],
      ['probe_success == 0 (every target is up)', String(unsuccessful)],
      ['mc CPU', `${cpu.toFixed(1)} s in ${elapsedS.toFixed(0)} s = ${(cpu / elapsedS).toFixed(2)} cores`],
      ['mc peak memory (VmHWM)', `${usage.peakMb.toFixed(0)} MB`],
      ['SSH logins (sshd logs) / mc_exporter_ssh_handshakes_total', `${logins} / ${handshakes} for ${PROBES} probes`],
    ]
    const markdown = [
      `\`mc exporter\` scraped by Debian's Prometheus with the configuration \`mc exporter config\` writes: ${TARGETS} targets (TCP servers on 127.0.0.11-${10 + TARGETS}) x ${PROBES + 1} vantage points ` +
        `(this machine and ${PROBES} OpenSSH sshd probes on loopback), the tcp check, every ${INTERVAL_S} s for ${options.minutes} min.`,
      '',
      table(['', ''], rows),
    ].join('\n')
    return {
      markdown,
      targets: [
        {
          target: `Exporter: ${TARGETS} targets x ${PROBES + 1} vantage points every ${INTERVAL_S} s, no scrape failing, p99 within the scrape timeout`,
          measured: `${failed} failed of ${ups.length}; p99 ${seconds(p99 * 1000)} vs ${timeoutS} s`,
          met: failed === 0 && ups.length > 0 && p99 < timeoutS,
        },
        {target: 'Exporter: one SSH connection per probe', measured: `${logins} logins for ${PROBES} probes`, met: logins === PROBES},
      ],
    }
  } finally {
    await Promise.all(children.map((child) => stop(child)))
    await Promise.all(sshds.map((s) => s.stop()))
    await targets.close()
  }
}

/** SIGTERM by PID, SIGKILL if it is still there after 10 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
  })
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}
