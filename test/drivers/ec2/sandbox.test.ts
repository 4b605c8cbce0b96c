import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {NotFoundError} from '../../../src/core/errors.js'
import {pollUntil} from '../../../src/core/retry.js'
import type {CloudDriver, ProviderSettings} from '../../../src/drivers/types.js'
import {type SandboxHandle, startSandbox} from '../../../src/sandbox/index.js'
import {describeDriverContract} from '../contract.js'
import {closeDrivers, openDriver, tempHome} from './helpers.js'

// The EC2 driver against the sandbox's EC2 emulator (SigV4-checked, EC2's XML and error documents).
const PUBLIC_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl mc-probe'
let sandbox: SandboxHandle
const {home, cleanup} = tempHome()

beforeAll(async () => {
  sandbox = await startSandbox({port: 0, dataDir: join(home, 'sandbox'), bootDelayMs: 200, seedNodes: {ec2: 3}})
}, 60_000)
afterEach(async () => {
  await closeDrivers()
})
afterAll(async () => {
  await sandbox?.stop()
  cleanup()
})

function settings(overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  const c = sandbox.credentials.ec2
  return {
    provider: 'ec2',
    profileName: 'sandbox',
    values: {accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey},
    region: c.region,
    endpoint: sandbox.endpoints.ec2,
    env: {},
    homeDir: home,
    ...overrides,
  }
}

async function waitUntilGone(driver: CloudDriver, id: string): Promise<void> {
  await pollUntil(
    async () => {
      try {
        return (await driver.getNode(id)).state
      } catch (error) {
        if (error instanceof NotFoundError) return 'gone'
        throw error
      }
    },
    (state) => state === 'terminated' || state === 'gone',
    {timeoutMs: 20_000, pollMs: 50, what: `${id} to terminate`},
  )
}

describeDriverContract({
  name: 'ec2 (sandbox)',
  extraKey: 'ec2',
  open: () => openDriver(settings()),
  missingNodeId: 'i-0123456789abcdef0',
  minNodes: 3,
})

describe('ec2 against the sandbox', () => {
  // The shared life of a node is in test/drivers/lifecycle.contract.test.ts; here, what only EC2 has.
  it('a repeated client token is the same instance; the probe security group; stop and start', async () => {
    const driver = await openDriver(settings())
    const image = (await driver.listImages()).find((i) => i.probeReady && i.architecture === 'x86_64')
    expect(image, 'a probe-ready x86_64 image among the default listing').toBeDefined()
    const size = (await driver.listSizes()).find((s) => s.id === 't3.micro')
    expect(size).toMatchObject({vcpus: 2, memoryMb: 1024})

    const created = await driver.createNode({
      name: 'it-ec2-probe',
      image: image!.id,
      size: 't3.micro',
      keyName: 'it-ec2-key',
      publicKey: PUBLIC_KEY,
      allowSshAndIcmp: true,
      tags: {'mc-fleet': 'it'},
      userData: '#!/bin/sh\ntrue\n',
      clientToken: 'it-ec2-create-1',
    })
    expect(created).toMatchObject({name: 'it-ec2-probe', provider: 'ec2', region: 'us-east-1', image: image!.id, size: 't3.micro', state: 'pending'})
    expect((await driver.listKeyPairs()).map((k) => k.name)).toContain('it-ec2-key')

    // The same client token again is the same instance, not a second one.
    const again = await driver.createNode({
      name: 'it-ec2-probe',
      image: image!.id,
      size: 't3.micro',
      keyName: 'it-ec2-key',
      allowSshAndIcmp: true,
      tags: {'mc-fleet': 'it'},
      userData: '#!/bin/sh\ntrue\n',
      clientToken: 'it-ec2-create-1',
    })
    expect(again.id).toBe(created.id)

    const running = await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 20_000})
    expect(running).toMatchObject({id: created.id, state: 'running', providerState: 'running', tags: {Name: 'it-ec2-probe', 'mc-fleet': 'it'}})
    expect(running.publicIps.length).toBeGreaterThan(0)
    expect(Number(running.tags['mc-ssh-port'])).toBeGreaterThan(0)
    expect(running.extra.ec2?.securityGroups.length).toBe(1)

    const listed = await driver.listNodes({tags: {'mc-fleet': 'it'}, states: ['running'], name: 'it-ec2-*'})
    expect(listed.map((n) => n.id)).toEqual([created.id])

    await driver.stopNode!(created.id)
    await pollUntil(
      () => driver.getNode(created.id),
      (n) => n.state === 'stopped',
      {timeoutMs: 20_000, pollMs: 50, what: 'stopped'},
    )
    await driver.startNode!(created.id)
    await driver.waitUntilRunning(created.id, {pollMs: 50, timeoutMs: 20_000})

    await driver.destroyNode(created.id)
    await waitUntilGone(driver, created.id)
    expect((await driver.listNodes({states: ['running', 'pending']})).map((n) => n.id)).not.toContain(created.id)
  })

  it('--region all lists every sandbox region, nodes tagged with theirs', async () => {
    const driver = await openDriver(settings({region: 'all'}))
    const regions = await driver.listRegions!()
    expect(regions).toContain('us-east-1')
    expect(regions.length).toBeGreaterThan(1)
    const nodes = await driver.listNodes()
    expect(nodes.length).toBeGreaterThanOrEqual(3)
    for (const node of nodes) expect(regions).toContain(node.region)
  })

  it.skipIf(!existsSync('/usr/bin/aws'))(
    'lists the same instances as the AWS CLI against the same endpoint',
    async () => {
      const driver = await openDriver(settings())
      const ours = (await driver.listNodes()).map((n) => n.id)
      const c = sandbox.credentials.ec2
      const {stdout} = await promisify(execFile)('/usr/bin/aws', ['ec2', 'describe-instances', '--endpoint-url', sandbox.endpoints.ec2, '--output', 'json'], {
        env: {PATH: process.env.PATH, HOME: home, AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_DEFAULT_REGION: c.region, AWS_PAGER: ''},
      })
      const theirs = (JSON.parse(stdout) as {Reservations: {Instances: {InstanceId: string}[]}[]}).Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId))
      expect(ours.length).toBeGreaterThanOrEqual(3)
      expect(ours).toEqual(theirs)
    },
    60_000,
  )
})
