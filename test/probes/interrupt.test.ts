import {setTimeout as sleep} from 'node:timers/promises'
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

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await sleep(200)
  }
}

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

  it('SIGKILL while a create request is in flight: mc probe list finds the node the cloud made anyway, none is unknown', async () => {
    const deploy = spawnMc(['probe', 'deploy', '--fleet', 'sigkill', ...AT, '--debug'], cloud.env)
    // Linode takes 1.5 s to answer from just before mc asks it to create the node, so the kill lands
    // after the request arrived and before the answer: the node is made, mc never hears its id.
    await deploy.waitForStderr(/> GET \S+\/v4\/profile\/sshkeys/)
    cloud.handle.setFaults(['latency=linode:1500ms'])
    try {
      await deploy.waitForStderr(/> POST \S+\/v4\/linode\/instances/)
      await sleep(300)
      deploy.child.kill('SIGKILL')
      expect((await deploy.done).signal).toBe('SIGKILL')
    } finally {
      cloud.handle.setFaults([])
    }

    // Each probe's row was written before its create request left; Linode's has no node id.
    const before = inventoryRows(cloud.home)
    expect(before.map((r) => r.name)).toEqual(['sigkill-ec2-us-east-1', 'sigkill-linode-us-west', 'sigkill-openstack-regionone', 'sigkill-rackspace-ord'])
    expect(before.find((r) => r.name === 'sigkill-linode-us-west')).toMatchObject({state: 'requested', nodeId: undefined})
    const linode = await waitFor(async () => probeNodes(await cloudNodes([{provider: 'linode', region: 'us-west'}]), 'sigkill')[0])

    // --fleet: the first test's EC2 instances may still be shutting down (EC2 lists them a while).
    const list = await mc(['probe', 'list', '--fleet', 'sigkill', '--json'], cloud.env)
    expect(list.code, list.stderr).toBe(0)
    const result = list.json<ProbeListResult>()
    expect(result.untracked).toEqual([])
    expect(result.errors).toEqual([])
    expect(inventoryRows(cloud.home).find((r) => r.name === 'sigkill-linode-us-west')).toMatchObject({nodeId: linode.id, state: 'created'})

    // Whatever the clouds made is in the inventory under its node id, and listed as live.
    const nodes = probeNodes(await cloudNodes(SITES), 'sigkill')
    const rows = inventoryRows(cloud.home)
    for (const node of nodes) {
      const row = rows.find((r) => r.nodeId === node.id)
      expect(row, `${node.provider} node ${node.id} (${node.tags['mc-probe']}) is not in the inventory`).toBeDefined()
      expect(row!.name).toBe(node.tags['mc-probe'])
      expect([...ALIVE]).toContain(result.probes.find((p) => p.name === row!.name)!.live)
    }

    // And destroying the fleet leaves nothing running.
    const destroy = await mc(['probe', 'destroy', '--fleet', 'sigkill', '--yes'], cloud.env)
    expect(destroy.code, destroy.stderr).toBe(0)
    expect(inventoryRows(cloud.home)).toEqual([])
    expect(probeNodes(await cloudNodes(SITES), 'sigkill').filter((n) => ALIVE.has(n.state))).toEqual([])
  })
})
