import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {DeployResult} from '../../src/services/probe-deploy.js'
import type {ProbeListResult} from '../../src/services/probe-fleet.js'
import {writeProfile} from '../../src/store/config.js'
import {mcPaths} from '../../src/store/paths.js'
import {cloudNodes, inventoryRows, killStrayChildren, mc, mcEnv, openTestCloud, probeNodes, type Site, spawnMc, type TestCloud} from './helpers.js'

let cloud: TestCloud

beforeAll(async () => {
  cloud = await openTestCloud(300)
})

afterAll(async () => {
  killStrayChildren()
  await cloud?.close()
})

const ALPHA: Site[] = [
  {provider: 'ec2', region: 'us-east-1'},
  {provider: 'linode', region: 'us-west'},
  {provider: 'openstack', region: 'RegionOne'},
]
const BETA: Site[] = [
  {provider: 'ec2', region: 'us-east-1'},
  {provider: 'rackspace', region: 'ORD'},
  {provider: 'linode', region: 'us-east'},
]
const at = (sites: Site[]) => sites.flatMap((s) => ['--at', `${s.provider}:${s.region}`])

describe('mc processes at once', () => {
  it('two deploys of different fleets and lists running meanwhile lose and corrupt no inventory row', async () => {
    // A fresh MC_HOME: both deploys also race to create mc's key and, in EC2, its key pair and group.
    const alpha = spawnMc(['probe', 'deploy', '--fleet', 'alpha', ...at(ALPHA), '--json'], cloud.env)
    const beta = spawnMc(['probe', 'deploy', '--fleet', 'beta', ...at(BETA), '--json'], cloud.env)
    const deploys = Promise.all([alpha.done, beta.done])
    const exited = (c: typeof alpha) => c.child.exitCode !== null || c.child.signalCode !== null
    const finished = () => exited(alpha) && exited(beta)
    const seen: ProbeListResult[] = []
    while (!finished()) {
      const list = await mc(['probe', 'list', '--json'], cloud.env)
      expect(list.code, list.stdout + list.stderr).toBe(0)
      seen.push(list.json<ProbeListResult>())
    }
    const [a, b] = await deploys
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    expect(seen.length).toBeGreaterThan(0)

    const deployed = [...a.json<DeployResult>().probes, ...b.json<DeployResult>().probes]
    expect(deployed.every((p) => p.status === 'created')).toBe(true)
    const rows = inventoryRows(cloud.home)
    expect(rows).toHaveLength(6)
    for (const probe of deployed) {
      expect(rows.find((r) => r.name === probe.name)).toMatchObject({state: 'ready', nodeId: probe.nodeId, port: probe.port, host: '127.0.0.1'})
    }
    expect(new Set(rows.map((r) => r.nodeId)).size).toBe(6)

    const nodes = probeNodes(await cloudNodes([...ALPHA, ...BETA.filter((s) => s.provider !== 'ec2')]))
    expect(nodes.map((n) => n.id).sort()).toEqual(rows.map((r) => r.nodeId).sort())

    const after = await mc(['probe', 'list', '--json'], cloud.env)
    const result = after.json<ProbeListResult>()
    expect(result.untracked).toEqual([])
    expect(result.gone).toEqual([])
    expect(result.probes.map((p) => [p.name, p.state, p.live])).toEqual(rows.map((r) => [r.name, 'ready', 'running']))

    // Both fleets' probes answer checks over one key: the two deploys agreed on mc's key.
    const check = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${cloud.handle.port}`, '--json'], cloud.env)
    expect(check.code, check.stderr).toBe(0)
    const states = check.json<{results: {vantage: string; state: string}[]}>().results
    expect(states.map((r) => `${r.vantage} ${r.state}`).sort()).toEqual(['local', ...rows.map((r) => r.name)].map((v) => `${v} OK`).sort())

    const destroy = await mc(['probe', 'destroy', '--all', '--yes'], cloud.env)
    expect(destroy.code, destroy.stderr).toBe(0)
  })

  it('wrong credentials for one provider: the other probes deploy, exit 5, and the JSON names the failed one', async () => {
    writeProfile(mcPaths().configFile, 'badlinode', {...cloud.handle.profile, 'linode.token': 'f'.repeat(64)})
    const run = await mc(['probe', 'deploy', '--fleet', 'partial', ...at(BETA), '--json'], mcEnv(cloud.home, 'badlinode'))
    expect(run.code, run.stderr).toBe(5)
    const result = run.json<DeployResult & {errors: {provider: string; code: string; message: string}[]}>()
    const status = Object.fromEntries(result.probes.map((p) => [p.name, p.status]))
    expect(status).toEqual({'partial-ec2-us-east-1': 'created', 'partial-rackspace-ord': 'created', 'partial-linode-us-east': 'failed'})
    expect(result.errors).toEqual([expect.objectContaining({provider: 'partial-linode-us-east', code: 'AUTH', message: expect.stringMatching(/Linode rejected the token/)})])
    // The healthy ones are probes like any other; the failed one left no row behind.
    expect(inventoryRows(cloud.home).map((r) => [r.name, r.state])).toEqual([
      ['partial-ec2-us-east-1', 'ready'],
      ['partial-rackspace-ord', 'ready'],
    ])

    const destroy = await mc(['probe', 'destroy', '--fleet', 'partial', '--yes'], cloud.env)
    expect(destroy.code, destroy.stderr).toBe(0)
  })
})
