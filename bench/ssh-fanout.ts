import {execFile} from 'node:child_process'
import {writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {freePort, generateKey, type Sshd, startSshd} from '../test/helpers/sshd.js'
import {type Bench, mcClient} from './lib/context.js'
import {type Client, compare} from './lib/measure.js'
import {code, maxBy, ratio, type Section, seconds, spread, table} from './lib/report.js'

const run = promisify(execFile)
const PLUGINS = '/usr/lib/nagios/plugins'
const VANTAGES = 20
const TARGETS = 5
/** Echo requests per ping check: check_ping sends one a second, so this check is the slow one. */
const PING_COUNT = 3
/** check_by_ssh runs in parallel, 3 per vantage point (60 was faster than 20 here; sshd drops some of more than 10 unauthenticated connections). */
const BYSSH_PARALLEL = 3 * VANTAGES

export interface SshOptions {
  runs: number
}

/** Cheap targets: an HTTP server on each of TARGETS loopback addresses, all on one port. */
async function startTargets(): Promise<{addresses: string[]; port: number; close(): Promise<void>}> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const servers: Server[] = []
    try {
      for (let i = 0; i < TARGETS; i++) {
        const server = createServer((_req, res) => res.end('ok\n'))
        servers.push(server)
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, `127.0.0.${11 + i}`, () => resolve())
        })
      }
      return {
        addresses: servers.map((_, i) => `127.0.0.${11 + i}`),
        port,
        close: () => closeAll(servers),
      }
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

interface CheckResultJson {
  results: {vantage: string; state: string; check: string; implementation: string}[]
}

function okResults(expected: number): NonNullable<Client['verify']> {
  return (stdout) => {
    const {results} = JSON.parse(stdout) as CheckResultJson
    const bad = results.filter((r) => r.state !== 'OK')
    if (results.length !== expected || bad.length > 0) {
      throw new Error(`expected ${expected} OK results, got ${results.length} (${bad.length} not OK: ${JSON.stringify(bad.slice(0, 3))})`)
    }
    return `${results.length} OK (${[...new Set(results.map((r) => r.implementation))].join(', ')})`
  }
}

/**
 * Vantage points x targets x checks: VANTAGES sshd instances on loopback adopted with `mc probe add`,
 * TARGETS HTTP servers on loopback addresses, checks tcp, http and ping. mc runs them all in one
 * process (one SSH connection per probe, checks as parallel channels); the comparison is one `ssh`
 * per check, as Nagios' check_by_ssh does, run in parallel by xargs.
 */
