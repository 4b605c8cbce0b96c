import {randomBytes} from 'node:crypto'
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/checks/types.js'
import {silentLog} from '../../src/core/log.js'
import type {DeployResult} from '../../src/services/probe-deploy.js'
import {openDriver} from '../../src/services/drivers.js'
import {KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {CheckHistory} from '../../src/store/history.js'
import {freePort} from '../helpers/sshd.js'
import {inventoryRows, killStrayChildren, mc, openTestCloud, type TestCloud} from '../probes/helpers.js'

/**
 * mc check run as users and CI run it: from this machine and two sandbox probes (an EC2 and a Linode
 * node, whose checks run on this machine over SSH), against servers this test starts on 127.0.0.1.
 */
type RunJson = {runId: number; vantages: string[]; results: CheckResult[]}

const VANTAGES = ['local', 'chk-ec2-us-east-1', 'chk-linode-us-west']

let cloud: TestCloud
let web: HttpServer
let webPort: number
let webHits = 0
let closedPort: number
let graphite: Server
let graphitePort: number
let received = ''
let work: string

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mc-check-run-'))
  web = createHttpServer((req, res) => {
    webHits++
    res.writeHead(200, {'content-type': 'text/plain'})
    res.end('ok\n')
  })
  graphite = createServer((socket) => {
    socket.on('data', (d: Buffer) => {
      received += d
    })
  })
  const listen = (server: HttpServer | Server) =>
    new Promise<number>((resolve) => {
      server.listen(0, '127.0.0.1', () => resolve((server.address() as {port: number}).port))
    })
  ;[webPort, graphitePort, closedPort, cloud] = await Promise.all([listen(web), listen(graphite), freePort(), openTestCloud(300)])
  const deploy = await mc(['probe', 'deploy', '--fleet', 'chk', '--at', 'ec2:us-east-1', '--at', 'linode:us-west', '--json'], cloud.env)
  if (deploy.code !== 0) throw new Error(`deploy failed: ${deploy.stdout}${deploy.stderr}`)
  expect(deploy.json<DeployResult>().probes.map((p) => p.status)).toEqual(['created', 'created'])
})

afterAll(async () => {
  killStrayChildren()
  await cloud?.close()
  await Promise.all(
    [web, graphite].map(
      (server) =>
        new Promise((resolve) => {
          server?.close(resolve)
        }),
    ),
  )
  rmSync(work, {recursive: true, force: true})
})

const byVantage = (results: CheckResult[], check: string) => Object.fromEntries(results.filter((r) => r.check === check).map((r) => [r.vantage, r.state]))

