import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import ssh2 from 'ssh2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AuthError, NotFoundError} from '../../src/core/errors.js'
import {silentLog} from '../../src/core/log.js'
import type {Image, ProviderName, Size} from '../../src/core/model.js'
import {SSH_PORT_KEY} from '../../src/core/probe-conventions.js'
import {descriptor, PROVIDERS} from '../../src/drivers/registry.js'
import type {CloudDriver, ProviderSettings} from '../../src/drivers/types.js'
import {type SandboxHandle, startSandbox} from '../../src/sandbox/index.js'
import {generateEd25519KeyPair} from '../../src/sandbox/keys.js'
import {expectNodeShape} from './contract.js'
import {waitUntilGone} from './openstack/sandbox-lifecycle.js'

/**
 * The lifecycle contract: every registered cloud's driver, against its sandbox emulator, through the
 * CloudDriver interface only: create (with an imported key, tags, user data and, where the cloud has
 * one, the probe firewall), wait until running, log in over SSH with the key, list (across pages),
 * show, reboot, destroy; a missing node is a NotFoundError, a wrong secret an
 * AuthError. A cloud added to the two registries runs it with nothing added here.
 */

/** More nodes than any driver's page (EC2 and Nova 1,000, Linode 500, DigitalOcean 200): every listing pages. */
const SEEDED = 1001

let sandbox: SandboxHandle
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mc-lifecycle-contract-'))
  sandbox = await startSandbox({port: 0, dataDir: join(dir, 'sandbox'), bootDelayMs: 300, seedNodes: SEEDED})
}, 120_000)

afterAll(async () => {
  await sandbox?.stop()
  rmSync(dir, {recursive: true, force: true})
})

/** The driver settings the sandbox's mc profile gives a cloud, optionally with its secrets changed. */
function settingsFor(provider: ProviderName, wrongSecrets = false): ProviderSettings {
  const prefix = `${provider}.`
  const secret = new Set(
    descriptor(provider)
      .configKeys.filter((k) => k.secret)
      .map((k) => k.name),
  )
  const values = Object.fromEntries(
    Object.entries(sandbox.profile)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), wrongSecrets && secret.has(key.slice(prefix.length)) ? `${value}x` : value]),
  )
  return {provider, profileName: 'sandbox', values, endpoint: values.endpoint, region: values.region, env: {}, homeDir: dir}
}

async function open(provider: ProviderName, wrongSecrets = false): Promise<CloudDriver> {
  return (await descriptor(provider).load()).createDriver(settingsFor(provider, wrongSecrets), {log: silentLog, dataDir: dir, cacheDir: dir})
}

/** A probe-ready x86 image and the cheapest size that holds it. */
function pick(images: Image[], sizes: Size[]): {image: Image; size: Size} {
  const image = images.find((i) => i.probeReady && (!i.architecture || i.architecture === 'x86_64'))
  expect(image, 'a probe-ready x86_64 image').toBeDefined()
  const fits = sizes
    .filter((s) => (s.diskGb ?? 0) >= (image!.minDiskGb ?? 0) && s.memoryMb >= (image!.minMemoryMb ?? 0) && (!s.architecture || s.architecture.includes('x86_64')))
    .sort((a, b) => a.memoryMb - b.memoryMb || (a.priceHourly ?? 0) - (b.priceHourly ?? 0))
  expect(fits.length, 'a size that holds the image').toBeGreaterThan(0)
  return {image: image!, size: fits[0]}
}

/** Log in with the key the node was created with, on its published port: proof the key arrived. */
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

/** An id of the cloud's own form that no node has. */
function missingId(id: string): string {
  return /^\d+$/.test(id) ? String(Number(id) + 7_777_777) : id.replace(/.$/, (c) => (c === '0' ? '1' : '0'))
}

describe.each(PROVIDERS.map((p) => [p]))('lifecycle contract: %s', (provider) => {
  it('creates, waits, lists across pages, shows, reboots and destroys a node', async () => {
    const driver = await open(provider)
    const {image, size} = pick(await driver.listImages(), await driver.listSizes())
    const name = `mc-lc-${provider}`
    const key = await generateEd25519KeyPair(`mc@${provider}`)
    const created = await driver.createNode({
      name,
      image: image.id,
      size: size.id,
      keyName: `${name}-key`,
      publicKey: key.publicKey,
      tags: {'mc-contract': 'yes'},
      userData: '#!/bin/sh\necho probe\n',
      allowSshAndIcmp: driver.capabilities.has('securityGroups'),
    })
    expect(created).toMatchObject({name, provider, image: image.id, size: size.id})
    expect(['pending', 'starting', 'running']).toContain(created.state)
    expect((await driver.listKeyPairs()).map((k) => k.name)).toContain(`${name}-key`)

    const running = await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 30_000})
    expect(running).toMatchObject({id: created.id, state: 'running'})
    expect(running.publicIps.length).toBeGreaterThan(0)
    expect(running.tags['mc-contract']).toBe('yes')
    expect(await sshLogin(Number(running.tags[SSH_PORT_KEY]), key.privateKey)).toBe('ready')
    expectNodeShape(running, descriptor(provider))

    const all = await driver.listNodes()
    expect(new Set(all.map((n) => n.id)).size, 'no node listed twice').toBe(all.length)
    expect(all.length).toBeGreaterThanOrEqual(SEEDED + 1)
    expect(all.find((n) => n.id === created.id)).toMatchObject({state: 'running', name})
    expect((await driver.listNodes({tags: {'mc-contract': 'yes'}})).map((n) => n.id)).toEqual([created.id])
    expect(await driver.getNode(created.id)).toMatchObject({id: created.id, name, state: 'running'})

    await driver.rebootNode(created.id)
    expect(await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 30_000})).toMatchObject({state: 'running'})

    await driver.destroyNode(created.id)
    await waitUntilGone(driver, created.id)
    expect((await driver.listNodes({tags: {'mc-contract': 'yes'}})).filter((n) => n.state !== 'terminated')).toEqual([])
    await driver.close?.()
  }, 120_000)

  it('a node that does not exist is a NotFoundError, to show, reboot and destroy', async () => {
    const driver = await open(provider)
    const [some] = await driver.listNodes()
    const id = missingId(some.id)
    await expect(driver.getNode(id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(driver.rebootNode(id)).rejects.toBeInstanceOf(NotFoundError)
    await expect(driver.destroyNode(id)).rejects.toBeInstanceOf(NotFoundError)
    await driver.close?.()
  }, 60_000)

  it('a wrong secret is an AuthError, naming no secret', async () => {
    const error = await open(provider, true)
      .then((driver) => driver.listNodes())
      .then(
        () => {},
        (error_: unknown) => error_,
      )
    expect(error).toBeInstanceOf(AuthError)
    const {values} = settingsFor(provider, true)
    for (const {name, secret} of descriptor(provider).configKeys) if (secret && values[name]) expect((error as Error).message).not.toContain(values[name])
  }, 60_000)
})
