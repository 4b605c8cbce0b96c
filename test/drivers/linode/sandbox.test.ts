import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ssh2 from 'ssh2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {NotFoundError} from '../../../src/core/errors.js'
import {silentLog} from '../../../src/core/log.js'
import {createDriver} from '../../../src/drivers/linode/index.js'
import type {CloudDriver} from '../../../src/drivers/types.js'
import {type SandboxHandle, startSandbox} from '../../../src/sandbox/index.js'
import {generateEd25519KeyPair} from '../../../src/sandbox/keys.js'
import {expectNodeShape} from '../contract.js'

/** The Linode driver against the sandbox's Linode emulator: the whole life of a node, and its SSH key. */

let sandbox: SandboxHandle
let dir: string
let driver: CloudDriver

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mc-linode-sandbox-'))
  sandbox = await startSandbox({port: 0, dataDir: join(dir, 'sandbox'), bootDelayMs: 1000})
  driver = await createDriver(
    {
      provider: 'linode',
      profileName: 'sandbox',
      values: {token: sandbox.credentials.linode.token},
      endpoint: sandbox.endpoints.linode,
      region: 'us-east',
      env: {},
      homeDir: dir,
    },
    {log: silentLog, dataDir: dir, cacheDir: dir},
  )
})

afterAll(async () => {
  await sandbox?.stop()
  rmSync(dir, {recursive: true, force: true})
})

/** Log in as root with the key the node was created with: proof that authorized_keys arrived. */
async function sshLogin(port: number, privateKey: string): Promise<string> {
  const client = new ssh2.Client()
  try {
    return await new Promise<string>((resolve, reject) => {
      client.once('ready', () => resolve('ready'))
      client.once('error', reject)
      client.connect({host: '127.0.0.1', port, username: 'root', privateKey, readyTimeout: 10_000})
    })
  } finally {
    client.end()
  }
}

describe('linode driver against the sandbox', () => {
  it('offers sizes with prices, probe-ready images and regions', async () => {
    const sizes = await driver.listSizes()
    expect(sizes.find((s) => s.id === 'g6-nanode-1')).toMatchObject({vcpus: 1, memoryMb: 1024, diskGb: 25})
    expect(sizes.every((s) => typeof s.priceHourly === 'number')).toBe(true)
    const images = await driver.listImages()
    expect(images.length).toBeGreaterThan(0)
    expect(images.every((i) => i.probeReady)).toBe(true)
    expect((await driver.listLocations()).map((l) => l.id)).toContain('us-east')
  })

  it('creates a node, waits until it runs, lists it, and deletes it', async () => {
    const key = await generateEd25519KeyPair('mc@linode-test')
    const created = await driver.createNode({
      name: 'mc-probe-sandbox',
      image: 'linode/debian12',
      size: 'g6-nanode-1',
      keyName: 'mc-linode-test',
      publicKey: key.publicKey,
      tags: {role: 'probe', managed: ''},
    })
    expect(created.state).toBe('pending')
    expect(created.providerState).toBe('provisioning')
    expect(created.region).toBe('us-east')

    const running = await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 20_000})
    expectNodeShape(running, {extraKey: 'linode'})
    expect(running.state).toBe('running')
    expect(running.publicIps.length).toBeGreaterThan(0)
    expect(running.tags).toMatchObject({role: 'probe', managed: '', 'mc-ssh-port': expect.stringMatching(/^\d+$/)})
    expect(await sshLogin(Number(running.tags['mc-ssh-port']), key.privateKey)).toBe('ready')

    expect((await driver.listKeyPairs()).map((k) => k.name)).toContain('mc-linode-test')
    const listed = await driver.listNodes({tags: {role: 'probe'}})
    expect(listed.map((n) => n.id)).toEqual([created.id])

    await driver.rebootNode(created.id)
    expect((await driver.getNode(created.id)).state).toBe('rebooting')
    await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 20_000})

    await driver.destroyNode(created.id)
    const gone = await driver.getNode(created.id).then(
      (node) => node.state,
      (error: unknown) => (error instanceof NotFoundError ? 'not found' : error),
    )
    expect(['terminated', 'not found']).toContain(gone)
    await expect.poll(async () => (await driver.listNodes()).map((n) => n.id), {timeout: 10_000, interval: 100}).not.toContain(created.id)
  })
})
