import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {afterAll, afterEach, describe, expect, it} from 'vitest'

import {ProviderError, TransientError} from '../../src/core/errors.js'
import {labelValue, metricName, pushToGateway, renderPrometheus, writePromTextfile} from '../../src/output/prometheus.js'
import {closedPort} from '../checks/servers.js'
import {freePort} from '../helpers/sshd.js'
import {sampleResults} from './results.js'

const dir = mkdtempSync(join(tmpdir(), 'mc-prom-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => {
    if (server) server.close(() => resolve())
    else resolve()
  })
  server = undefined
})

describe('renderPrometheus', () => {
  it('families in base units, labels on every sample, no timestamps', () => {
    const results = sampleResults()
    const text = renderPrometheus(results)
    const lines = text.trimEnd().split('\n')
    const families = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ').slice(2).join(' '))
    expect(families).toEqual([
      'mc_check_duration_seconds gauge',
      'mc_check_state gauge',
      'mc_check_timestamp_seconds gauge',
      'mc_dns_time_seconds gauge',
      'mc_http_size_bytes gauge',
      'mc_http_time_seconds gauge',
      'mc_ping_pl_ratio gauge',
      'mc_ping_rta_seconds gauge',
      'mc_tcp_time_seconds gauge',
    ])
    const rta = results[0].metrics.find((m) => m.name === 'rta')!.value!
    const pl = results[0].metrics.find((m) => m.name === 'pl')!.value!
    expect(lines).toContain(`mc_ping_rta_seconds{vantage="probe-a",target="10.231.2.2",check="ping"} ${rta / 1000}`)
    expect(lines).toContain(`mc_ping_pl_ratio{vantage="probe-a",target="10.231.2.2",check="ping"} ${pl / 100}`)
    expect(lines).toContain('mc_ping_pl_ratio{vantage="chicago 1",target="db.example.com",check="ping"} 1')
    expect(lines.filter((l) => l.startsWith('mc_ping_rta_seconds{'))).toHaveLength(1) // rta=U is left out
    expect(lines).toContain('mc_check_state{vantage="probe-c",target="127.0.0.1",check="tcp:443",kind="tcp",implementation="check_tcp"} 3')
    expect(lines).toContain('mc_check_duration_seconds{vantage="chicago 1",target="db.example.com",check="ping"} 10.004')
    for (const sample of lines.filter((l) => !l.startsWith('#'))) expect(sample, sample).toMatch(/^[a-z_]+\{[^}]*\} [^ ]+$/)
  })

  it('escapes label values and cleans metric names', () => {
    expect(labelValue('a"b\\c\nd')).toBe(String.raw`a\"b\\c\nd`)
    expect(metricName('mc_tcp:443-time')).toBe('mc_tcp_443_time')
    expect(metricName('9lives')).toBe('_9lives')
    const [template] = sampleResults()
    const text = renderPrometheus([
      {
        ...template,
        vantage: 'q"uote\\back\nline',
        metrics: [
          {name: 'odd.name', value: 3, unit: 'KB'},
          {name: 'hits', value: 7, unit: 'c'},
        ],
      },
    ])
    expect(text).toContain(String.raw`mc_ping_odd_name_bytes{vantage="q\"uote\\back\nline",target="10.231.2.2",check="ping"} 3072`)
    expect(text).toContain('# TYPE mc_ping_hits_total counter')
  })

  // Debian python3-prometheus-client: an independent parser of the exposition format.
  it.skipIf(!existsSync('/usr/lib/python3/dist-packages/prometheus_client'))('is what the Prometheus Python client parses, sample for sample', async () => {
    const results = sampleResults()
    const text = renderPrometheus(results)
    const script = [
      'import json, sys',
      'from prometheus_client.parser import text_string_to_metric_families',
      'out = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]',
      'print(json.dumps(out))',
    ].join('\n')
    const child = spawn('/usr/bin/python3', ['-c', script])
    child.stdin.end(text)
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
    })
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', resolve)
    })
    expect(code).toBe(0)
    const samples = JSON.parse(stdout) as [string, Record<string, string>, number][]
    const ours = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))
    expect(samples).toHaveLength(ours.length)
    expect(samples).toContainEqual(['mc_check_state', {vantage: 'chicago 1', target: 'db.example.com', check: 'ping', kind: 'ping', implementation: 'check_ping'}, 2])
  })
})

describe('writePromTextfile', () => {
  it('replaces the file atomically, readable by node_exporter, leaving no temp file', () => {
    // The directory is the collector's; mc never creates it (issue 20).
    mkdirSync(join(dir, 'textfile'))
    const path = join(dir, 'textfile', 'mc.prom')
    writePromTextfile(path, sampleResults())
    writePromTextfile(path, sampleResults().slice(0, 1))
    expect(readFileSync(path, 'utf8')).toBe(renderPrometheus(sampleResults().slice(0, 1)))
    expect((statSync(path).mode % 0o1000).toString(8)).toBe('644')
    expect(readdirSync(join(dir, 'textfile'))).toEqual(['mc.prom'])
  })
})