export async function sshSection(bench: Bench, options: SshOptions): Promise<Section> {
  const sshds: Sshd[] = []
  const targets = await startTargets()
  try {
    const key = await generateKey(bench.home, 'bench_ed25519', 'ed25519')
    for (let i = 0; i < VANTAGES; i++) sshds.push(await startSshd({authorizedKeys: [key.publicKey]}))
    const names = sshds.map((_, i) => `p${String(i + 1).padStart(2, '0')}`)
    // mc probe add, a few at a time: each connects once and records the host key.
    for (let i = 0; i < sshds.length; i += 5) {
      await Promise.all(
        sshds
          .slice(i, i + 5)
          .map((s, j) =>
            run(
              bench.node,
              [join(bench.root, 'bin', 'run.js'), 'probe', 'add', names[i + j], '--host', s.host, '--port', String(s.port), '--user', s.user, '--key', key.path, '--yes'],
              {env: bench.env, cwd: bench.home},
            ),
          ),
      )
    }
    bench.log(`ssh: ${VANTAGES} sshd probes added, ${TARGETS} targets on port ${targets.port}`)

    const checks = [`tcp:${targets.port}`, `http:${targets.port}`, 'ping']
    const total = VANTAGES * TARGETS * checks.length
    const checkArgs = (from: string[], to: string[], kinds: string[]) => [
      'check',
      'run',
      '--from',
      from.join(','),
      ...to.flatMap((t) => ['--target', t]),
      ...kinds.flatMap((c) => ['--check', c]),
      '--count',
      String(PING_COUNT),
      '--json',
    ]
    const fanout = mcClient(bench, 'mc fanout', checkArgs(names, targets.addresses, checks), {verify: okResults(total)})
    const singles = checks.map((c) => mcClient(bench, `mc single ${c.split(':')[0]}`, checkArgs([names[0]], [targets.addresses[0]], [c]), {verify: okResults(1)}))

    // One check_by_ssh per check; consecutive lines go to different vantages, so xargs' parallel
    // slots spread over the sshds (each accepts 10 unauthenticated connections before it drops some).
    const knownHosts = join(bench.home, 'bench_known_hosts')
    writeFileSync(knownHosts, sshds.map((s) => `[${s.host}]:${s.port} ${s.hostKey.publicKey}`).join('\n') + '\n')
    const plugin: Record<string, (t: string) => string> = {
      tcp: (t) => `${PLUGINS}/check_tcp -H ${t} -p ${targets.port}`,
      http: (t) => `${PLUGINS}/check_http -H ${t} -p ${targets.port}`,
      ping: (t) => `${PLUGINS}/check_ping -H ${t} -w 200,20% -c 500,60% -p ${PING_COUNT}`,
    }
    const lines: string[] = []
    for (const t of targets.addresses) {
      for (const c of checks) {
        for (const s of sshds) {
          const remote = plugin[c.split(':')[0]](t)
          lines.push(
            `${PLUGINS}/check_by_ssh -H ${s.host} -p ${s.port} -l ${s.user} -i ${key.path} -o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes -t 30 -C '${remote}'`,
          )
        }
      }
    }
    const commandFile = join(bench.home, 'check_by_ssh.txt')
    writeFileSync(commandFile, lines.join('\n') + '\n')
    const bySsh = (parallel: number): Client => ({
      name: `check_by_ssh ${parallel}`,
      // xargs exits 123 if any invocation failed (a non-OK check), which fails the run.
      command: ['xargs', '-a', commandFile, '-P', String(parallel), '-d', '\n', '-n', '1', 'sh', '-c', 'eval "$0" >/dev/null'],
      cwd: bench.home,
      verify: () => `${total} OK`,
    })
    const clients = [fanout, ...singles, bySsh(BYSSH_PARALLEL)]
    bench.log(`ssh fan-out: ${clients.length} commands x ${options.runs} runs`)
    const stats = new Map((await compare(clients, options.runs, bench.env, {log: bench.log, warmup: [singles[0]]})).map((s) => [s.name, s]))
    const get = (name: string) => stats.get(name)!
    // One more fan-out, untimed, to count SSH logins in the sshd logs: mc should log in once per probe.
    const loginsBefore = sshds.reduce((n, s) => n + s.acceptedLogins(), 0)
    await run(fanout.command[0], fanout.command.slice(1), {env: bench.env, cwd: bench.home, maxBuffer: 64 * 1024 * 1024})
    const logins = sshds.reduce((n, s) => n + s.acceptedLogins(), 0) - loginsBefore
    const fan = get('mc fanout')
    const byssh = get(`check_by_ssh ${BYSSH_PARALLEL}`)
    const slowest = maxBy(
      singles.map((c) => get(c.name)),
      (s) => s.wallMs,
    )
    const bound = 1.5 * slowest.wallMs
    const rows = [
      [
        `mc, all ${total} checks`,
        code(`mc check run --from p01,...,p${VANTAGES} -t x${TARGETS} --check tcp --check http --check ping`),
        fan.note,
        seconds(fan.wallMs),
        '1.00x',
        spread(fan),
      ],
      ...singles.map((c) => {
        const s = get(c.name)
        return [`mc, one ${c.name.split(' ').at(-1)} check`, 'one vantage, one target', s.note, seconds(s.wallMs), ratio(s.wallMs / fan.wallMs), spread(s)]
      }),
      [
        `check_by_ssh, all ${total} checks`,
        `one \`ssh\` per check, ${BYSSH_PARALLEL} at a time (xargs -P ${BYSSH_PARALLEL})`,
        byssh.note,
        seconds(byssh.wallMs),
        ratio(byssh.wallMs / fan.wallMs),
        spread(byssh),
      ],
    ]
    const markdown = [
      `${VANTAGES} vantage points (OpenSSH sshd on 127.0.0.1, adopted with \`mc probe add\`) x ${TARGETS} targets (HTTP servers on 127.0.0.11-${10 + TARGETS}) x ${checks.length} checks ` +
        `(tcp, http, ping with ${PING_COUNT} echo requests) = ${total} checks; monitoring-plugins on every vantage; median of ${options.runs} interleaved runs.`,
      '',
      table(['what', 'how', 'result', 'wall (median)', 'vs mc fan-out', 'fastest–slowest'], rows),
      '',
      `The budget for the fan-out is 1.5x the slowest single check as mc runs it (start-up, one handshake, the check): 1.5 x ${seconds(slowest.wallMs)} = ${seconds(bound)}. ` +
        `SSH logins during one fan-out, counted in the sshd logs: ${logins} for ${VANTAGES} probes (check_by_ssh: one per check, ${total}).`,
    ].join('\n')
    return {
      markdown,
      targets: [
        {
          target: `SSH fan-out (${VANTAGES} vantages x ${TARGETS} targets x ${checks.length} checks) within 1.5x the slowest single check plus one handshake`,
          measured: `${seconds(fan.wallMs)} vs ${seconds(bound)} (${ratio(fan.wallMs / slowest.wallMs)} the slowest single check)`,
          met: fan.wallMs <= bound,
        },
      ],
    }
  } finally {
    await Promise.all(sshds.map((s) => s.stop()))
    await targets.close()
  }
}
