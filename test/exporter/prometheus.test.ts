import bcrypt from 'bcryptjs'
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer as createHttpServer, type Server as HttpServer} from 'node:http'
import {request} from 'node:https'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ReportData} from '../../src/services/report.js'
import {CheckHistory} from '../../src/store/history.js'
import {killStrayChildren, mc, type McChild, mcEnv, spawnMc} from '../probes/helpers.js'
import {freePort, type Sshd, startSshd} from '../helpers/sshd.js'

const run = promisify(execFile)

/**
 * mc exporter as Prometheus users run it: a real Prometheus (Debian's) scrapes it over HTTPS with
 * basic auth, using the scrape configuration and alert rules "mc exporter config" writes; the checks
 * run from this machine and from a probe on a real loopback sshd. A closed port is the fault: the
 * target-down alert fires in Prometheus, and clears once something listens there.
 */
const home = process.env.MC_HOME!
const env = mcEnv(home, 'default')
const PASSWORD = 'scrape-s3cret'
let work: string
let sshd: Sshd
let exporter: McChild
let exporterPort: number
let prometheus: ChildProcess | undefined
let promPort: number
let openServer: Server
let openPort: number
let faultPort: number
let faultServer: Server | undefined
let hangServer: HttpServer
let hangPort: number
let loginsBeforeExporter: number

function listen(server: HttpServer | Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as {port: number}).port))
  })
}

type Reply = {status: number; body: string; ms: number}

/** A request to the exporter over TLS, checked against the test CA. */
function get(path: string, options: {auth?: string; headers?: Record<string, string>} = {}): Promise<Reply> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: exporterPort,
        path,
        ca: readFileSync(join(work, 'ca.crt')),
        headers: {...options.headers, ...(options.auth ? {authorization: `Basic ${Buffer.from(options.auth).toString('base64')}`} : {})},
        timeout: 20_000,
      },
      (res) => {
        let body = ''
        res.on('data', (d: Buffer) => {
          body += d
        })
        res.on('end', () => resolve({status: res.statusCode!, body, ms: performance.now() - started}))
      },
    )
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within 20 s`)))
    req.on('error', reject)
    req.end()
  })
}

const authed = (path: string, headers?: Record<string, string>) => get(path, {auth: `prom:${PASSWORD}`, headers})

async function promApi<T>(path: string): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${promPort}${path}`, {signal: AbortSignal.timeout(10_000)})
  const json = (await response.json()) as {data: T; status: string}
  if (json.status !== 'success') throw new Error(`Prometheus ${path}: ${JSON.stringify(json)}`)
  return json.data
}

type Vector = {metric: Record<string, string>; value: [number, string]}[]
type Alert = {labels: Record<string, string>; state: string}