/** A Pushgateway stand-in: records each request. */
async function gateway(status = 200): Promise<{url: string; requests: {method: string; url: string; contentType: string; body: string}[]}> {
  const requests: {method: string; url: string; contentType: string; body: string}[] = []
  server = createServer((request: IncomingMessage, response) => {
    let body = ''
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => {
      requests.push({method: request.method!, url: request.url!, contentType: request.headers['content-type'] ?? '', body})
      response.writeHead(status).end(status === 200 ? '' : 'pushed metrics are invalid or inconsistent with existing metrics')
    })
  })
  await new Promise<void>((resolve) => {
    server!.listen(0, '127.0.0.1', resolve)
  })
  return {url: `http://127.0.0.1:${(server.address() as {port: number}).port}/`, requests}
}

describe('pushToGateway', () => {
  it('one PUT per vantage to /metrics/job/mc/vantage/<v>, the vantage label only in the path', async () => {
    const results = sampleResults()
    const {url, requests} = await gateway()
    const pushed = await pushToGateway(url, results)
    const base = url.replace(/\/$/, '')
    const spaced = Buffer.from('chicago 1').toString('base64url')
    expect(pushed).toEqual([
      `${base}/metrics/job/mc/vantage/probe-a`,
      `${base}/metrics/job/mc/vantage@base64/${spaced}`,
      `${base}/metrics/job/mc/vantage/local`,
      `${base}/metrics/job/mc/vantage/probe-c`,
    ])
    expect(requests.map((r) => [r.method, r.url])).toEqual(pushed.map((p) => ['PUT', p.slice(base.length)]))
    expect(requests.every((r) => r.contentType === 'text/plain; version=0.0.4; charset=utf-8')).toBe(true)
    const lines = requests[0].body.trimEnd().split('\n')
    expect(lines).toContain('mc_check_state{target="127.0.0.1",check="tcp:22",kind="tcp",implementation="check_tcp"} 0')
    expect(lines).toContain('mc_check_state{target="10.231.2.2",check="ping",kind="ping",implementation="check_ping"} 1')
    expect(requests.every((r) => !r.body.includes('vantage='))).toBe(true)
    expect(requests[0].body).toBe(
      renderPrometheus(
        results.filter((r) => r.vantage === 'probe-a'),
        {omitLabels: ['vantage']},
      ),
    )
  })

  it('POST when asked; a refusal is a ProviderError with the status; no gateway is a TransientError', async () => {
    const {url, requests} = await gateway(400)
    const error = await pushToGateway(url, sampleResults().slice(0, 1), {method: 'POST'}).catch((error_: unknown) => error_)
    expect(requests[0].method).toBe('POST')
    expect(error).toBeInstanceOf(ProviderError)
    expect((error as ProviderError).status).toBe(400)
    expect((error as Error).message).toContain('refused the metrics of probe-a: HTTP 400')
    await expect(pushToGateway(`http://127.0.0.1:${await closedPort()}`, sampleResults())).rejects.toBeInstanceOf(TransientError)
  })

  // A real Pushgateway (Debian prometheus-pushgateway) validates what it is given and serves it back.
  it.skipIf(!existsSync('/usr/bin/prometheus-pushgateway'))('a real Pushgateway accepts the pushes and serves them with job and vantage', async () => {
    const port = await freePort()
    const child = spawn('/usr/bin/prometheus-pushgateway', [`--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], {stdio: 'ignore'})
    try {
      const url = `http://127.0.0.1:${port}`
      for (let i = 0; i < 100; i++) {
        if (
          await fetch(`${url}/-/ready`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break
        await sleep(50)
      }
      await pushToGateway(url, sampleResults())
      const exposed = await (await fetch(`${url}/metrics`)).text()
      expect(exposed).toContain('mc_check_state{check="ping",implementation="check_ping",instance="",job="mc",kind="ping",target="db.example.com",vantage="chicago 1"} 2')
      expect(exposed).toContain('mc_tcp_time_seconds{check="tcp:22",instance="",job="mc",target="127.0.0.1",vantage="probe-a"}')
      // PUT replaces the group: a second push for probe-a without the tcp check drops it.
      await pushToGateway(url, sampleResults().slice(0, 1))
      const again = await (await fetch(`${url}/metrics`)).text()
      expect(again).not.toContain('mc_tcp_time_seconds{check="tcp:22"')
      expect(again).toContain('vantage="chicago 1"')
    } finally {
      child.kill('SIGTERM')
      await new Promise((resolve) => {
        child.once('close', resolve)
      })
    }
  })
})
