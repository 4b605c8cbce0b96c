import bcrypt from 'bcryptjs'
import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {ConfigError} from '../../src/core/errors.js'
import {silentLog} from '../../src/core/log.js'
import {defaultSandboxDir, localVantageRefusal} from '../../src/sandbox/control.js'
import {Exporter} from '../../src/services/exporter.js'
import {allowedProbes, parseAllowList, RefusedRequest, resolveDiagnose, resolveProbe} from '../../src/services/exporter-allow.js'
import {renderAlertRules, renderPrometheusConfig} from '../../src/services/exporter-prometheus.js'
import {parseListen} from '../../src/services/exporter-server.js'
import {BasicAuth, readWebConfig} from '../../src/services/exporter-web.js'
import {CheckHistory} from '../../src/store/history.js'

const run = promisify(execFile)
let work: string

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mc-exporter-config-'))
})
afterAll(() => rmSync(work, {recursive: true, force: true}))

const ALLOW = parseAllowList(
  `defaults: {count: 3}
allow:
  - targets: [192.0.2.10, db.example.net]
    checks: [ping, "tcp:5432", path]
  - targets: [192.0.2.20]
    checks: ["https:8443"]
    from: [local, edge-1]
    timeout: 5
diagnose: [192.0.2.10]
`,
  'allow.yml',
)
const VANTAGES = ['local', 'edge-1', 'edge-2']

