import {copyFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ProbeListResult} from '../../src/services/probe-fleet.js'
import type {DeployResult} from '../../src/services/probe-deploy.js'
import type {ProbeDestroyResult} from '../../src/commands/probe/destroy.js'
import {silentLog} from '../../src/core/log.js'
import {openDriver} from '../../src/services/drivers.js'
import {cloudNodes, inventoryRows, killStrayChildren, mc, mcEnv, openTestCloud, probeNodes, type Site, type TestCloud} from './helpers.js'

/**
 * mc probe deploy / list / exec / destroy end to end: mc runs as a child process, exactly as a user
 * runs it, against the sandbox's EC2, Rackspace and Linode emulators; the clouds are then asked
 * through mc's drivers what really exists.
 */
const SITES: Site[] = [
  {provider: 'ec2', region: 'us-east-1'},
  {provider: 'rackspace', region: 'ORD'},
  {provider: 'linode', region: 'us-west'},
]
const AT = SITES.flatMap((s) => ['--at', `${s.provider}:${s.region}`])
const NAMES = ['edge-ec2-us-east-1', 'edge-linode-us-west', 'edge-rackspace-ord']

let cloud: TestCloud

beforeAll(async () => {
  cloud = await openTestCloud(300)
})

afterAll(async () => {
  killStrayChildren()
  await cloud?.close()
})

function byName<T extends {name: string}>(items: T[]): Record<string, T> {
  return Object.fromEntries(items.map((i) => [i.name, i]))
}

