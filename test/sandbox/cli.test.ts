import {captureOutput} from '@oclif/test'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import SandboxReset from '../../src/commands/sandbox/reset.js'
import SandboxStart from '../../src/commands/sandbox/start.js'
import SandboxStatusCommand from '../../src/commands/sandbox/status.js'
import SandboxStop from '../../src/commands/sandbox/stop.js'
import {ExitCode} from '../../src/core/errors.js'
import {defaultSandboxDir} from '../../src/sandbox/control.js'
import {mc, parseJson} from '../helpers/run.js'
import {http} from './helpers.js'

const root = new URL('../..', import.meta.url).pathname
const commands = {
  start: (argv: string[]) => SandboxStart.run(argv, root),
  status: (argv: string[]) => SandboxStatusCommand.run(argv, root),
  stop: (argv: string[]) => SandboxStop.run(argv, root),
  reset: (argv: string[]) => SandboxReset.run(argv, root),
}

/**
 * Run `mc sandbox <verb>` in-process from its class, as oclif would: the command classes load
 * without depending on oclif.manifest.json being regenerated first.
 */
async function sandbox(args: string[]): Promise<{stdout: string; stderr: string; exitCode: number}> {
  const [verb, ...rest] = args as [keyof typeof commands, ...string[]]
  const {stdout, stderr, error} = await captureOutput(() => commands[verb](rest))
  const exitCode = error ? ((error as {oclif?: {exit?: number}}).oclif?.exit ?? 1) : 0
  return {stdout, stderr, exitCode}
}

type Status = {
  running: boolean
  pid?: number
  port?: number
  dataDir: string
  profile: string
  endpoints?: Record<string, string>
  credentials?: {linode: {token: string}; digitalocean: {token: string}; ec2: {accessKeyId: string; secretAccessKey: string}}
  nodes?: Record<string, number>
}

const started: number[] = []

function bearer(status: Status): Record<string, string> {
  return {authorization: `Bearer ${status.credentials!.linode.token}`}
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(() => {
  // A test that failed half-way must still not leave a sandbox behind: kill its process group.
  for (const pid of started) {
    if (!alive(pid)) continue
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      process.kill(pid, 'SIGKILL')
    }
  }
})

