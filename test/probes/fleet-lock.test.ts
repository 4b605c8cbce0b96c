import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {holderGone, processHolder} from '../../src/services/fleet-lock.js'
import type {DeployResult} from '../../src/services/probe-deploy.js'
import {Inventory} from '../../src/store/inventory.js'
import {ALIVE, atFlags, cloudNodes, inventoryRows, killStrayChildren, mc, openTestCloud, probeNodes, type Site, spawnMc, type TestCloud} from './helpers.js'

/**
 * Two deploys of one fleet at once. The first is held mid-deploy by the sandbox (hold=boot keeps its
 * nodes booting), so the second surely starts while the first runs, whatever the machine's load.
 */
const SLOW = 180_000
const SITES: Site[] = [
  {provider: 'ec2', region: 'us-east-1'},
  {provider: 'linode', region: 'us-west'},
  {provider: 'openstack', region: 'RegionOne'},
]
const AT = atFlags(SITES)

let cloud: TestCloud

beforeAll(async () => {
  cloud = await openTestCloud(300)
})

afterAll(async () => {
  killStrayChildren()
  cloud?.handle.setFaults([])
  await cloud?.close()
})

/** Every probe of the fleet at SITES has printed "wait": its node exists and boots. */
function allWaiting(fleet: string): RegExp {
  return new RegExp(SITES.map((s) => `(?=[\\s\\S]*\\[${fleet}-${s.provider}-${s.region.toLowerCase()}\\] wait)`).join(''))
}

describe('two mc probe deploy of the same fleet at once', () => {
  it(
    'the second waits for the first, says for which PID, then reuses its probes: no node terminated, none missing, no SQLite error',
    async () => {
      cloud.handle.setFaults(['hold=boot'])
      const first = spawnMc(['probe', 'deploy', '--fleet', 'twin', ...AT, '--json'], cloud.env, SLOW)
      let second: ReturnType<typeof spawnMc>
      try {
        await first.waitForStderr(allWaiting('twin'), SLOW)
        second = spawnMc(['probe', 'deploy', '--fleet', 'twin', ...AT, '--json'], cloud.env, SLOW)
        await second.waitForStderr(new RegExp(`\\[twin\\] lock: waiting for mc pid ${first.child.pid}, deploying fleet "twin" since \\S+, to finish \\(up to 600s\\)`), SLOW)
      } finally {
        cloud.handle.setFaults([])
      }

      const [a, b] = await Promise.all([first.done, second!.done])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)
      expect(a.stderr + b.stderr).not.toMatch(/UNIQUE|SQLITE|rollback/)
      const made = a.json<DeployResult>().probes
      expect(made.map((p) => p.status)).toEqual(['created', 'created', 'created'])
      // The second found the first's probes ready and kept them.
      expect(b.json<DeployResult>().probes.map((p) => [p.name, p.status, p.nodeId])).toEqual(made.map((p) => [p.name, 'reused', p.nodeId]))

      const rows = inventoryRows(cloud.home).filter((r) => r.fleet === 'twin')
      expect(rows.map((r) => r.state)).toEqual(['ready', 'ready', 'ready'])
      const alive = probeNodes(await cloudNodes(SITES), 'twin').filter((n) => ALIVE.has(n.state))
      expect(alive.map((n) => n.id).sort()).toEqual(made.map((p) => p.nodeId).sort())
    },
    SLOW,
  )

  it(
    "a second deploy that would wait longer than --wait-timeout gives up with exit 8, naming the first's PID; the first is untouched",
    async () => {
      cloud.handle.setFaults(['hold=boot'])
      const first = spawnMc(['probe', 'deploy', '--fleet', 'busy', ...AT], cloud.env, SLOW)
      try {
        await first.waitForStderr(allWaiting('busy'), SLOW)
        const second = await mc(['probe', 'deploy', '--fleet', 'busy', ...AT, '--wait-timeout', '2'], cloud.env, SLOW)
        expect(second.code, second.stderr).toBe(8)
        expect(second.stderr).toMatch(
          new RegExp(`Error: Fleet "busy" is still being deployed by mc pid ${first.child.pid}, deploying fleet "busy" since \\S+; gave up after 2s\\.`),
        )
        expect(second.stderr).not.toMatch(/\] (create|rollback)/)
      } finally {
        cloud.handle.setFaults([])
      }

      const a = await first.done
      expect(a.code, a.stderr).toBe(0)
      expect(
        inventoryRows(cloud.home)
          .filter((r) => r.fleet === 'busy')
          .map((r) => r.state),
      ).toEqual(['ready', 'ready', 'ready'])
    },
    SLOW,
  )

  it('a claim left by a process that died (SIGKILL) is taken over; a live one is not', () => {
    const inventory = Inventory.open(join(cloud.home, 'data'))
    try {
      const dead = spawnSync(process.execPath, ['-e', '']).pid
      expect(holderGone(`${dead}:1`)).toBe(true)
      expect(inventory.claimFleet('orphan', `${dead}:1`, holderGone)).toBeUndefined()
      expect(inventory.claimFleet('orphan', processHolder(), holderGone)).toBeUndefined()
      // This process is alive: another claimant sees it as the holder.
      expect(inventory.claimFleet('orphan', `${dead}:2`, holderGone)).toMatchObject({holder: processHolder()})
      // A reused PID (same number, another start time) is not the holder.
      expect(holderGone(`${process.pid}:0`)).toBe(true)
      inventory.releaseFleet('orphan', processHolder())
      expect(inventory.claimFleet('orphan', `${dead}:2`, holderGone)).toBeUndefined()
    } finally {
      inventory.close()
    }
  })
})