/** Poll until `condition` returns a value, or fail saying what never happened. */
async function waitUntil<T>(what: string, timeoutMs: number, condition: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await condition()
      if (value !== undefined) return value
    } catch (error) {
      last = error
    }
    await sleep(250)
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`)
}

async function probeSuccess(check: string): Promise<Record<string, string>> {
  const vector = await promApi<{result: Vector}>(`/api/v1/query?query=${encodeURIComponent(`probe_success{check="${check}"}`)}`)
  return Object.fromEntries(vector.result.map((r) => [r.metric.vantage, r.value[1]]))
}

/**
 * Wait until Prometheus holds `expected` (vantage -> probe_success) for the check. A scrape that ran
 * into its 3 s timeout on a busy machine (the first SSH handshake, say) shows as 0 until the next.
 */
async function waitForProbeSuccess(check: string, expected: Record<string, string>): Promise<void> {
  let last: Record<string, string> = {}
  try {
    await waitUntil(`probe_success for ${check} to be ${JSON.stringify(expected)}`, 60_000, async () => {
      last = await probeSuccess(check)
      return JSON.stringify(last, Object.keys(expected).sort()) === JSON.stringify(expected, Object.keys(expected).sort()) &&
        Object.keys(last).length === Object.keys(expected).length
        ? true
        : undefined
    })
  } catch (error) {
    throw new Error(`${(error as Error).message}; last seen ${JSON.stringify(last)}`)
  }
}

async function targetDownAlert(): Promise<Alert | undefined> {
  const {alerts} = await promApi<{alerts: Alert[]}>('/api/v1/alerts')
  return alerts.find((a) => a.labels.alertname === 'McTargetDown' && a.labels.check === `tcp:${faultPort}`)
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mc-exporter-'))
  openServer = createServer((socket) => socket.end())
  // Accepts connections and never answers: a check against it can only end by its own timeout.
  hangServer = createHttpServer(() => {})
  ;[sshd, openPort, hangPort, faultPort, exporterPort, promPort] = await Promise.all([startSshd(), listen(openServer), listen(hangServer), freePort(), freePort(), freePort()])

  const add = await mc(['probe', 'add', 'dc-1', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.user, '--key', sshd.clientKey.path, '--yes'], env)
  expect(add.code, add.stderr).toBe(0)

  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-subj',
    '/CN=mc-exporter-test',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-days',
    '1',
    '-keyout',
    join(work, 'server.key'),
    '-out',
    join(work, 'ca.crt'),
  ])
  writeFileSync(join(work, 'web.yml'), `tls_server_config:\n  cert_file: ca.crt\n  key_file: server.key\nbasic_auth_users:\n  prom: ${bcrypt.hashSync(PASSWORD, 4)}\n`)
  writeFileSync(join(work, 'password'), PASSWORD)
  writeFileSync(
    join(work, 'allow.yml'),
    [
      'allow:',
      `  - targets: [127.0.0.1]`,
      `    checks: ["tcp:${openPort}", "tcp:${faultPort}"]`,
      '    from: [local, dc-1]',
      `  - targets: [127.0.0.1]`,
      `    checks: ["http:${hangPort}"]`,
      '    from: [local]',
      'diagnose: []',
    ].join('\n') + '\n',
  )

  loginsBeforeExporter = sshd.acceptedLogins()
  exporter = spawnMc(['exporter', '--config', join(work, 'allow.yml'), '--listen', `127.0.0.1:${exporterPort}`, '--web-config', join(work, 'web.yml')], env, 300_000)
  await exporter.waitForStderr(/listening on https:\/\/127\.0\.0\.1:\d+/)
}, 60_000)

afterAll(async () => {
  if (prometheus?.pid !== undefined && prometheus.exitCode === null) {
    const exited = new Promise((resolve) => {
      prometheus!.once('exit', resolve)
    })
    process.kill(prometheus.pid, 'SIGKILL')
    await exited
  }
  killStrayChildren()
  const servers = [openServer, hangServer, faultServer].filter((s) => s !== undefined)
  await Promise.all([
    sshd?.stop(),
    ...servers.map(
      (server) =>
        new Promise((resolve) => {
          server.close(resolve)
        }),
    ),
  ])
  rmSync(work, {recursive: true, force: true})
})

describe('mc exporter refuses what it must not run', () => {
  it('answers 401 without credentials or with a wrong password, before looking at the request', async () => {
    const none = await get(`/probe?target=127.0.0.1&check=tcp:${openPort}`)
    expect(none.status).toBe(401)
    expect((await get('/metrics', {auth: 'prom:wrong'})).status).toBe(401)
    expect((await get('/metrics', {auth: `nobody:${PASSWORD}`})).status).toBe(401)
  })

  it('answers 400 with the reason for targets, checks and vantage points outside the allow-list', async () => {
    const outside = await authed(`/probe?target=192.0.2.10&check=tcp:${openPort}&from=local`)
    expect(outside).toMatchObject({status: 400, body: expect.stringMatching(/192\.0\.2\.10 is not in the allow-list/)})
    const otherCheck = await authed('/probe?target=127.0.0.1&check=tcp:22&from=local')
    expect(otherCheck).toMatchObject({status: 400, body: expect.stringMatching(/Check tcp:22 of 127\.0\.0\.1 is not in the allow-list/)})
    const otherVantage = await authed(`/probe?target=127.0.0.1&check=http:${hangPort}&from=dc-1`)
    expect(otherVantage).toMatchObject({status: 400, body: expect.stringMatching(/Vantage point "dc-1" may not check/)})
    expect((await authed('/diagnose?target=127.0.0.1')).status).toBe(400)
  })

  it('never lets a hostile parameter reach a shell', async () => {
    const marker = join(work, 'pwned')
    const hostile = [
      `/probe?target=${encodeURIComponent(`127.0.0.1;touch ${marker}`)}&check=tcp:${openPort}`,
      `/probe?target=${encodeURIComponent(`$(touch ${marker})`)}&check=tcp:${openPort}`,
      `/probe?target=${encodeURIComponent('-oProxyCommand=touch')}&check=tcp:${openPort}`,
      `/probe?target=127.0.0.1&check=${encodeURIComponent(`tcp:${openPort};touch ${marker}`)}`,
      `/probe?target=127.0.0.1&check=tcp:${openPort}&from=${encodeURIComponent(`dc-1\`touch ${marker}\``)}`,
      `/probe?target=127.0.0.1&target=10.0.0.1&check=tcp:${openPort}`,
      `/probe?target=127.0.0.1&check=tcp:${openPort}&extra=1`,
    ]
    for (const path of hostile) {
      const reply = await authed(path)
      expect(reply.status, path).toBe(400)
      expect(reply.body, path).not.toMatch(/at .*\.js:\d+/)
    }
    expect(existsSync(marker)).toBe(false)
  })

  it('a second exporter on the same address exits 2 saying so', async () => {
    const second = await mc(['exporter', '--config', join(work, 'allow.yml'), '--listen', `127.0.0.1:${exporterPort}`], env)
    expect(second.code).toBe(2)
    expect(second.stderr).toMatch(/Cannot listen on 127\.0\.0\.1:\d+: the address is in use/)
  })

  it('answers within the scrape timeout Prometheus sends, even when the check would take longer', async () => {
    const reply = await authed(`/probe?target=127.0.0.1&check=http:${hangPort}&from=local`, {'X-Prometheus-Scrape-Timeout-Seconds': '3'})
    expect(reply.status).toBe(200)
    expect(reply.ms).toBeLessThan(3000)
    expect(reply.body).toMatch(/^probe_success 0$/m)
  })
})

describe('a real Prometheus scraping mc exporter', () => {
  it('passes promtool check config and check rules on what mc exporter config writes', async () => {
    const dir = join(work, 'prometheus')
    const config = await mc(
      [
        'exporter',
        'config',
        '--config',
        join(work, 'allow.yml'),
        '--dir',
        dir,
        '--exporter',
        `127.0.0.1:${exporterPort}`,
        '--interval',
        '3s',
        '--for',
        '1s',
        '--scheme',
        'https',
        '--ca-file',
        join(work, 'ca.crt'),
        '--basic-auth-user',
        'prom',
        '--basic-auth-password-file',
        join(work, 'password'),
      ],
      env,
    )
    expect(config.code, config.stderr).toBe(0)
    const checkConfig = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])
    expect(checkConfig.stdout).toMatch(/SUCCESS/)
    const checkRules = await run('promtool', ['check', 'rules', join(dir, 'mc-rules.yml')])
    expect(checkRules.stdout).toMatch(/SUCCESS: 5 rules found/)
  })

  it('scrapes probe_success per vantage point, and mc holds one SSH connection to the probe', async () => {
    const dir = join(work, 'prometheus')
    mkdirSync(join(dir, 'data'))
    const log = join(dir, 'prometheus.log')
    prometheus = spawn('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    prometheus.stderr!.on('data', (d: Buffer) => writeFileSync(log, d, {flag: 'a'}))
    await waitUntil('Prometheus to be ready', 30_000, async () => ((await fetch(`http://127.0.0.1:${promPort}/-/ready`)).ok ? true : undefined))

    await waitForProbeSuccess(`tcp:${openPort}`, {local: '1', 'dc-1': '1'})
    await waitForProbeSuccess(`tcp:${faultPort}`, {local: '0', 'dc-1': '0'})

    const up = await promApi<{result: Vector}>(`/api/v1/query?query=${encodeURIComponent('up{job=~"mc_.*"}')}`)
    expect(
      up.result.every((r) => r.value[1] === '1'),
      JSON.stringify(up.result),
    ).toBe(true)
    // Every scrape from dc-1 reuses one connection (the scrape of /metrics may predate the first).
    const handshakes = await waitUntil('mc_exporter_ssh_handshakes_total above 0', 30_000, async () => {
      const v = await promApi<{result: Vector}>(`/api/v1/query?query=mc_exporter_ssh_handshakes_total`)
      return v.result[0] && v.result[0].value[1] !== '0' ? v.result[0].value[1] : undefined
    })
    expect(handshakes).toBe('1')
    expect(sshd.acceptedLogins() - loginsBeforeExporter).toBe(1)
  }, 150_000)

  it('fires the target-down alert for the closed port, and clears it once the port opens', async () => {
    const firing = await waitUntil('McTargetDown to fire', 60_000, async () => {
      const alert = await targetDownAlert()
      return alert?.state === 'firing' ? alert : undefined
    })
    expect(firing.labels).toMatchObject({target: '127.0.0.1', severity: 'critical'})
    const open = await waitUntil('no McTargetDown alert for the port on the open port', 10_000, async () => {
      const {alerts} = await promApi<{alerts: Alert[]}>('/api/v1/alerts')
      return alerts.some((a) => a.labels.check === `tcp:${openPort}`) ? undefined : true
    })
    expect(open).toBe(true)

    faultServer = createServer((socket) => socket.end())
    await listen(faultServer, faultPort)
    await waitUntil('McTargetDown to clear after the port opened', 60_000, async () => ((await targetDownAlert()) ? undefined : true))
    await waitForProbeSuccess(`tcp:${faultPort}`, {local: '1', 'dc-1': '1'})
  }, 150_000)

  it('stores every scraped result in the history, from both vantage points, and mc report shows them', async () => {
    const history = CheckHistory.open()
    try {
      const results = history.series({target: '127.0.0.1', check: `tcp:${openPort}`})
      expect(new Set(results.map((r) => r.vantage))).toEqual(new Set(['local', 'dc-1']))
      expect(history.runs(5).some((r) => r.meta.exporter === true)).toBe(true)
    } finally {
      history.close()
    }
    const report = await mc(['report', '--json', '--since', '1h'], env)
    expect(report.code, report.stderr).toBe(0)
    const {matrix} = report.json<ReportData>()
    const cells = matrix.filter((c) => c.target === '127.0.0.1')
    expect(new Set(cells.map((c) => c.vantage))).toEqual(new Set(['local', 'dc-1']))
    expect(cells.every((c) => c.checks.some((k) => k.check === `tcp:${openPort}` && k.state === 'OK'))).toBe(true)
  })

  it('stops cleanly on SIGTERM: exit 0, the history run closed', async () => {
    exporter.child.kill('SIGTERM')
    const done = await exporter.done
    expect(done.code, done.stderr).toBe(0)
    // A minute of scrapes every 3 s, one SSH login.
    expect(sshd.acceptedLogins() - loginsBeforeExporter).toBe(1)
    expect(done.stderr).toMatch(/Stopped after \d+ requests/)
    const history = CheckHistory.open()
    try {
      const run = history.runs(5).find((r) => r.meta.exporter === true && r.meta.listen === `127.0.0.1:${exporterPort}`)
      expect(run?.finishedAt).toBeDefined()
      expect(run?.resultCount).toBeGreaterThan(0)
    } finally {
      history.close()
    }
  })
})

