import {execFile, execFileSync} from 'node:child_process'
import {chmodSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it, vi} from 'vitest'

import type {Verdict} from '../../src/analysis/types.js'
import {inside, killAll, namespacesOf, netnsOf, processesWith} from './netns.js'

/**
 * The networked sandbox end to end, as a user runs it: `mc sandbox start --network`, probes deployed
 * in EC2 (behind the shared transit) and Linode (peering with the target's provider), the data center
 * added as a vantage point, faults on links, `mc check diagnose`, and a stop that leaves no process
 * and so no namespace behind. Once as root (plain namespaces), once as the unprivileged user nobody
 * (a user namespace of its own). Needs root to run both (CI runs as root).
 *
 * Verdicts: 50 % loss on the transit and 50 mtr rounds. The faulty hop loses Binomial(50, 0.5)
 * probes, 25 ± 3.5; reading it as healthy needs at most 4 (under the 10 % threshold), p < 1e-9, and a
 * clean hop loses nothing in the namespaces, so the verdict does not depend on the machine's load.
 */
const isRoot = process.getuid?.() === 0
const MC = new URL('../../bin/run.js', import.meta.url).pathname
vi.setConfig({testTimeout: 240_000})

type Status = {
  pid: number
  network?: {mode: string; target: string; transit: string; datacenter: {ssh: {host: string; port: number; user: string; keyFile: string}}; sites: {cloud: string; via: string}[]}
  networkUnavailable?: string
  faults: string[]
}

type Runner = {home: string; user?: string; mc(args: string[], timeoutMs?: number): Promise<{code: number; stdout: string; stderr: string}>}

/**
 * mc as a fresh user would run it: its own MC_HOME, as root or (with setpriv) as nobody; `noNetns`
 * runs it in a user namespace of its own whose limit of network namespaces is 0 (that limit is per
 * user namespace: nothing outside changes), a kernel where the network cannot be built.
 */
