import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ExitCode, ValidationError} from '../../src/core/errors.js'
import type {Node, ProviderName} from '../../src/core/model.js'
import {createDriver as openstackDriver} from '../../src/drivers/openstack/index.js'
import {createDriver as rackspaceDriver} from '../../src/drivers/rackspace/index.js'
import type {CloudDriver} from '../../src/drivers/types.js'
import {type SandboxHandle, startSandbox} from '../../src/sandbox/index.js'
import {writeProfile} from '../../src/store/config.js'
import {mcPaths} from '../../src/store/paths.js'
import {type Sandbox, sandboxDir, settings} from '../drivers/openstack/helpers.js'
import {fittingSize} from '../drivers/openstack/sandbox-lifecycle.js'
import {mc, parseJson} from '../helpers/run.js'

// `--region all` for Rackspace and OpenStack, and the footer that says where each listing looked:
// a node in ORD is never invisible to a profile that says DFW without a hint.
let sandbox: SandboxHandle
let box: Sandbox
let dataDir: string
const opened: CloudDriver[] = []

/** A driver from the sandbox profile's keys for `provider`, in `region`. */
async function open(provider: 'openstack' | 'rackspace', region: string): Promise<CloudDriver> {
  const prefix = `${provider}.`
  const values = Object.fromEntries(
    Object.entries(sandbox.profile)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), v]),
  )
  const create = provider === 'rackspace' ? rackspaceDriver : openstackDriver
  const driver = await create(settings(provider as ProviderName, {values, endpoint: values.endpoint, region}), box.context())
  opened.push(driver)
  return driver
}

async function createIn(provider: 'openstack' | 'rackspace', region: string, name: string): Promise<Node> {
  const driver = await open(provider, region)
  const image = (await driver.listImages()).find((i) => i.probeReady)!
  const size = fittingSize(await driver.listSizes(), image)
  return driver.createNode({name, image: image.id, size: size.id})
}

type Listed = {nodes: Node[]; errors: {provider: string; code: string}[]; regions: {provider: string; scope: string; regions: string[]; otherRegions: boolean}[]}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mc-region-all-'))
  sandbox = await startSandbox({port: 0, dataDir, bootDelayMs: 50})
  box = sandboxDir()
  writeProfile(mcPaths().configFile, 'sbx', sandbox.profile)
  expect(sandbox.profile['rackspace.region']).toBe('DFW')
  expect(sandbox.profile['openstack.region']).toBe('RegionOne')
  await createIn('rackspace', 'ORD', 'in-ord')
  await createIn('rackspace', 'DFW', 'in-dfw')
  await createIn('openstack', 'RegionTwo', 'in-region-two')
})

afterAll(async () => {
  for (const driver of opened) await driver.close?.()
  await sandbox?.stop()
  box?.cleanup()
  rmSync(dataDir, {recursive: true, force: true})
})

const names = (nodes: Node[]) => nodes.map((n) => [n.provider, n.region, n.name]).sort()