describe('/diagnose: measured as mc check diagnose does, within the scrape timeout', () => {
  // Its own exporter, after the one above has stopped: that one's SSH logins are counted above.
  let second: McChild
  let port: number

  beforeAll(async () => {
    port = await freePort()
    writeFileSync(join(work, 'allow-diagnose.yml'), ['allow:', '  - targets: [127.0.0.1]', '    checks: [ping]', 'diagnose: [127.0.0.2, 127.0.0.3]'].join('\n') + '\n')
    second = spawnMc(['exporter', '--config', join(work, 'allow-diagnose.yml'), '--listen', `127.0.0.1:${port}`], env, 120_000)
    await second.waitForStderr(/listening on http:\/\/127\.0\.0\.1:\d+/)
  }, 60_000)

  afterAll(async () => {
    second.child.kill('SIGTERM')
    await second.done
  })

  /** The sample values of /diagnose's answer, by metric name (and labels as written). */
  async function diagnose(target: string, timeoutS: string): Promise<Map<string, number>> {
    const response = await fetch(`http://127.0.0.1:${port}/diagnose?target=${target}`, {
      headers: {'X-Prometheus-Scrape-Timeout-Seconds': timeoutS},
      signal: AbortSignal.timeout(30_000),
    })
    expect(response.status).toBe(200)
    const body = await response.text()
    return new Map(
      body
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line): [string, number] => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]),
    )
  }

  it('stops at the budget of a short scrape timeout and answers the verdict then, saying it did not settle', async () => {
    // 4 s less the 0.5 s offset and a quarter for stopping: 2.6 s of measuring, under the 27 rounds
    // (2.7 s as root, 0.1 s apart) a clean path needs to settle.
    const answer = await diagnose('127.0.0.2', '4')
    expect(answer.get('mc_diagnosis_running'), JSON.stringify([...answer])).toBe(0)
    expect(answer.get('mc_diagnosis_settled'), JSON.stringify([...answer])).toBe(0)
    expect(answer.get('mc_diagnosis_measure_seconds')).toBeLessThanOrEqual(3.5)
    expect([...answer.keys()].filter((k) => k.startsWith('mc_diagnosis{') && answer.get(k) === 1)).toHaveLength(1)
  })

  // As anyone else, mtr sends one round a second: 27 rounds would take longer than this scrape timeout.
  it.skipIf(process.getuid?.() !== 0)('settles well within a long one, healthy, with the rounds it took', async () => {
    const answer = await diagnose('127.0.0.3', '20')
    const why = JSON.stringify([...answer])
    expect(answer.get('mc_diagnosis_settled'), why).toBe(1)
    expect(answer.get('mc_diagnosis{kind="healthy",hop=""}'), why).toBe(1)
    // A hop that loses nothing is decided clean after 27 probes (analysis/sequential.ts).
    expect(answer.get('mc_diagnosis_rounds'), why).toBeGreaterThanOrEqual(27)
    expect(answer.get('mc_diagnosis_rounds'), why).toBeLessThan(100)
  })
})
