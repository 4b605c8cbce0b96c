import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {silentLog} from '../../src/core/log.js'
import {openDriver} from '../../src/services/drivers.js'
import type {DeployResult} from '../../src/services/probe-deploy.js'
import {atFlags, cloudNodes, killStrayChildren, mc, openTestCloud, probeNodes, type Site, type TestCloud} from './helpers.js'

/**
 * mc probe deploy across clouds with DigitalOcean among them, end to end against the sandbox: the
 * Droplet is created behind mc's probe firewall (made once, reused), answers SSH, and goes on destroy.
 */
const SITES: Site[] = [
  {provider: 'digitalocean', region: 'nyc3'},
  {provider: 'linode', region: 'us-west'},
]

let cloud: TestCloud

beforeAll(async () => {
  cloud = await openTestCloud(300)
})

afterAll(async () => {
  killStrayChildren()
  await cloud?.close()
})

async function firewalls(): Promise<{name: string; droplet_ids: number[]; inbound_rules: {protocol: string; ports: string}[]}[]> {
  const res = await fetch(`${cloud.handle.endpoints.digitalocean}/v2/firewalls`, {headers: {authorization: `Bearer ${cloud.handle.credentials.digitalocean.token}`}})
  return ((await res.json()) as {firewalls: never[]}).firewalls
}

describe('mc probe deploy with DigitalOcean', () => {
  let deployed: DeployResult

  it('deploys a probe on a Droplet and one on a Linode; the Droplet is behind the SSH+ICMP firewall and answers SSH', async () => {
    const run = await mc(['probe', 'deploy', '--fleet', 'sea', ...atFlags(SITES), '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    deployed = run.json<DeployResult>()
    expect(deployed.probes.map((p) => p.name).sort()).toEqual(['sea-digitalocean-nyc3', 'sea-linode-us-west'])
    for (const probe of deployed.probes) expect(probe).toMatchObject({status: 'created', host: '127.0.0.1', missingTools: []})

    const droplet = deployed.probes.find((p) => p.provider === 'digitalocean')!
    const nodes = probeNodes(await cloudNodes(SITES), 'sea')
    expect(nodes.find((n) => n.id === droplet.nodeId)).toMatchObject({
      provider: 'digitalocean',
      region: 'nyc3',
      state: 'running',
      tags: {'mc-fleet': 'sea', 'mc-probe': droplet.name},
    })
    const [firewall] = await firewalls()
    expect(firewall).toMatchObject({name: 'mc-probes-ssh-icmp', droplet_ids: [Number(droplet.nodeId)]})
    expect(firewall.inbound_rules.map((r) => `${r.protocol}/${r.ports}`)).toEqual(['tcp/22', 'icmp/0'])

    const exec = await mc(['probe', 'exec', droplet.name, '--', 'echo', '$MC_SANDBOX_NODE'], cloud.env)
    expect(exec.code, exec.stderr).toBe(0)
    expect(exec.stdout.trim()).toBe(`digitalocean/${droplet.nodeId}`)
  })

  it('a second fleet reuses the firewall, and destroy removes the Droplets', async () => {
    const run = await mc(['probe', 'deploy', '--fleet', 'bay', '--at', 'digitalocean:sfo3', '--json'], cloud.env)
    expect(run.code, run.stderr).toBe(0)
    const bay = run.json<DeployResult>().probes[0]
    const all = await firewalls()
    expect(all).toHaveLength(1)
    expect(all[0].droplet_ids.sort()).toEqual([Number(deployed.probes.find((p) => p.provider === 'digitalocean')!.nodeId), Number(bay.nodeId)].sort())

    for (const fleet of ['sea', 'bay']) {
      const destroy = await mc(['probe', 'destroy', '--fleet', fleet, '--yes', '--json'], cloud.env)
      expect(destroy.code, destroy.stderr).toBe(0)
    }
    const driver = await openDriver('digitalocean', {profile: 'sandbox', region: 'nyc3', log: silentLog})
    expect(probeNodes(await driver.listNodes())).toEqual([])
    await driver.close?.()
  })
})