describe('the allow-list', () => {
  it("resolves an allowed request to one check definition with the entry's settings", () => {
    expect(resolveProbe(ALLOW, {target: '192.0.2.10', check: 'ping', from: 'edge-2'}, VANTAGES)).toEqual({
      vantage: 'edge-2',
      definition: {kind: 'ping', target: '192.0.2.10', count: 3},
    })
    expect(resolveProbe(ALLOW, {target: '192.0.2.20', check: 'HTTPS:8443'}, VANTAGES)).toEqual({
      vantage: 'local',
      definition: {kind: 'https', port: 8443, target: '192.0.2.20', timeoutS: 5},
    })
  })

  it('refuses, with the reason, whatever it does not name', () => {
    const refused = (query: Record<string, string>) => {
      try {
        resolveProbe(ALLOW, query, VANTAGES)
      } catch (error) {
        expect(error).toBeInstanceOf(RefusedRequest)
        return (error as Error).message
      }
      throw new Error(`not refused: ${JSON.stringify(query)}`)
    }
    expect(refused({check: 'ping'})).toMatch(/Missing "target"/)
    expect(refused({target: '192.0.2.99', check: 'ping'})).toMatch(/192\.0\.2\.99 is not in the allow-list/)
    expect(refused({target: '192.0.2.10', check: 'tcp:22'})).toMatch(/Check tcp:22 of 192\.0\.2\.10 is not in the allow-list/)
    expect(refused({target: '192.0.2.10', check: 'smtp'})).toMatch(/Unknown check "smtp"/)
    expect(refused({target: '192.0.2.20', check: 'https:8443', from: 'edge-2'})).toMatch(/Vantage point "edge-2" may not check 192\.0\.2\.20/)
    expect(refused({target: '192.0.2.10', check: 'ping', from: 'edge-9'})).toMatch(/Unknown vantage point "edge-9"/)
    // Hostile targets fail the checks' own host validation before the allow-list is read.
    for (const target of ['192.0.2.10;reboot', '$(id)', '-oProxyCommand=sh', 'a b', '`id`', '192.0.2.10\n']) {
      expect(refused({target, check: 'ping'})).toMatch(/^target /)
    }
    expect(() => resolveDiagnose(ALLOW, 'db.example.net')).toThrow(/may not be diagnosed/)
    expect(resolveDiagnose(ALLOW, '192.0.2.10')).toBe('192.0.2.10')
  })

  it('rejects a file whose checks would not validate, naming the entry', () => {
    expect(() => parseAllowList('allow: [{targets: ["a;b"], checks: [ping]}]', 'bad.yml')).toThrow(ConfigError)
    expect(() => parseAllowList('allow: [{targets: [192.0.2.1], checks: [ping], count: 50, timeout: 5}]', 'bad.yml')).toThrow(/allow\[0\].*timeoutS must exceed count/)
    expect(() => parseAllowList('targets: [192.0.2.1]', 'bad.yml')).toThrow(/needs an "allow" list/)
  })

  it('lists every target x check x vantage point it allows, once', () => {
    const probes = allowedProbes(ALLOW, VANTAGES)
    expect(probes).toHaveLength(2 * 3 * 3 + 2)
    expect(probes.filter((p) => p.check === 'https:8443').map((p) => p.vantage)).toEqual(['local', 'edge-1'])
  })
})

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`

describe('the web config (exporter-toolkit format)', () => {
  it('checks basic auth against bcrypt hashes, $2y$ (htpasswd -B) included', async () => {
    const hash = bcrypt.hashSync('pw', 4).replace(/^\$2b\$/, '$2y$')
    const file = join(work, 'web.yml')
    writeFileSync(file, `basic_auth_users:\n  prom: ${hash}\n`)
    const web = readWebConfig(file)
    const auth = new BasicAuth(web.users)
    expect(await auth.check(basic('prom:pw'))).toBe(true)
    expect(await auth.check(basic('prom:pw'))).toBe(true)
    expect(await auth.check(basic('prom:wrong'))).toBe(false)
    expect(await auth.check(basic('other:pw'))).toBe(false)
    expect(await auth.check('')).toBe(false)
    expect(await auth.check('Bearer abc')).toBe(false)
  })

  it('refuses settings it does not support instead of ignoring them, and plain-text passwords', () => {
    const file = join(work, 'web-bad.yml')
    writeFileSync(file, 'tls_server_config:\n  cert_file: a.crt\n  key_file: a.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n')
    expect(() => readWebConfig(file)).toThrow(/cipher_suites is not supported/)
    writeFileSync(file, 'basic_auth_users:\n  prom: secret\n')
    expect(() => readWebConfig(file)).toThrow(/must be a bcrypt hash/)
    writeFileSync(file, 'tls_server_config:\n  cert_file: missing.crt\n  key_file: missing.key\n')
    expect(() => readWebConfig(file)).toThrow(/cannot read tls_server_config.cert_file .*missing\.crt: ENOENT/)
  })
})

describe('mc exporter config', () => {
  it('shards probes over several exporters with hashmod, and promtool accepts config and rules', async () => {
    const options = {
      allow: ALLOW,
      vantages: VANTAGES,
      exporters: ['mc-a:9469', 'mc-b:9469', 'mc-c:9469'],
      intervalS: 30,
      diagnoseIntervalS: 60,
      scheme: 'http' as const,
      rulesFile: 'mc-rules.yml',
    }
    for (const shardBy of ['target', 'vantage'] as const) {
      const text = renderPrometheusConfig({...options, shardBy})
      const config = parseYaml(text) as {
        scrape_configs: {
          job_name: string
          relabel_configs?: Record<string, unknown>[]
          scrape_timeout?: string
          static_configs: {labels?: Record<string, string>; targets: string[]}[]
        }[]
      }
      const ping = config.scrape_configs.find((j) => j.job_name === 'mc_probe_ping')!
      expect(ping.static_configs.map((s) => s.labels?.vantage)).toEqual(VANTAGES)
      // ping with count 3: check_ping's 10 s timeout, 1 s for the portable ping's spacing, 2 s for the answer.
      expect(ping.scrape_timeout).toBe('13s')
      const hashmod = ping.relabel_configs!.find((r) => r.action === 'hashmod')!
      expect(hashmod).toMatchObject({modulus: 3, source_labels: [shardBy === 'target' ? '__address__' : 'vantage']})
      expect(ping.relabel_configs!.filter((r) => r.target_label === '__address__').map((r) => [r.regex, r.replacement])).toEqual([
        ['0', 'mc-a:9469'],
        ['1', 'mc-b:9469'],
        ['2', 'mc-c:9469'],
      ])
      const file = join(work, `prometheus-${shardBy}.yml`)
      writeFileSync(file, text)
      writeFileSync(join(work, 'mc-rules.yml'), renderAlertRules({forS: 120, intervalS: 30}))
      const checked = await run('promtool', ['check', 'config', file])
      expect(checked.stdout).toMatch(/SUCCESS: .* is valid prometheus config/)
    }
    const rules = await run('promtool', ['check', 'rules', join(work, 'mc-rules.yml')])
    expect(rules.stdout).toMatch(/SUCCESS: 5 rules found/)
  })

  it('names alert rules for every fault the diagnosis knows, with the given for:', () => {
    const rules = parseYaml(renderAlertRules({forS: 90, intervalS: 15})) as {groups: {interval: string; rules: {alert: string; for: string}[]}[]}
    expect(rules.groups[0].interval).toBe('15s')
    expect(rules.groups[0].rules.map((r) => r.alert)).toEqual(['McTargetDown', 'McVantageSide', 'McTargetSide', 'McSharedPath', 'McExporterScrapeFailing'])
    expect(new Set(rules.groups[0].rules.map((r) => r.for))).toEqual(new Set(['90s']))
  })
})

describe('--listen', () => {
  it('takes host:port, [v6]:port and a bare port (loopback)', () => {
    expect(parseListen('127.0.0.1:9469')).toEqual({host: '127.0.0.1', port: 9469})
    expect(parseListen('[::1]:9469')).toEqual({host: '::1', port: 9469})
    expect(parseListen('9469')).toEqual({host: '127.0.0.1', port: 9469})
    expect(parseListen(':9469')).toEqual({host: '::', port: 9469})
    expect(() => parseListen('127.0.0.1:99999')).toThrow(/Bad --listen/)
    expect(() => parseListen('nonsense')).toThrow(/Bad --listen/)
  })
})

describe('a networked sandbox running on this machine', () => {
  // Its state names the ranges its namespaces hold; a loopback range here, so that a guard that
  // failed would send its ping no farther than this machine.
  const TARGET = '127.77.0.1'
  let holder: ChildProcess | undefined
  let exporter: Exporter | undefined

  beforeAll(() => {
    const dir = defaultSandboxDir()
    mkdirSync(dir, {recursive: true})
    // A live process whose command line says sandbox stands for the sandbox server.
    holder = spawn('sleep', ['600'], {argv0: 'mc-sandbox-stand-in', stdio: 'ignore'})
    writeFileSync(join(dir, 'sandbox.pid'), `${holder.pid}\n`)
    writeFileSync(join(dir, 'state.json'), JSON.stringify({networkRanges: ['127.77.0.0/16']}))
  })

  afterAll(async () => {
    await exporter?.close()
    if (holder && holder.exitCode === null) {
      const exited = once(holder, 'exit')
      holder.kill('SIGKILL')
      await exited
    }
    rmSync(defaultSandboxDir(), {recursive: true, force: true})
  })

  it('keeps local out of /diagnose and refuses /probe from local for its addresses, as --from all does', async () => {
    expect(localVantageRefusal([TARGET])).toMatch(/inside the networked sandbox/)
    const allow = parseAllowList(`allow:\n  - targets: [${TARGET}]\n    checks: [ping]\n    from: [local]\ndiagnose: [${TARGET}]\n`, 'allow.yml')
    exporter = Exporter.open({allow, log: silentLog, timeoutOffsetS: 0.5, defaultTimeoutS: 10, maxAgeS: 300, localRefusal: (targets) => localVantageRefusal(targets)})
    expect(exporter.vantages).toEqual(['local'])

    await expect(exporter.probe(new URLSearchParams({target: TARGET, check: 'ping', from: 'local'}), 5000)).rejects.toThrow(
      new RefusedRequest(`Vantage point "local" may not check ${TARGET}: ${localVantageRefusal([TARGET])}.`),
    )
    // No vantage point is left to measure from: no evidence, and nothing ran from this machine.
    const answer = await exporter.diagnose(new URLSearchParams({target: TARGET}), 5000)
    expect(answer.body).toMatch(/^mc_diagnosis\{kind="inconclusive",hop=""\} 1$/m)
    expect(answer.body).toMatch(/^mc_diagnosis_running 0$/m)
    const history = CheckHistory.open()
    try {
      expect(history.series({target: TARGET})).toEqual([])
    } finally {
      history.close()
    }
  })
})