function runner(user?: string, noNetns = false): Runner {
  const home = mkdtempSync(join(tmpdir(), 'mc-net-test-'))
  if (user) chmodSync(home, 0o777)
  const env = [`HOME=${home}`, `MC_HOME=${join(home, 'mc')}`, 'MC_PROFILE=sandbox', 'PATH=/usr/bin:/bin', 'CI=1']
  const argv = (args: string[]) =>
    user
      ? ['setpriv', ['--reuid', user, '--regid', 'nogroup', '--clear-groups', 'env', '-i', ...env, process.execPath, MC, ...args]]
      : noNetns
        ? [
            'unshare',
            ['--user', '--map-root-user', '/bin/sh', '-c', 'echo 0 > /proc/sys/user/max_net_namespaces && exec "$@"', 'sh', 'env', '-i', ...env, process.execPath, MC, ...args],
          ]
        : ['env', ['-i', ...env, `PATH=/usr/sbin:/usr/bin:/sbin:/bin`, process.execPath, MC, ...args]]
  return {
    home,
    user,
    mc(args, timeoutMs = 120_000) {
      const [file, list] = argv(args) as [string, string[]]
      return new Promise((resolve) => {
        execFile(file, list, {timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
          resolve({code: error ? ((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
        })
      })
    },
  }
}

/** Processes carrying this run's MC_HOME (the sandbox, its namespace holders, the nodes' shells). */
function processesOf(home: string): number[] {
  return processesWith((mcHome) => mcHome === join(home, 'mc'))
}

const started: Runner[] = []

afterAll(async () => {
  // A failed test still stops its sandbox (by its data dir, hence its pidfile) and removes its files.
  for (const r of started) {
    await r.mc(['sandbox', 'stop'], 30_000)
    killAll(processesOf(r.home))

    rmSync(r.home, {recursive: true, force: true})
  }
})

function canRunRootless(): string | undefined {
  try {
    execFileSync('setpriv', ['--reuid', 'nobody', '--regid', 'nogroup', '--clear-groups', 'unshare', '--user', '--map-root-user', '--net', 'true'], {stdio: 'pipe'})
    return undefined
  } catch (error) {
    return String((error as {stderr?: Buffer}).stderr ?? error).trim()
  }
}

const EC2 = 'p-ec2-us-east-1'
const LINODE = 'p-linode-us-west'

async function storyPlayedOut(r: Runner, expectedMode: string): Promise<void> {
  const start = await r.mc(['sandbox', 'start', '--detach', '--network', '--port', '0', '--boot-delay', '200'])
  started.push(r)
  expect(start.code, start.stderr).toBe(0)
  const status = JSON.parse((await r.mc(['sandbox', 'status', '--json'])).stdout) as Status
  expect(status.networkUnavailable).toBeUndefined()
  expect(status.network?.mode).toBe(expectedMode)
  const {target, transit, datacenter} = status.network!

  const deploy = await r.mc(['probe', 'deploy', '--fleet', 'p', '--at', 'ec2:us-east-1', '--at', 'linode:us-west'])
  expect(deploy.code, deploy.stderr).toBe(0)
  const {ssh} = datacenter
  const add = await r.mc(['probe', 'add', 'dc', '--host', ssh.host, '--port', String(ssh.port), '--user', ssh.user, '--key', ssh.keyFile, '--yes'])
  expect(add.code, add.stderr).toBe(0)

  // Each vantage point runs in its own namespace: its address is the site's, and nothing of the sandbox is in this machine's namespace.
  const address = await r.mc(['probe', 'exec', 'dc', '--', 'ip -4 -o addr show dev lan'])
  expect(address.stdout).toContain('10.1.0.10/24')
  const {sites} = (JSON.parse((await r.mc(['sandbox', 'status', '--json'])).stdout) as Status).network!
  expect(sites.map((s) => `${s.cloud}:${s.via}`).sort()).toEqual(['ec2:transit', 'linode:direct'])
  if (!r.user) expect(execFileSync('ip', ['-o', 'addr'], {encoding: 'utf8'})).not.toMatch(/ (10\.1\.0|10\.8\.1|10\.90\.0|10\.94\.0|172\.16\.\d+)\.\d+\//)

  // Namespaces exist only while processes hold them: these are this sandbox's.
  const namespaces = namespacesOf(processesOf(r.home))
  expect(namespaces.size).toBeGreaterThanOrEqual(9) // dc, dcr, tr, tgr, tg and a host and a router per site

  const bad = await r.mc(['sandbox', 'fault', 'add', 'loss=nowhere:30%'])
  expect(bad.code).toBe(2)
  expect(bad.stderr).toContain('Unknown link "nowhere"')

  const add50 = await r.mc(['sandbox', 'fault', 'add', 'loss=transit:50%'])
  expect(add50.code, add50.stderr).toBe(0)
  expect(add50.stdout).toContain('loss=transit:50%')
  const from = ['dc', EC2, LINODE].join(',')
  const faulty = await r.mc(['check', 'diagnose', '--target', target, '--from', from, '--json'])
  expect(faulty.code, faulty.stderr).toBe(0)
  const verdict = (JSON.parse(faulty.stdout) as {verdicts: Verdict[]}).verdicts[0]
  const why = `${verdict.kind}: ${verdict.explanation}`
  expect(verdict.kind, why).toBe('shared-path')
  expect(verdict.faultHop?.address, why).toBe(transit)
  expect([...verdict.affected].sort(), why).toEqual(['dc', EC2])
  expect(verdict.healthy, why).toEqual([LINODE])

  const cleared = await r.mc(['sandbox', 'fault', 'clear'])
  expect(cleared.stdout).toContain('No faults active.')
  const healthy = await r.mc(['check', 'diagnose', '--target', target, '--from', from, '--json'])
  expect((JSON.parse(healthy.stdout) as {verdicts: Verdict[]}).verdicts[0].kind).toBe('healthy')

  // A region's uplink down: only that region's node loses the target.
  await r.mc(['sandbox', 'fault', 'add', 'down=linode:us-west'])
  const cut = await r.mc(['probe', 'exec', LINODE, '--', `ping -n -c 2 -W 1 ${target}`])
  expect(cut.code).not.toBe(0)
  const fine = await r.mc(['probe', 'exec', EC2, '--', `ping -n -c 2 -W 1 ${target}`])
  expect(fine.code, fine.stdout + fine.stderr).toBe(0)
  const web = await r.mc(['check', 'run', '--target', target, '--from', EC2, '--check', 'http:80', '--json'])
  expect(web.code, web.stderr).toBe(0)

  const held = processesOf(r.home)
  const stop = await r.mc(['sandbox', 'stop'])
  expect(stop.code).toBe(0)
  expect(processesOf(r.home)).toEqual([])
  expect(held.filter((pid) => netnsOf(pid) !== undefined)).toEqual([])
  expect(inside(namespaces)).toEqual([])
}

describe.skipIf(!isRoot)('networked sandbox (needs root: runs as root, then as nobody)', () => {
  it('as root: plain namespaces; a transit fault is found, cleared, and nothing is left behind', async () => {
    await storyPlayedOut(runner(), 'root')
  })

  it('where no network namespace can be made: says why, runs on loopback (exit 0), refuses network faults', async () => {
    const r = runner(undefined, true)
    const start = await r.mc(['sandbox', 'start', '--detach', '--network', '--port', '0'])
    started.push(r)
    expect(start.code, start.stderr).toBe(0)
    expect(start.stderr).toMatch(/mc sandbox: no network: cannot create a network namespace .*No space left on device.*Running on loopback instead/s)
    const status = JSON.parse((await r.mc(['sandbox', 'status', '--json'])).stdout) as Status
    expect(status.network).toBeUndefined()
    expect(status.networkUnavailable).toContain('cannot create a network namespace')
    const fault = await r.mc(['sandbox', 'fault', 'add', 'loss=transit:30%'])
    expect(fault.code).toBe(2)
    expect(fault.stderr).toContain('network faults need the networked sandbox')
    const api = await r.mc(['sandbox', 'fault', 'add', 'throttle=ec2:0.5'])
    expect(api.stdout).toContain('Active faults: throttle=ec2:0.5')
    expect((await r.mc(['sandbox', 'stop'])).code).toBe(0)
    expect(processesOf(r.home)).toEqual([])
  })

  const rootless = canRunRootless()
  if (rootless) console.warn(`networked sandbox: rootless skipped: nobody cannot create a user namespace here (${rootless})`)
  it.skipIf(rootless !== undefined)('as nobody: a user namespace of its own; the same story', async () => {
    await storyPlayedOut(runner('nobody'), 'rootless')
  })
})
