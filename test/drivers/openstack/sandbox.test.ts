import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {pollUntil} from '../../../src/core/retry.js'
import {createDriver} from '../../../src/drivers/openstack/index.js'
import {type SandboxHandle, startSandbox} from '../../../src/sandbox/index.js'
import {http, keystoneToken} from '../../sandbox/helpers.js'
import {describeDriverContract} from '../contract.js'
import {type Sandbox, sandboxDir, settings} from './helpers.js'

// The OpenStack driver against the sandbox's Keystone (v3 and v2.0) and Nova 2.1 emulator.
let sandbox: SandboxHandle
let box: Sandbox
let dataDir: string

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mc-sandbox-os-'))
  sandbox = await startSandbox({port: 0, dataDir, bootDelayMs: 200, seedNodes: {openstack: 2}})
  box = sandboxDir()
})

afterAll(async () => {
  await sandbox?.stop()
  box?.cleanup()
  rmSync(dataDir, {recursive: true, force: true})
})

function osEnv(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const c = sandbox.credentials.openstack
  return {
    OS_AUTH_URL: sandbox.endpoints.openstack,
    OS_USERNAME: c.username,
    OS_PASSWORD: c.password,
    OS_PROJECT_NAME: c.projectName,
    OS_USER_DOMAIN_NAME: c.userDomainName,
    OS_PROJECT_DOMAIN_NAME: c.projectDomainName,
    OS_REGION_NAME: c.region,
    ...overrides,
  }
}

describe('openstack against the sandbox', () => {
  // A node's whole life is in test/drivers/lifecycle.contract.test.ts; here, each way to authenticate.
  it('Keystone v3 password from the OS_* variables', async () => {
    const driver = await createDriver(settings('openstack', {env: osEnv()}), box.context())
    expect(driver.region).toBe('RegionOne')
    expect((await driver.listSizes()).length).toBeGreaterThan(0)
  })

  it('Keystone v3 application credential, in the other region', async () => {
    const c = sandbox.credentials.openstack
    const env = {
      OS_AUTH_URL: sandbox.endpoints.openstack,
      OS_APPLICATION_CREDENTIAL_ID: c.applicationCredentialId,
      OS_APPLICATION_CREDENTIAL_SECRET: c.applicationCredentialSecret,
    }
    const driver = await createDriver(settings('openstack', {env, region: 'regiontwo'}), box.context())
    expect(driver.region).toBe('RegionTwo')
    expect((await driver.listSizes()).length).toBeGreaterThan(0)
  })

  it('Keystone v2.0 password, found from the bare identity URL', async () => {
    const base = sandbox.endpoints.openstack.replace(/\/v3$/, '')
    const driver = await createDriver(settings('openstack', {env: osEnv({OS_AUTH_URL: base, OS_IDENTITY_API_VERSION: '2.0'})}), box.context())
    expect(driver.region).toBe('RegionOne')
    expect((await driver.listSizes()).length).toBeGreaterThan(0)
  })

  it('start and stop', async () => {
    const driver = await createDriver(settings('openstack', {env: osEnv()}), box.context())
    const [node] = await driver.listNodes({states: ['running']})
    await driver.stopNode!(node.id)
    expect((await driver.getNode(node.id)).state).toBe('stopping')
    await pollUntil(
      () => driver.getNode(node.id),
      (n) => n.state === 'stopped',
      {timeoutMs: 10_000, pollMs: 50, what: 'SHUTOFF'},
    )
    // Only once SHUTOFF: Nova answers 409 to a start while the server is still powering off.
    await driver.startNode!(node.id)
    expect(await driver.waitUntilRunning(node.id, {pollMs: 50, timeoutMs: 10_000})).toMatchObject({state: 'running'})
  })
})

const root = () => sandbox.endpoints.openstack.replace(/\/identity\/v3$/, '')

async function neutron(path: string): Promise<{
  security_groups: {
    id: string
    name: string
    security_group_rules: {direction: string; ethertype: string; protocol: string | null; port_range_min: number | null; remote_ip_prefix: string | null}[]
  }[]
}> {
  const res = await http(`${root()}/network/regionone/v2.0${path}`, {headers: {'x-auth-token': (await keystoneToken(sandbox)).token}})
  expect(res.status).toBe(200)
  return res.body
}

async function groupsOf(id: string): Promise<string[]> {
  const res = await http(`${root()}/compute/regionone/v2.1/servers/${id}`, {headers: {'x-auth-token': (await keystoneToken(sandbox)).token}})
  return res.body.server.security_groups.map((g: {name: string}) => g.name)
}

describe('the probe security group (Neutron)', () => {
  it('allowSshAndIcmp creates mc-probe with SSH and ICMP rules once, reuses it, and attaches it to each server', async () => {
    const driver = await createDriver(settings('openstack', {env: osEnv()}), box.context())
    const [image] = await driver.listImages()
    const request = {image: image.id, size: '2', allowSshAndIcmp: true}
    const [one, two] = await Promise.all([driver.createNode({...request, name: 'sg-one'}), driver.createNode({...request, name: 'sg-two'})])
    const {security_groups: groups} = await neutron('/security-groups?name=mc-probe')
    expect(groups).toHaveLength(1)
    const ingress = groups[0].security_group_rules.filter((r) => r.direction === 'ingress')
    expect(ingress.map((r) => [r.ethertype, r.protocol, r.port_range_min, r.remote_ip_prefix]).sort()).toEqual([
      ['IPv4', 'icmp', null, '0.0.0.0/0'],
      ['IPv4', 'tcp', 22, '0.0.0.0/0'],
      ['IPv6', 'ipv6-icmp', null, '::/0'],
      ['IPv6', 'tcp', 22, '::/0'],
    ])
    for (const node of [one, two]) expect(await groupsOf(node.id)).toEqual(['default', 'mc-probe'])
    // A later driver finds the group and makes no second one.
    const again = await createDriver(settings('openstack', {env: osEnv()}), box.context())
    const three = await again.createNode({...request, name: 'sg-three'})
    expect(await groupsOf(three.id)).toEqual(['default', 'mc-probe'])
    expect((await neutron('/security-groups?name=mc-probe')).security_groups).toHaveLength(1)
    // Without the flag a server keeps the project's default group only.
    const plain = await again.createNode({image: image.id, size: '2', name: 'sg-plain'})
    expect(await groupsOf(plain.id)).toEqual(['default'])
    for (const node of [one, two, three, plain]) await again.destroyNode(node.id)
  })
})

describeDriverContract({
  name: 'openstack (sandbox)',
  extraKey: 'openstack',
  missingNodeId: '00000000-0000-4000-a000-000000000000',
  open: () => createDriver(settings('openstack', {env: osEnv()}), box.context()),
})
