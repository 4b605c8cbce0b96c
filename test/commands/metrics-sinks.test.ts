import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mc} from '../helpers/run.js'
import {killStrayChildren, mcEnv, spawnMc} from '../probes/helpers.js'

/** Issue 20 item 12: a metrics sink that fails is exit 10, with the results printed all the same. */

const dir = mkdtempSync(join(tmpdir(), 'mc-sinks-'))
let closedPort: number
let target: {close(): void; port: number}

/** A port nothing listens on: bound, read, released. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  const {port} = server.address() as {port: number}
  await new Promise((resolve) => {
    server.close(resolve)
  })
  return port
}

beforeAll(async () => {
  closedPort = await freePort()
  // The checked target answers, so the checks themselves are OK and only the sink fails.
  const server = createServer((socket) => socket.end())
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  target = {close: () => server.close(), port: (server.address() as {port: number}).port}
})

afterAll(() => {
  killStrayChildren()
  target.close()
  rmSync(dir, {recursive: true, force: true})
})

const check = () => ['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${target.port}`, '--from', 'local', '--tools', 'portable']

describe('metrics sinks', () => {
  it('--prom-textfile into a missing directory: exit 10, the directory is not created, the results are printed', async () => {
    const missing = join(dir, 'nonexistent', 'dir')
    const {exitCode, stdout, stderr} = await mc([...check(), '--json', '--prom-textfile', join(missing, 'mc.prom')])
    expect(exitCode).toBe(10)
    expect(existsSync(join(dir, 'nonexistent'))).toBe(false)
    const json = JSON.parse(stdout) as {error: {code: string; message: string}; results: {state: string}[]}
    expect(json.error.code).toBe('OUTPUT')
    expect(json.error.message).toContain('prometheus textfile')
    expect(json.results.map((r) => r.state)).toEqual(['OK'])
    expect(stderr).toContain('does not exist')
  })

  it('Graphite refusing the connection: exit 10', async () => {
    const {exitCode, stderr, stdout} = await mc([...check(), '--graphite', `127.0.0.1:${closedPort}`])
    expect(exitCode).toBe(10)
    expect(stderr).toContain(`graphite 127.0.0.1:${closedPort}`)
    expect(stdout).toContain('OK')
  })

  it('Pushgateway refusing the connection: exit 10', async () => {
    const {exitCode, stderr} = await mc([...check(), '--pushgateway', `http://127.0.0.1:${closedPort}/`])
    expect(exitCode).toBe(10)
    expect(stderr).toContain('pushgateway')
  })

  it('with --output nagios an OK answer becomes UNKNOWN (3), the plugin line still printed', async () => {
    const {exitCode, stdout} = await mc([...check(), '--output', 'nagios', '--prom-textfile', join(dir, 'missing', 'mc.prom')])
    expect(exitCode).toBe(3)
    expect(stdout).toMatch(/^MC OK/)
  })

  it('a working textfile sink still exits 0', async () => {
    const file = join(dir, 'mc.prom')
    const {exitCode} = await mc([...check(), '--prom-textfile', file])
    expect(exitCode).toBe(0)
    expect(readFileSync(file, 'utf8')).toContain('mc_check_state')
  })

  it('--every: a round whose sink failed is still a round; after SIGINT the exit code is 10', async () => {
    const child = spawnMc([...check(), '--every', '1s', '--prom-textfile', join(dir, 'gone', 'mc.prom')], mcEnv(process.env.MC_HOME!, 'default'))
    // The first round has run and its sink has failed: only then interrupt.
    await child.waitForStderr(/Warning: prometheus textfile/)
    child.child.kill('SIGINT')
    const run = await child.done
    expect(run.code, run.stderr).toBe(10)
    expect(run.stderr).toMatch(/Stopped after [1-9]\d* rounds?\./)
    expect(run.stderr).toMatch(/Metrics were not delivered in [1-9]\d* of [1-9]\d* round/)
  })
})
