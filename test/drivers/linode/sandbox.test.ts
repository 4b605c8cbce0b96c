import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {silentLog} from '../../../src/core/log.js'
import {createDriver} from '../../../src/drivers/linode/index.js'
import type {CloudDriver} from '../../../src/drivers/types.js'
import {type SandboxHandle, startSandbox} from '../../../src/sandbox/index.js'

/** The Linode driver against the sandbox's Linode emulator: its catalogue (the node's life is in test/drivers/lifecycle.contract.test.ts). */

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
})
