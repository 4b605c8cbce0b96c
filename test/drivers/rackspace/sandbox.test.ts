import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {AuthError} from '../../../src/core/errors.js'
import {createDriver} from '../../../src/drivers/rackspace/index.js'
import {type SandboxHandle, startSandbox} from '../../../src/sandbox/index.js'
import {describeDriverContract} from '../contract.js'
import {sandboxDir, settings, type Sandbox} from '../openstack/helpers.js'

// The Rackspace driver against the sandbox's Rackspace Identity v2.0 and Cloud Servers emulator.
let sandbox: SandboxHandle
let box: Sandbox
let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mc-sandbox-rax-'))
  sandbox = await startSandbox({port: 0, dataDir, bootDelayMs: 200, seedNodes: {rackspace: 2}})
  box = sandboxDir()
})

afterAll(async () => {
  await sandbox?.stop()
  box?.cleanup()
  rmSync(dataDir, {recursive: true, force: true})
})

function open(region = 'ORD', apiKey = sandbox.credentials.rackspace.apiKey) {
  return createDriver(
    settings('rackspace', {region, endpoint: sandbox.endpoints.rackspace, env: {RAX_USERNAME: sandbox.credentials.rackspace.username, RAX_API_KEY: apiKey}}),
    box.context(),
  )
}

describe('rackspace against the sandbox', () => {
  it('reaches every region the catalogue offers, each through its own endpoint', async () => {
    const regions = await (await open('ORD')).listRegions!()
    expect(regions).toEqual(['DFW', 'HKG', 'IAD', 'LON', 'ORD', 'SYD'])
    for (const region of regions) {
      const driver = await open(region.toLowerCase())
      expect(driver.region).toBe(region)
      for (const node of await driver.listNodes()) expect(node.region).toBe(region)
    }
  })

  it('a wrong API key is an AuthError naming the sandbox identity endpoint', async () => {
    const error = await open('ORD', '00000000000000000000000000000000').catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toContain(`Rackspace Identity at ${sandbox.endpoints.rackspace}/v2.0/tokens refused the API key`)
  })
})

describeDriverContract({
  name: 'rackspace (sandbox)',
  extraKey: 'openstack',
  missingNodeId: '00000000-0000-4000-a000-000000000000',
  open: () => open('DFW'),
})
