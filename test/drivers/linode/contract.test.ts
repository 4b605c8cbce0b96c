import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {silentLog} from '../../../src/core/log.js'
import {createDriver} from '../../../src/drivers/linode/index.js'
import type {ProviderSettings} from '../../../src/drivers/types.js'
import {describeDriverContract} from '../contract.js'
import {type LinodeTestServer, recordedRoutes, startLinodeServer} from './fixture-server.js'

let server: LinodeTestServer
let home: string

beforeAll(async () => {
  server = await startLinodeServer(recordedRoutes)
  home = mkdtempSync(join(tmpdir(), 'mc-linode-contract-'))
})

afterAll(async () => {
  await server.close()
  rmSync(home, {recursive: true, force: true})
})

/** Through the real factory: an mc profile token and --endpoint pointing at the recorded responses. */
function settings(): ProviderSettings {
  return {provider: 'linode', profileName: 'contract', values: {token: 'contract-token'}, endpoint: server.url, env: {}, homeDir: home}
}

describeDriverContract({
  name: 'linode (libcloud recorded responses)',
  extraKey: 'linode',
  open: () => createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home}),
  missingNodeId: '99999999',
  minNodes: 2,
})

describe('linode recorded responses, beyond the shared contract', () => {
  it('sends the profile token as a Bearer token to the --endpoint it was given', async () => {
    const driver = await createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home})
    await driver.listSizes()
    const last = server.requests.at(-1)!
    expect(last.path).toBe('/v4/linode/types')
    expect(last.headers.authorization).toBe('Bearer contract-token')
  })

  it('maps the recorded instances: public and private IPv4 apart, bare tags, UTC times', async () => {
    const driver = await createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home})
    const [first, second] = await driver.listNodes()
    expect(first).toMatchObject({
      id: '22344420',
      name: 'test_2',
      region: 'eu-west',
      state: 'running',
      providerState: 'running',
      publicIps: ['138.89.34.81', '2a01:7e00::f03c:92ff:fe48:dc47'],
      privateIps: ['192.168.1.230'],
      image: 'linode/centos7',
      size: 'g6-nanode-1',
      createdAt: '2020-10-08T18:51:29.000Z',
      tags: {'123': '', abcdefg: '', testing: ''},
    })
    expect(first.extra.linode).toEqual({
      label: 'test_2',
      group: undefined,
      hypervisor: 'kvm',
      ipv6: '2a01:7e00::f03c:92ff:fe48:dc47',
      vcpus: 1,
      memoryMb: 1024,
      diskMb: 25_600,
    })
    expect(second.privateIps).toEqual([])
  })

  it('follows page/pages: all 34 images from two recorded pages', async () => {
    const driver = await createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home})
    const before = server.requests.length
    const images = await driver.listImages()
    expect(images).toHaveLength(34)
    expect(new Set(images.map((i) => i.id)).size).toBe(34)
    const pages = server.requests.slice(before).map((r) => [r.query.get('page'), r.query.get('page_size')])
    expect(pages).toEqual([
      ['1', '500'],
      ['2', '500'],
    ])
    expect(images.find((i) => i.id === 'linode/debian10')).toMatchObject({name: 'Debian 10', os: 'Debian', owner: 'linode', public: true})
  })

  it('maps the recorded types to sizes with hourly prices and disk in GB', async () => {
    const driver = await createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home})
    const sizes = await driver.listSizes()
    expect(sizes).toHaveLength(28)
    expect(sizes.find((s) => s.id === 'g6-nanode-1')).toMatchObject({
      name: 'Nanode 1GB',
      vcpus: 1,
      memoryMb: 1024,
      diskGb: 25,
      priceHourly: 0.0075,
      extra: {class: 'nanode', priceMonthly: 5, transferGb: 1000},
    })
  })

  it('maps regions with upper-case country codes and key pairs with their public keys', async () => {
    const driver = await createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home})
    const regions = await driver.listLocations()
    expect(regions.find((l) => l.id === 'ap-west')).toMatchObject({kind: 'region', country: 'IN'})
    const [key] = await driver.listKeyPairs()
    expect(key).toMatchObject({name: 'My SSH Key', id: '42', publicKey: expect.stringMatching(/^ssh-rsa /)})
    // The recorded key is not a real key blob, so there is no fingerprint to compute.
    expect(key.fingerprint).toBeUndefined()
  })

  it('maps the recorded create response (status provisioning) to a pending node', async () => {
    const driver = await createDriver(settings(), {log: silentLog, dataDir: home, cacheDir: home})
    const node = await driver.createNode({name: 'TestNode', image: 'linode/centos7', size: 'g6-nanode-1', location: 'eu-west'})
    expect(node).toMatchObject({
      id: '45501392',
      state: 'pending',
      providerState: 'provisioning',
      publicIps: ['45.32.179.25', '2a39:7b00::f03c:92dd:f277:4ff4'],
      privateIps: ['192.168.206.100'],
    })
  })
})
