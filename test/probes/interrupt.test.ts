import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {InterruptedError} from '../../src/core/errors.js'
import {silentLog} from '../../src/core/log.js'
import {openProbeContext} from '../../src/services/probe-context.js'
import {type DeployResult, deployFleet, deployInterrupted} from '../../src/services/probe-deploy.js'
import type {ProbeListResult} from '../../src/services/probe-fleet.js'
import {openProbePool} from '../../src/services/probe-session.js'
import {
  ALIVE,
  atFlags,
  cloudNodes,
  inventoryRows,
  killStrayChildren,
  mc,
  type McChild,
  type McRun,
  openTestCloud,
  probeNodes,
  type Site,
  spawnMc,
  type TestCloud,
} from './helpers.js'

/**
 * A deploy killed half-way. mc runs as a child process and is signalled by its PID, as a shell or CI
 * runner would. The moment to interrupt is held open by the sandbox (hold=boot keeps nodes booting,
 * hold=create keeps a create's answer back, until the test lets go), never by hoping a delay or a
 * sleep outlasts a loaded machine.
 */
const SITES: Site[] = [
  {provider: 'ec2', region: 'us-east-1'},
  {provider: 'openstack', region: 'RegionOne'},
  {provider: 'rackspace', region: 'ORD'},
  {provider: 'linode', region: 'us-west'},
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

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('timed out')
    await sleep(200)
  }
}

/** Resolves once every probe of the deploy at `sites` has printed `step` on stderr. */
function allReached(step: string, sites = SITES): RegExp {
  const names = sites.map((s) => `\\[[a-z0-9-]*-${s.provider}-${s.region.toLowerCase()}\\] ${step}`)
  return new RegExp(names.map((n) => `(?=[\\s\\S]*${n})`).join(''))
}

/** Generous: nothing here waits on a window, but a machine this loaded may take minutes to deploy. */
const SLOW = 180_000

/**
 * Deploy every site with `faults` on, wait until stderr shows every `reached`, look around, send
 * SIGINT, and lift the faults once mc has exited.
 */
async function interruptWhileHeld(args: string[], faults: string[], reached: RegExp[], meanwhile?: (deploy: McChild) => Promise<void>): Promise<McRun> {
  cloud.handle.setFaults(faults)
  const deploy = spawnMc(['probe', 'deploy', ...args, ...AT], cloud.env, SLOW)
  try {
    for (const pattern of reached) await deploy.waitForStderr(pattern, SLOW)
    await meanwhile?.(deploy)
    deploy.child.kill('SIGINT')
    return await deploy.done
  } finally {
    cloud.handle.setFaults([])
  }
}

