import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {ProbeListResult} from '../../src/services/probe-fleet.js'
import {cloudNodes, inventoryRows, killStrayChildren, mc, openTestCloud, probeNodes, type Site, spawnMc, type TestCloud} from './helpers.js'

/**
 * A deploy killed half-way. Nodes take 3 s to boot here, so there is time to interrupt; mc runs as
 * a child process and is signalled by its PID, as a shell or CI runner would.
 */
const SITES: Site[] = [
  {provider: 'ec2', region: 'us-east-1'},
  {provider: 'openstack', region: 'RegionOne'},
  {provider: 'rackspace', region: 'ORD'},
  {provider: 'linode', region: 'us-west'},
]
const AT = SITES.flatMap((s) => ['--at', `${s.provider}:${s.region}`])
/** States in which a node still runs (or is about to); EC2 reports a terminating instance as stopping. */
const ALIVE = new Set(['pending', 'starting', 'running', 'rebooting', 'unknown'])

let cloud: TestCloud

beforeAll(async () => {
  cloud = await openTestCloud(3000)
})

afterAll(async () => {
  killStrayChildren()
  await cloud?.close()
})

/** Resolves once every probe of the deploy has printed `step` on stderr. */
function allReached(step: string): RegExp {
  const names = SITES.map((s) => `\\[[a-z0-9-]*-${s.provider}-${s.region.toLowerCase()}\\] ${step}`)
  return new RegExp(names.map((n) => `(?=[\\s\\S]*${n})`).join(''))
}

describe('interrupting mc probe deploy', () => {
  it('SIGINT while the nodes boot: exit 130, every node this run created is destroyed, the inventory is clean', async () => {
    const deploy = spawnMc(['probe', 'deploy', '--fleet', 'sigint', ...AT], cloud.env)
    // Every node exists (and its id is in the inventory) once each probe prints "wait".
    await deploy.waitForStderr(allReached('wait'))
    const created = probeNodes(await cloudNodes(SITES), 'sigint')
    expect(created).toHaveLength(SITES.length)
    expect(inventoryRows(cloud.home).map((r) => r.nodeId).sort()).toEqual(created.map((n) => n.id).sort())

    deploy.child.kill('SIGINT')
    const run = await deploy.done
    expect(run.code, run.stderr).toBe(130)
    expect(run.stderr).toMatch(/Interrupted: rolling back/)
    for (const site of SITES) expect(run.stderr).toMatch(new RegExp(`-${site.provider}-${site.region.toLowerCase()}\\] rollback`))
    expect(run.stderr).not.toMatch(/rollback failed/)

    expect(inventoryRows(cloud.home)).toEqual([])
    const left = probeNodes(await cloudNodes(SITES), 'sigint')
    expect(left.filter((n) => ALIVE.has(n.state))).toEqual([])
  })

  it('SIGKILL right after the create requests: mc probe list finds every node the clouds made, none is unknown', async () => {
    const deploy = spawnMc(['probe', 'deploy', '--fleet', 'sigkill', ...AT], cloud.env)
    await deploy.waitForStderr(allReached('create'))
    deploy.child.kill('SIGKILL')
    const killed = await deploy.done
    expect(killed.signal).toBe('SIGKILL')
    // Each probe's row was written before its create request left.
    expect(inventoryRows(cloud.home).map((r) => r.name).sort()).toEqual(['sigkill-ec2-us-east-1', 'sigkill-linode-us-west', 'sigkill-openstack-regionone', 'sigkill-rackspace-ord'])

    const list = await mc(['probe', 'list', '--json'], cloud.env)
    expect(list.code, list.stderr).toBe(0)
    const result = list.json<ProbeListResult>()
    expect(result.untracked).toEqual([])
    expect(result.errors).toEqual([])

    // Whatever the clouds made is in the inventory under its node id, and listed as live.
    const nodes = probeNodes(await cloudNodes(SITES), 'sigkill')
    const rows = inventoryRows(cloud.home)
    for (const node of nodes) {
      const row = rows.find((r) => r.nodeId === node.id)
      expect(row, `${node.provider} node ${node.id} (${node.tags['mc-probe']}) is not in the inventory`).toBeDefined()
      expect(row!.name).toBe(node.tags['mc-probe'])
      expect(result.probes.find((p) => p.name === row!.name)!.live).toBe(node.state)
    }

    // And destroying the fleet leaves nothing running.
    const destroy = await mc(['probe', 'destroy', '--fleet', 'sigkill', '--yes'], cloud.env)
    expect(destroy.code, destroy.stderr).toBe(0)
    expect(inventoryRows(cloud.home)).toEqual([])
    expect(probeNodes(await cloudNodes(SITES), 'sigkill').filter((n) => ALIVE.has(n.state))).toEqual([])
  })
})
