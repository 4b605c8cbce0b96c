import {fork} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import {NotFoundError} from '../../src/core/errors.js'
import {Inventory} from '../../src/store/inventory.js'

let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mc-inventory-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

describe('inventory', () => {
  it('records intent before the node id, then the id, then readiness', () => {
    const inventory = Inventory.open(dir)
    inventory.insert({name: 'edge-linode-us-west', kind: 'cloud', state: 'requested', fleet: 'edge', provider: 'linode', region: 'us-west', clientToken: 'tok-1'})
    expect(inventory.get('edge-linode-us-west')).toMatchObject({state: 'requested', nodeId: undefined, port: 22, user: 'root', labels: {}})
    inventory.update('edge-linode-us-west', {nodeId: '123', state: 'created', host: '192.0.2.10'})
    inventory.update('edge-linode-us-west', {state: 'ready', labels: {provider: 'linode'}})
    const probe = inventory.get('edge-linode-us-west')
    expect(probe).toMatchObject({nodeId: '123', state: 'ready', host: '192.0.2.10', labels: {provider: 'linode'}})
    expect(Date.parse(probe.updatedAt)).toBeGreaterThanOrEqual(Date.parse(probe.createdAt))
    inventory.close()
    // Reopening sees the same rows: the file is the truth, not the process.
    const again = Inventory.open(dir)
    expect(again.list({fleet: 'edge'}).map((p) => p.name)).toEqual(['edge-linode-us-west'])
    again.close()
  })

  it('refuses two probes for one cloud node, and names missing probes', () => {
    const inventory = Inventory.open(dir)
    inventory.insert({name: 'a', kind: 'cloud', state: 'created', provider: 'ec2', region: 'us-east-1', nodeId: 'i-1'})
    expect(() => inventory.insert({name: 'b', kind: 'cloud', state: 'created', provider: 'ec2', region: 'us-east-1', nodeId: 'i-1'})).toThrow(/UNIQUE/)
    expect(() => inventory.get('nope')).toThrow(NotFoundError)
    expect(() => inventory.update('nope', {state: 'ready'})).toThrow(NotFoundError)
    expect(inventory.remove('a')).toBe(true)
    expect(inventory.remove('a')).toBe(false)
    inventory.close()
  })

  it('two processes writing at once lose no rows', async () => {
    const script = join(dir, 'writer.mjs')
    const moduleUrl = new URL('../../dist/store/inventory.js', import.meta.url).href
    writeFileSync(
      script,
      `const {Inventory} = await import(${JSON.stringify(moduleUrl)})
       const [dataDir, prefix] = process.argv.slice(2)
       const inventory = Inventory.open(dataDir)
       for (let i = 0; i < 200; i++) {
         inventory.insert({name: prefix + '-' + i, kind: 'cloud', state: 'requested', fleet: prefix})
         inventory.update(prefix + '-' + i, {state: 'ready', nodeId: prefix + i, provider: 'linode', region: 'r'})
       }
       inventory.close()`,
    )
    const run = (prefix: string) =>
      new Promise<number>((resolve) => {
        fork(script, [dir, prefix]).on('exit', (code) => resolve(code ?? 1))
      })
    expect(await Promise.all([run('one'), run('two')])).toEqual([0, 0])
    const inventory = Inventory.open(dir)
    expect(inventory.list({fleet: 'one'})).toHaveLength(200)
    expect(inventory.list({fleet: 'two'})).toHaveLength(200)
    expect(inventory.list().every((p) => p.state === 'ready')).toBe(true)
    inventory.close()
  })
})