describe('interrupting mc probe deploy', () => {
  it(
    'SIGINT while the nodes boot: exit 130, every node this run created is destroyed, the inventory is clean',
    async () => {
      // Every node exists (and its id is in the inventory) once each probe prints "wait"; the hold
      // keeps them booting for as long as this takes.
      const run = await interruptWhileHeld(['--fleet', 'sigint'], ['hold=boot'], [allReached('wait')], async (deploy) => {
        const created = probeNodes(await cloudNodes(SITES), 'sigint')
        expect(created.map((n) => n.tags['mc-probe']).sort(), deploy.stderr()).toEqual(SITES.map((site) => `sigint-${site.provider}-${site.region.toLowerCase()}`).sort())
        expect(
          inventoryRows(cloud.home)
            .map((r) => r.nodeId)
            .sort(),
        ).toEqual(created.map((n) => n.id).sort())
      })
      expect(run.code, run.stderr).toBe(130)
      expect(run.stderr).toMatch(/Interrupted: rolling back probes that are not ready yet/)
      for (const site of SITES) expect(run.stderr).toMatch(new RegExp(`-${site.provider}-${site.region.toLowerCase()}\\] rollback`))
      expect(run.stderr).not.toMatch(/rollback failed/)
      expect(run.stderr).toMatch(/Error: Deploy interrupted; no probe was ready; rolled back 4 unfinished probe\(s\): /)

      expect(inventoryRows(cloud.home)).toEqual([])
      const left = probeNodes(await cloudNodes(SITES), 'sigint')
      expect(left.filter((n) => ALIVE.has(n.state))).toEqual([])
    },
    SLOW,
  )

  it(
    'SIGINT while every create request is unanswered: the nodes the clouds made are found by their tags and destroyed, exit 130',
    async () => {
      // hold=create: each cloud has made its node and keeps the answer back, so mc knows no node id
      // when the signal comes; the rollback must find the nodes by their mc-probe tag.
      const run = await interruptWhileHeld(['--fleet', 'increate'], ['hold=create'], [allReached('create')], async () => {
        await waitFor(async () => (Object.values(cloud.handle.heldCreates()).reduce((a, b) => a + b, 0) === SITES.length ? true : undefined), SLOW)
        expect(probeNodes(await cloudNodes(SITES), 'increate')).toHaveLength(SITES.length)
        expect(
          inventoryRows(cloud.home)
            .filter((r) => r.fleet === 'increate')
            .map((r) => [r.state, r.nodeId]),
        ).toEqual(SITES.map(() => ['requested', undefined]))
      })
      expect(run.code, run.stderr).toBe(130)
      expect(run.stderr).toMatch(/Interrupted: rolling back probes that are not ready yet/)
      expect(run.stderr).not.toMatch(/rollback failed/)
      expect(run.stderr).toMatch(/Error: Deploy interrupted; no probe was ready; rolled back 4 unfinished probe\(s\): /)
      expect(inventoryRows(cloud.home).filter((r) => r.fleet === 'increate')).toEqual([])
      expect(probeNodes(await cloudNodes(SITES), 'increate').filter((n) => ALIVE.has(n.state))).toEqual([])
    },
    SLOW,
  )

  it(
    'SIGKILL while a create request is in flight: mc probe list finds the node the cloud made anyway, none is unknown',
    async () => {
      // hold=create:linode: Linode makes the node and keeps its answer back, so the kill lands after
      // the cloud made the node and before mc hears its id, however slow the machine. Every probe has
      // asked for its node by then (each printed "create").
      cloud.handle.setFaults(['hold=create:linode'])
      const deploy = spawnMc(['probe', 'deploy', '--fleet', 'sigkill', ...AT], cloud.env, SLOW)
      try {
        await deploy.waitForStderr(allReached('create'), SLOW)
        await waitFor(async () => (cloud.handle.heldCreates().linode === 1 ? true : undefined), SLOW)
        expect(deploy.stderr()).not.toMatch(/\[sigkill-linode-us-west\] wait/)
        deploy.child.kill('SIGKILL')
        expect((await deploy.done).signal).toBe('SIGKILL')
      } finally {
        cloud.handle.setFaults([])
      }

      // Each probe's row was written before its create request left; Linode's has no node id.
      const before = inventoryRows(cloud.home)
      expect(before.map((r) => r.name)).toEqual(['sigkill-ec2-us-east-1', 'sigkill-linode-us-west', 'sigkill-openstack-regionone', 'sigkill-rackspace-ord'])
      expect(before.find((r) => r.name === 'sigkill-linode-us-west')).toMatchObject({state: 'requested', nodeId: undefined})
      const linode = await waitFor(async () => probeNodes(await cloudNodes([{provider: 'linode', region: 'us-west'}]), 'sigkill')[0], 60_000)

      // --fleet: the first test's EC2 instances may still be shutting down (EC2 lists them a while).
      const list = await mc(['probe', 'list', '--fleet', 'sigkill', '--json'], cloud.env, SLOW)
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
      const destroy = await mc(['probe', 'destroy', '--fleet', 'sigkill', '--yes'], cloud.env, SLOW)
      expect(destroy.code, destroy.stderr).toBe(0)
      expect(inventoryRows(cloud.home)).toEqual([])
      expect(probeNodes(await cloudNodes(SITES), 'sigkill').filter((n) => ALIVE.has(n.state))).toEqual([])
    },
    SLOW,
  )

  it(
    'SIGINT with three probes ready and one still booting: the ready ones are kept and named, the other rolled back, exit 130',
    async () => {
      const ready = SITES.filter((s) => s.provider !== 'linode')
      const run = await interruptWhileHeld(['--fleet', 'half', '--json'], ['hold=boot:linode'], [allReached('ready', ready), /\[half-linode-us-west\] wait/])
      expect(run.code, run.stderr).toBe(130)
      expect(run.stderr).toMatch(/ready ones are kept/)
      expect(run.stderr).not.toMatch(/destroyed again/)
      const body = run.json<DeployResult & {error: {code: string; exitCode: number; message: string}}>()
      expect(body.error).toMatchObject({code: 'INTERRUPTED', exitCode: 130})
      expect(body.error.message).toBe(
        'Deploy interrupted; kept 3 ready probe(s): half-ec2-us-east-1, half-openstack-regionone, half-rackspace-ord ("mc probe destroy --fleet half" removes them); ' +
          'rolled back 1 unfinished probe(s): half-linode-us-west.',
      )
      expect(body.probes.map((p) => [p.name, p.status, p.rolledBack])).toEqual([
        ['half-ec2-us-east-1', 'created', undefined],
        ['half-openstack-regionone', 'created', undefined],
        ['half-rackspace-ord', 'created', undefined],
        ['half-linode-us-west', 'failed', true],
      ])

      // What it says is what is there: three ready probes with running nodes, nothing of Linode's.
      const rows = inventoryRows(cloud.home).filter((r) => r.fleet === 'half')
      expect(rows.map((r) => [r.name, r.state])).toEqual([
        ['half-ec2-us-east-1', 'ready'],
        ['half-openstack-regionone', 'ready'],
        ['half-rackspace-ord', 'ready'],
      ])
      const alive = probeNodes(await cloudNodes(SITES), 'half').filter((n) => ALIVE.has(n.state))
      expect(alive.map((n) => n.id).sort()).toEqual(rows.map((r) => r.nodeId).sort())

      const destroy = await mc(['probe', 'destroy', '--fleet', 'half', '--yes'], cloud.env, SLOW)
      expect(destroy.code, destroy.stderr).toBe(0)
    },
    SLOW,
  )

  it(
    'an interrupt just after every probe became ready rolls nothing back and says every probe was kept',
    async () => {
      // In-process, so the signal lands exactly there: the abort fires from the last probe's "ready".
      const controller = new AbortController()
      const context = openProbeContext({profile: 'sandbox', log: silentLog, signal: controller.signal})
      const pool = openProbePool({dataDir: context.dataDir, log: silentLog, hostKeyPolicy: 'accept-new', mcKeyComing: true})
      const steps: string[] = []
      let result: DeployResult
      try {
        result = await deployFleet(
          {fleet: 'late', sites: SITES, dryRun: false, keepFailed: false, waitTimeoutMs: 60_000},
          {
            inventory: context.inventory,
            pool,
            dataDir: context.dataDir,
            log: silentLog,
            driver: context.openDriver,
            cleanupDriver: context.openCleanupDriver,
            signal: controller.signal,
            onStep(probe, step) {
              steps.push(`${probe} ${step}`)
              if (steps.filter((s) => s.endsWith(' ready')).length === SITES.length) controller.abort(new InterruptedError('Deploy interrupted.'))
            },
          },
        )
      } finally {
        await pool.close()
        context.close()
      }

      expect(controller.signal.aborted).toBe(true)
      expect(steps.filter((s) => s.endsWith(' rollback'))).toEqual([])
      expect(result.probes.map((p) => p.status)).toEqual(['created', 'created', 'created', 'created'])
      const error = deployInterrupted(result)
      expect(error.exitCode).toBe(130)
      expect(error.message).toMatch(
        /^Deploy interrupted; kept 4 ready probe\(s\): late-ec2-us-east-1, late-openstack-regionone, late-rackspace-ord, late-linode-us-west \("mc probe destroy --fleet late" removes them\)\.$/,
      )
      expect(
        inventoryRows(cloud.home)
          .filter((r) => r.fleet === 'late')
          .map((r) => r.state),
      ).toEqual(['ready', 'ready', 'ready', 'ready'])

      const destroy = await mc(['probe', 'destroy', '--fleet', 'late', '--yes'], cloud.env, SLOW)
      expect(destroy.code, destroy.stderr).toBe(0)
    },
    SLOW,
  )
})