describe('mc probe deploy / list / destroy against three emulated clouds', () => {
  let first: DeployResult

  it('deploys one probe per cloud, records each node in the inventory, and the probes answer SSH', async () => {
    const run = await mc(['probe', 'deploy', '--fleet', 'edge', ...AT, '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    first = run.json<DeployResult>()
    expect(first.fleet).toBe('edge')
    expect(first.probes.map((p) => p.name).sort()).toEqual(NAMES)
    for (const probe of first.probes) {
      expect(probe).toMatchObject({status: 'created', host: '127.0.0.1', missingTools: []})
      expect(probe.nodeId).toBeTruthy()
    }

    const rows = byName(inventoryRows(cloud.home))
    for (const probe of first.probes) {
      expect(rows[probe.name]).toMatchObject({kind: 'cloud', fleet: 'edge', state: 'ready', nodeId: probe.nodeId, port: probe.port, provider: probe.provider})
    }

    // What the clouds hold: exactly these three nodes, tagged with their fleet and probe name.
    const nodes = probeNodes(await cloudNodes(SITES), 'edge')
    expect(nodes.map((n) => n.id).sort()).toEqual(first.probes.map((p) => p.nodeId).sort())
    for (const node of nodes) expect(node.tags['mc-probe']).toBe(first.probes.find((p) => p.nodeId === node.id)!.name)

    // The SSH session lands on the node the inventory names (the sandbox tells each session its node).
    const linode = first.probes.find((p) => p.provider === 'linode')!
    const exec = await mc(['probe', 'exec', linode.name, '--', 'echo', '$MC_SANDBOX_NODE'], cloud.env)
    expect(exec.code, exec.stderr).toBe(0)
    expect(exec.stdout.trim()).toBe(`linode/${linode.nodeId}`)
  })

  it('deploying the same fleet again reuses every healthy probe and creates no node', async () => {
    const before = probeNodes(await cloudNodes(SITES))
      .map((n) => n.id)
      .sort()
    const run = await mc(['probe', 'deploy', '--fleet', 'edge', ...AT, '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const again = run.json<DeployResult>()
    const firstByName = byName(first.probes)
    for (const probe of again.probes) expect(probe).toMatchObject({status: 'reused', nodeId: firstByName[probe.name].nodeId})
    expect(
      probeNodes(await cloudNodes(SITES))
        .map((n) => n.id)
        .sort(),
    ).toEqual(before)
  })

  it('finds drift both ways, then a new deploy replaces the probe whose node is gone', async () => {
    const linode = first.probes.find((p) => p.provider === 'linode')!
    // Behind mc's back: the Linode probe's node is deleted, and someone starts a node tagged as a probe.
    const linodeDriver = await openDriver('linode', {profile: 'sandbox', region: 'us-west', log: silentLog})
    await linodeDriver.destroyNode(linode.nodeId!)
    const ec2 = await openDriver('ec2', {profile: 'sandbox', region: 'us-east-1', log: silentLog})
    const stray = await ec2.createNode({
      name: 'stray',
      image: first.probes.find((p) => p.provider === 'ec2')!.image!,
      size: 't3.nano',
      tags: {'mc-fleet': 'edge', 'mc-probe': 'stray'},
    })
    await ec2.close?.()

    const list = await mc(['probe', 'list', '--json'], cloud.env)
    expect(list.code, list.stderr).toBe(0)
    const drift = list.json<ProbeListResult>()
    expect(drift.gone).toEqual([linode.name])
    expect(drift.untracked).toEqual([expect.objectContaining({provider: 'ec2', region: 'us-east-1', nodeId: stray.id, fleet: 'edge', probe: 'stray'})])
    expect(drift.errors).toEqual([])
    const live = Object.fromEntries(drift.probes.map((p) => [p.name, p.live]))
    expect(live).toEqual({'edge-ec2-us-east-1': 'running', 'edge-linode-us-west': 'gone', 'edge-rackspace-ord': 'running'})

    const human = await mc(['probe', 'list'], cloud.env)
    expect(human.stdout).toMatch(new RegExp(`untracked: ec2:us-east-1 node ${stray.id}`))
    expect(human.stdout).toMatch(/gone: probe edge-linode-us-west's node no longer exists/)

    const redeploy = await mc(['probe', 'deploy', '--fleet', 'edge', ...AT, '--json'], cloud.env)
    expect(redeploy.code, redeploy.stderr).toBe(0)
    const result = byName(redeploy.json<DeployResult>().probes)
    expect(result['edge-linode-us-west'].status).toBe('replaced')
    expect(result['edge-linode-us-west'].nodeId).not.toBe(linode.nodeId)
    expect(result['edge-ec2-us-east-1'].status).toBe('reused')
    expect(result['edge-rackspace-ord'].status).toBe('reused')
    expect(byName(inventoryRows(cloud.home))['edge-linode-us-west']).toMatchObject({state: 'ready', nodeId: result['edge-linode-us-west'].nodeId})

    await linodeDriver.close?.()
    // The stray is nobody's probe: clean it up so the destroy test sees only mc's own.
    const cleanup = await openDriver('ec2', {profile: 'sandbox', region: 'us-east-1', log: silentLog})
    await cleanup.destroyNode(stray.id)
    await cleanup.close?.()
  })

  it('a second machine (its own MC_HOME and key) deploying into the same account logs in to its own probe', async () => {
    const other = mkdtempSync(join(tmpdir(), 'mc-second-home-'))
    try {
      copyFileSync(join(cloud.home, 'config.json'), join(other, 'config.json'))
      const env = mcEnv(other)
      const run = await mc(['probe', 'deploy', '--fleet', 'other', '--at', 'linode:us-west', '--wait-timeout', '20', '--json'], env)
      expect(run.code, run.stdout + run.stderr).toBe(0)
      const [probe] = run.json<DeployResult>().probes
      expect(probe.status).toBe('created')
      const exec = await mc(['probe', 'exec', probe.name, '--', 'echo', '$MC_SANDBOX_NODE'], env)
      expect(exec.stdout.trim()).toBe(`linode/${probe.nodeId}`)
      const destroy = await mc(['probe', 'destroy', '--all', '--yes'], env)
      expect(destroy.code, destroy.stderr).toBe(0)
    } finally {
      rmSync(other, {recursive: true, force: true})
    }
  })

  it('destroy asks for --yes without a terminal, then destroys every node of the fleet and forgets it', async () => {
    const refused = await mc(['probe', 'destroy', '--fleet', 'edge'], cloud.env)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/pass --yes/)
    expect(inventoryRows(cloud.home)).toHaveLength(3)

    const run = await mc(['probe', 'destroy', '--fleet', 'edge', '--yes', '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const {destroyed} = run.json<ProbeDestroyResult>()
    expect(destroyed.map((d) => d.name).sort()).toEqual(NAMES)
    expect(destroyed.every((d) => d.ok)).toBe(true)
    expect(inventoryRows(cloud.home)).toEqual([])
    // Terminating EC2 instances read "stopping" (shutting-down) for a moment; nothing runs any more.
    const left = probeNodes(await cloudNodes(SITES), 'edge')
    expect(left.filter((n) => n.state !== 'stopping')).toEqual([])
  })
})