describe('mc check run from local and sandbox probes', () => {
  it('prints the vantage x target matrix, exits 0 although a check is CRITICAL, and says so in the footer', async () => {
    const hits = webHits
    const checks = [`tcp:${webPort}`, `http:${webPort}`, `tcp:${closedPort}`, `tcp:${cloud.handle.port}`, 'ping'].flatMap((c) => ['--check', c])
    const run = await mc(['check', 'run', '-t', '127.0.0.1', ...checks, '--count', '2'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toMatch(/^VANTAGE\s+127\.0\.0\.1\s*$/)
    for (const vantage of VANTAGES) expect(run.stdout).toMatch(new RegExp(`^${vantage}\\s+\\S+ (OK|CRITICAL)`, 'm'))
    expect(run.stdout).toMatch(new RegExp(`tcp:${closedPort} CRITICAL`))
    expect(run.stdout).toContain('3 vantages x 1 target: CRITICAL (3 critical, 12 ok)')
    // Every vantage point fetched the page itself.
    expect(webHits - hits).toBeGreaterThanOrEqual(3)
    // Progress goes to stderr, one line per result; nothing else (no Node warnings).
    expect(run.stderr.trim().split('\n')).toHaveLength(15)
    expect(run.stderr).not.toMatch(/Warning/)
  })

  it('--json gives every result, and the same results are in the history', async () => {
    const run = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--check', `http:${webPort}`, '--check', `tcp:${closedPort}`, '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const json = run.json<RunJson>()
    expect(json.vantages).toEqual(VANTAGES)
    expect(json.results).toHaveLength(9)
    for (const r of json.results) {
      expect(r).toMatchObject({
        target: '127.0.0.1',
        vantage: expect.any(String),
        kind: expect.stringMatching(/^(tcp|http)$/),
        summary: expect.any(String),
        implementation: expect.any(String),
        durationMs: expect.any(Number),
        raw: expect.any(String),
      })
      expect(Number.isNaN(Date.parse(r.at))).toBe(false)
    }
    expect(byVantage(json.results, `tcp:${webPort}`)).toEqual(Object.fromEntries(VANTAGES.map((v) => [v, 'OK'])))
    expect(byVantage(json.results, `http:${webPort}`)).toEqual(Object.fromEntries(VANTAGES.map((v) => [v, 'OK'])))
    expect(byVantage(json.results, `tcp:${closedPort}`)).toEqual(Object.fromEntries(VANTAGES.map((v) => [v, 'CRITICAL'])))
    expect(json.results.find((r) => r.check === `tcp:${webPort}`)!.metrics).toEqual(expect.arrayContaining([expect.objectContaining({name: 'time', unit: 's'})]))

    const history = CheckHistory.open()
    try {
      expect(history.run(json.runId)).toMatchObject({worstState: 'CRITICAL', resultCount: 9})
      const stored = history.results(json.runId)
      const key = (r: CheckResult) => `${r.vantage} ${r.check} ${r.state}`
      expect(stored.map((r) => key(r)).sort()).toEqual(json.results.map((r) => key(r)).sort())
    } finally {
      history.close()
    }
  })

  it('--output nagios exits with the worst state: 2 with a closed port, 0 when all is well', async () => {
    const critical = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--check', `tcp:${closedPort}`, '--output', 'nagios'], cloud.env)
    expect(critical.code).toBe(2)
    expect(critical.stdout).toMatch(/^MC CRITICAL - 3 critical, 3 ok: /)
    expect(critical.stdout).toMatch(new RegExp(`local/127.0.0.1/tcp:${webPort}/time=[\\d.]+s`))

    const ok = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--output', 'nagios'], cloud.env)
    expect(ok.code, ok.stdout + ok.stderr).toBe(0)
    expect(ok.stdout).toMatch(/^MC OK - /)
  })

  it('sends Graphite lines to a TCP listener and writes a Prometheus textfile', async () => {
    const prom = join(work, 'mc.prom')
    const run = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--graphite', `127.0.0.1:${graphitePort}`, '--prom-textfile', prom, '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const lines = received.trim().split('\n')
    for (const vantage of VANTAGES) {
      const base = `mc.${vantage}.127_0_0_1.tcp_${webPort}`
      expect(
        lines.some((l) => l.startsWith(`${base}.state 0 `)),
        `${base}.state in:\n${received}`,
      ).toBe(true)
      expect(lines.some((l) => l.startsWith(`${base}.time `))).toBe(true)
    }

    const text = readFileSync(prom, 'utf8')
    for (const vantage of VANTAGES) {
      expect(text).toMatch(new RegExp(`^mc_check_state\\{[^}]*vantage="${vantage}"[^}]*\\} 0$`, 'm'))
    }
    expect(text).toMatch(/^# TYPE mc_check_state gauge$/m)
  })

  it('reads targets, checks and vantage points from a checks file (-f)', async () => {
    const file = join(work, 'checks.yaml')
    writeFileSync(
      file,
      [
        'from: [local, chk-linode-us-west]',
        'defaults: {timeout: 5}',
        'targets:',
        `  - target: 127.0.0.1`,
        `    checks: ["tcp:${webPort}", "http:${webPort}"]`,
        `  - target: localhost`,
        `    checks: ["tcp:${closedPort}"]`,
        '',
      ].join('\n'),
    )
    const run = await mc(['check', 'run', '-f', file, '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const json = run.json<RunJson>()
    expect(json.vantages).toEqual(['local', 'chk-linode-us-west'])
    const seen = json.results.map((r) => `${r.vantage} ${r.target} ${r.check} ${r.state}`).sort()
    expect(seen).toEqual([
      `chk-linode-us-west 127.0.0.1 http:${webPort} OK`,
      `chk-linode-us-west 127.0.0.1 tcp:${webPort} OK`,
      `chk-linode-us-west localhost tcp:${closedPort} CRITICAL`,
      `local 127.0.0.1 http:${webPort} OK`,
      `local 127.0.0.1 tcp:${webPort} OK`,
      `local localhost tcp:${closedPort} CRITICAL`,
    ])
  })

  it('runs many slow checks at once without Node warnings on stderr', async () => {
    // Four targets x three vantage points: twelve pings in flight together on one abort signal.
    const targets = ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'].flatMap((t) => ['-t', t])
    const run = await mc(['check', 'run', ...targets, '--check', 'ping', '--count', '2', '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.json<RunJson>().results.map((r) => r.state)).toEqual(Array.from({length: 12}).fill('OK'))
    // Progress lines are expected on stderr (also with --json); a Node warning is not.
    expect(run.stderr).not.toMatch(/Warning|MaxListeners/)
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(12)
  })

  it('a probe whose host key changed: UNKNOWN with the reason in the table, exit 3 with and without --json', async () => {
    const knownHosts = new KnownHostsFile(join(cloud.home, 'data', 'known_hosts'))
    const probe = inventoryRows(cloud.home).find((r) => r.name === 'chk-ec2-us-east-1')!
    const original = knownHosts.lookup(probe.host!, probe.port).keys[0].blob
    // Another ed25519 key in the file, as after the probe was rebuilt (or someone sits in between).
    const name = Buffer.from('ssh-ed25519')
    const other = Buffer.concat([Buffer.from([0, 0, 0, name.length]), name, Buffer.from([0, 0, 0, 32]), randomBytes(32)])
    knownHosts.replace(probe.host!, probe.port, other)
    try {
      const table = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${closedPort}`], cloud.env)
      expect(table.code, table.stderr).toBe(3)
      expect(table.stdout).toMatch(new RegExp(`^chk-ec2-us-east-1\\s+tcp:${closedPort} UNKNOWN host key changed\\s*$`, 'm'))
      expect(table.stdout).toMatch(new RegExp(`^local\\s+tcp:${closedPort} CRITICAL connection refused\\s*$`, 'm'))
      expect(table.stdout).toMatch(new RegExp(`^chk-linode-us-west\\s+tcp:${closedPort} CRITICAL connection refused\\s*$`, 'm'))
      expect(table.stderr).toMatch(/Error \(chk-ec2-us-east-1\): Host key for chk-ec2-us-east-1 .* has changed.*`mc probe trust chk-ec2-us-east-1`/)

      const json = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${closedPort}`, '--json'], cloud.env)
      expect(json.code, json.stderr).toBe(3)
      const body = json.json<RunJson & {errors: {provider: string; code: string; exitCode: number}[]}>()
      expect(byVantage(body.results, `tcp:${closedPort}`)).toEqual({local: 'CRITICAL', 'chk-ec2-us-east-1': 'UNKNOWN', 'chk-linode-us-west': 'CRITICAL'})
      expect(body.errors).toEqual([expect.objectContaining({provider: 'chk-ec2-us-east-1', code: 'HOST_KEY_CHANGED', exitCode: 3})])
    } finally {
      knownHosts.replace(probe.host!, probe.port, original)
    }

    const healthy = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--json'], cloud.env)
    expect(healthy.code, healthy.stderr).toBe(0)
    expect(healthy.json<{errors: unknown[]}>().errors).toEqual([])
  })

  it('a dead probe reports UNKNOWN with the reason while the other vantage points still report (exit 5)', async () => {
    // The Linode probe's node goes away behind mc's back: its SSH port closes.
    const linode = await openDriver('linode', {profile: 'sandbox', region: 'us-west', log: silentLog})
    const node = (await linode.listNodes()).find((n) => n.tags['mc-probe'] === 'chk-linode-us-west')!
    await linode.destroyNode(node.id)
    await linode.close?.()

    const run = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(5)
    expect(run.stderr).toMatch(/Error \(chk-linode-us-west\): Cannot reach chk-linode-us-west .*ECONNREFUSED/)
    const {results} = run.json<RunJson>()
    expect(byVantage(results, `tcp:${webPort}`)).toEqual({local: 'OK', 'chk-ec2-us-east-1': 'OK', 'chk-linode-us-west': 'UNKNOWN'})
    const dead = results.find((r) => r.vantage === 'chk-linode-us-west')!
    expect(dead.error?.message).toMatch(/Cannot reach chk-linode-us-west .*ECONNREFUSED/)

    const nagios = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${webPort}`, '--output', 'nagios'], cloud.env)
    expect(nagios.code).toBe(3)
    expect(nagios.stdout).toMatch(/^MC UNKNOWN - 1 unknown, 2 ok/)
  })
})