describe('mc sandbox start / status / reset / stop', () => {
  it('runs a detached sandbox, writes the sandbox profile, resets it while running, and stops it by PID', async () => {
    const dataDir = defaultSandboxDir()
    const before = await sandbox(['status', '--json'])
    expect(before.exitCode).toBe(0)
    expect(parseJson<Status>(before.stdout)).toEqual({running: false, dataDir, profile: 'sandbox'})

    const start = await sandbox(['start', '--detach', '--port', '0', '--boot-delay', '100', '--json'])
    expect(start.exitCode).toBe(0)
    const status = parseJson<Status>(start.stdout)
    started.push(status.pid!)
    expect(status).toMatchObject({running: true, dataDir, profile: 'sandbox'})
    expect(status.pid).not.toBe(process.pid)
    expect(alive(status.pid!)).toBe(true)
    expect(readFileSync(join(dataDir, 'sandbox.pid'), 'utf8').trim()).toBe(String(status.pid))
    expect(status.endpoints).toEqual({
      ec2: `http://127.0.0.1:${status.port}`,
      rackspace: `http://127.0.0.1:${status.port}/rackspace`,
      openstack: `http://127.0.0.1:${status.port}/identity/v3`,
      linode: `http://127.0.0.1:${status.port}`,
      digitalocean: `http://127.0.0.1:${status.port}`,
    })

    const config = JSON.parse(readFileSync(join(process.env.MC_HOME!, 'config.json'), 'utf8')) as {profiles: Record<string, Record<string, string>>}
    expect(config.profiles.sandbox).toMatchObject({
      'ec2.endpoint': status.endpoints!.ec2,
      'ec2.accessKeyId': status.credentials!.ec2.accessKeyId,
      'linode.endpoint': status.endpoints!.linode,
      'linode.token': status.credentials!.linode.token,
      'openstack.endpoint': status.endpoints!.openstack,
      'rackspace.endpoint': status.endpoints!.rackspace,
      'digitalocean.endpoint': status.endpoints!.digitalocean,
      'digitalocean.token': status.credentials!.digitalocean.token,
    })

    const human = await sandbox(['status'])
    expect(human.stdout).toContain(`mc sandbox is running: pid ${status.pid}`)
    expect(human.stdout).not.toContain(status.credentials!.ec2.secretAccessKey)
    expect(human.stdout).not.toContain(status.credentials!.linode.token)
    expect(human.stdout).not.toContain(status.credentials!.digitalocean.token)

    const linode = `${status.endpoints!.linode}/v4/linode/instances`
    const created = await http(linode, {
      method: 'POST',
      headers: bearer(status),
      json: {region: 'us-east', type: 'g6-nanode-1', label: 'cli-test'},
    })
    expect(created.status).toBe(200)
    const counted = parseJson<Status>((await sandbox(['status', '--json'])).stdout)
    expect(counted.nodes).toEqual({ec2: 0, rackspace: 0, openstack: 0, linode: 1, digitalocean: 0})

    const listed = await mc(['nodes', 'list', '--profile', 'sandbox', '--provider', 'linode', '--json'])
    expect(listed.exitCode).toBe(0)
    expect(parseJson<{nodes: {name: string; provider: string}[]}>(listed.stdout).nodes.map((n) => [n.provider, n.name])).toEqual([['linode', 'cli-test']])

    const again = await sandbox(['start', '--detach', '--json'])
    expect(again.exitCode).toBe(1)
    expect(parseJson<{error: {code: string; message: string}}>(again.stdout).error.code).toBe('SANDBOX_RUNNING')

    const reset = await sandbox(['reset', '--yes', '--json'])
    expect(parseJson(reset.stdout)).toEqual({reset: true, running: true})
    expect((await http(linode, {headers: bearer(status)})).body.results).toBe(0)

    const stop = await sandbox(['stop', '--json'])
    expect(stop.exitCode).toBe(0)
    expect(parseJson(stop.stdout)).toEqual({stopped: true, pid: status.pid})
    expect(alive(status.pid!)).toBe(false)
    expect(existsSync(join(dataDir, 'sandbox.pid'))).toBe(false)
    expect(parseJson<Status>((await sandbox(['status', '--json'])).stdout).running).toBe(false)
    expect(parseJson((await sandbox(['stop', '--json'])).stdout)).toEqual({stopped: false})
  })

  it('keeps state across a stop and start, on the same port; reset while stopped clears it', async () => {
    const first = parseJson<Status>((await sandbox(['start', '--detach', '--port', '0', '--json'])).stdout)
    started.push(first.pid!)
    const linode = `${first.endpoints!.linode}/v4/linode/instances`
    const headers = bearer(first)
    await http(linode, {method: 'POST', headers, json: {region: 'us-west', type: 'g6-nanode-1', label: 'survivor'}})
    await sandbox(['stop'])

    const second = parseJson<Status>((await sandbox(['start', '--detach', '--json'])).stdout)
    started.push(second.pid!)
    expect(second.port).toBe(first.port)
    expect(second.credentials).toEqual(first.credentials)
    expect((await http(linode, {headers})).body.data.map((l: {label: string}) => l.label)).toEqual(['survivor'])
    await sandbox(['stop'])

    expect(parseJson((await sandbox(['reset', '--yes', '--json'])).stdout)).toEqual({reset: true, running: false})
    const third = parseJson<Status>((await sandbox(['start', '--detach', '--json'])).stdout)
    started.push(third.pid!)
    expect((await http(linode, {headers})).body.results).toBe(0)
    expect(parseJson((await sandbox(['stop', '--json'])).stdout)).toEqual({stopped: true, pid: third.pid})
  })

  it('refuses bad faults, --json in the foreground, and reset without --yes off a terminal, with the usage exit code', async () => {
    const fault = await sandbox(['start', '--detach', '--fault', 'throttle=7'])
    expect(fault.exitCode).toBe(ExitCode.usage)
    expect(fault.stderr).toContain('Bad throttle rate')
    const foreground = await sandbox(['start', '--json'])
    expect(foreground.exitCode).toBe(ExitCode.usage)
    expect(parseJson<{error: {message: string}}>(foreground.stdout).error.message).toContain('--json needs --detach')
    const reset = await sandbox(['reset'])
    expect(reset.exitCode).toBe(ExitCode.usage)
    expect(reset.stderr).toContain('--yes')
  })
})
