import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import type {Node} from '../../src/core/model.js'
import type {CloudDriver} from '../../src/drivers/types.js'
import {listProbes} from '../../src/services/probe-fleet.js'
import {Inventory} from '../../src/store/inventory.js'

/**
 * `mc probe list` while a deploy runs in another process: the list reads the rows, then asks the
 * clouds (seconds). A row it read before the deploy recorded the node must not be set back once
 * the deploy has moved on. Two Inventory handles on one file stand for the two processes.
 */
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mc-list-race-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

function node(id: string, name: string): Node {
  return {
    id,
    name,
    provider: 'linode',
    region: 'us-west',
    state: 'running',
    providerState: 'running',
    publicIps: ['127.0.0.1'],
    privateIps: [],
    size: 'g6-nanode-1',
    image: 'linode/debian12',
    tags: {'mc-fleet': 'edge', 'mc-probe': name, 'mc-ssh-port': '2222'},
    extra: {},
  }
}

describe('probe list racing a deploy', () => {
  it('does not set a probe the deploy made ready back to "created"', async () => {
    const deploy = Inventory.open(dir)
    const list = Inventory.open(dir)
    deploy.insert({name: 'edge-linode-us-west', kind: 'cloud', state: 'requested', fleet: 'edge', provider: 'linode', region: 'us-west', deployRun: 'r1'})

    const driver = {
      async listNodes() {
        // While the list waits for the cloud, the deploy records the node and finishes the probe.
        deploy.update('edge-linode-us-west', {nodeId: '51000000', state: 'created'})
        deploy.update('edge-linode-us-west', {host: '127.0.0.1', port: 2222, state: 'ready'})
        return [node('51000000', 'edge-linode-us-west')]
      },
    } as unknown as CloudDriver

    const result = await listProbes(list, async () => driver)
    expect(result.probes[0]).toMatchObject({name: 'edge-linode-us-west', nodeId: '51000000', live: 'running'})
    expect(deploy.get('edge-linode-us-west')).toMatchObject({state: 'ready', nodeId: '51000000', host: '127.0.0.1', port: 2222})
    deploy.close()
    list.close()
  })

  it("counts a Linode probe once although Linode lists every region's nodes to every regional driver", async () => {
    const inventory = Inventory.open(dir)
    inventory.insert({name: 'edge-linode-us-west', kind: 'cloud', state: 'ready', fleet: 'edge', provider: 'linode', region: 'us-west', nodeId: '1'})
    inventory.insert({name: 'edge-linode-us-east', kind: 'cloud', state: 'ready', fleet: 'edge', provider: 'linode', region: 'us-east', nodeId: '2'})
    const account = [node('1', 'edge-linode-us-west'), {...node('2', 'edge-linode-us-east'), region: 'us-east'}]
    const result = await listProbes(inventory, async () => ({listNodes: async () => account}) as unknown as CloudDriver)
    expect(result.untracked).toEqual([])
    expect(result.probes.map((p) => [p.name, p.live])).toEqual([
      ['edge-linode-us-east', 'running'],
      ['edge-linode-us-west', 'running'],
    ])
    inventory.close()
  })

  it('still adopts the node of a row whose create never answered (a killed deploy)', async () => {
    const inventory = Inventory.open(dir)
    inventory.insert({name: 'edge-linode-us-west', kind: 'cloud', state: 'requested', fleet: 'edge', provider: 'linode', region: 'us-west', deployRun: 'r1'})
    const driver = {listNodes: async () => [node('51000001', 'edge-linode-us-west')]} as unknown as CloudDriver
    const result = await listProbes(inventory, async () => driver)
    expect(result.untracked).toEqual([])
    expect(inventory.get('edge-linode-us-west')).toMatchObject({state: 'created', nodeId: '51000001', host: '127.0.0.1', port: 2222})
    inventory.close()
  })
})