describe('--region all for Rackspace and OpenStack', () => {
  it("the profile's region lists only its nodes, and the footer names it and hints at --region all", async () => {
    const run = await mc(['nodes', 'list', '--profile', 'sbx', '--provider', 'rackspace,openstack,linode'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toContain('in-dfw')
    expect(run.stdout).not.toContain('in-ord')
    expect(run.stdout).not.toContain('in-region-two')
    expect(run.stderr).toContain('regions: rackspace DFW; openstack RegionOne; linode all (global)')
    expect(run.stderr).toContain('--region all lists every region of rackspace, openstack.')
  })

  it('lists a node in ORD from a profile that says DFW, with its region, and the footer names every region', async () => {
    const run = await mc(['nodes', 'list', '--profile', 'sbx', '--provider', 'rackspace,openstack,linode', '--region', 'all'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/ORD +\S+ +in-ord/)
    expect(run.stdout).toMatch(/RegionTwo +\S+ +in-region-two/)
    expect(run.stderr).toContain('regions: rackspace DFW, HKG, IAD, LON, ORD, SYD (all); openstack RegionOne, RegionTwo (all); linode all (global)')
    expect(run.stderr).not.toContain('--region all lists')

    const json = await mc(['nodes', 'list', '--profile', 'sbx', '--provider', 'rackspace,openstack', '--region', 'all', '--json'])
    expect(json.exitCode, json.stderr).toBe(0)
    const listed = parseJson<Listed>(json.stdout)
    expect(names(listed.nodes)).toEqual([
      ['openstack', 'RegionTwo', 'in-region-two'],
      ['rackspace', 'DFW', 'in-dfw'],
      ['rackspace', 'ORD', 'in-ord'],
    ])
    expect(listed.errors).toEqual([])
    expect(listed.regions).toEqual([
      {provider: 'rackspace', scope: 'all', regions: ['DFW', 'HKG', 'IAD', 'LON', 'ORD', 'SYD'], otherRegions: false},
      {provider: 'openstack', scope: 'all', regions: ['RegionOne', 'RegionTwo'], otherRegions: false},
    ])
    expect(json.stderr).not.toContain('regions:')
  })

  it('a failing region gives exit 5 with what arrived, the region named in the errors and left out of the footer', async () => {
    sandbox.setFaults(['fail=rackspace/SYD'])
    try {
      const json = await mc(['nodes', 'list', '--profile', 'sbx', '--provider', 'rackspace', '--region', 'all', '--json'])
      expect(json.exitCode, json.stderr).toBe(ExitCode.partial)
      const listed = parseJson<Listed>(json.stdout)
      expect(names(listed.nodes)).toEqual([
        ['rackspace', 'DFW', 'in-dfw'],
        ['rackspace', 'ORD', 'in-ord'],
      ])
      expect(listed.errors.map((e) => e.provider)).toEqual(['rackspace SYD'])
      expect(listed.regions[0].regions).toEqual(['DFW', 'HKG', 'IAD', 'LON', 'ORD'])

      const table = await mc(['nodes', 'list', '--profile', 'sbx', '--provider', 'rackspace', '--region', 'all'])
      expect(table.exitCode).toBe(ExitCode.partial)
      expect(table.stdout).toContain('in-ord')
      expect(table.stderr).toContain('rackspace SYD')
      expect(table.stderr).toContain('regions: rackspace DFW, HKG, IAD, LON, ORD (all)')
    } finally {
      sandbox.setFaults([])
    }
  })

  it('calls about one node find its region; creating needs one region', async () => {
    const all = await open('rackspace', 'all')
    expect(all.region).toBe('all')
    const ord = (await all.listNodes()).find((n) => n.name === 'in-ord')!
    expect((await all.getNode(ord.id)).region).toBe('ORD')
    await all.rebootNode(ord.id)
    expect(all.capabilities.has('createNode')).toBe(false)
    const refused = await all.createNode({name: 'x', image: 'i', size: 's'}).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ValidationError)
    expect((refused as Error).message).toContain('Rackspace, pick one region (--region DFW, say) instead of --region all')
    // One authentication for every region: the regional drivers take the token from the cache.
    const fresh = sandboxDir()
    try {
      const values = {username: sandbox.profile['rackspace.username'], apiKey: sandbox.profile['rackspace.apiKey']}
      const counted = await rackspaceDriver(settings('rackspace', {values, endpoint: sandbox.profile['rackspace.endpoint'], region: 'all'}), fresh.context())
      expect((await counted.listNodes()).map((n) => n.name).sort()).toEqual(['in-dfw', 'in-ord'])
      await counted.close?.()
      expect(fresh.lines.filter((l) => l.includes('compute endpoint'))).toHaveLength(1)
      expect(fresh.lines.filter((l) => l.includes('using the cached token'))).toHaveLength(6)
    } finally {
      fresh.cleanup()
    }
    const os = await open('openstack', 'ALL')
    expect((await os.listLocations()).map((l) => l.id)).toEqual(['RegionOne', 'RegionTwo'])
    expect(os.startNode).toBeDefined()
  })
})
