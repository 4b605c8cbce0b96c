import {execFile, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {OPENSTACK} from '../../src/sandbox/catalog.js'
import {openSandbox, type TestSandbox} from '../sandbox/helpers.js'

// Apache Libcloud (Debian's python3-libcloud) is an independent client: if its own EC2, OpenStack,
// Rackspace and Linode drivers list, create and destroy nodes against the sandbox, the sandbox
// speaks those protocols as the real clouds do.
const PYTHON = '/usr/bin/python3'
const CLIENT = fileURLToPath(new URL('libcloud_client.py', import.meta.url))
const probe = spawnSync(PYTHON, ['-c', 'import libcloud; print(libcloud.__version__)'], {encoding: 'utf8'})
const skip = probe.status === 0 ? undefined : `${PYTHON} cannot import libcloud: install the Debian package python3-libcloud`
const run = promisify(execFile)

interface SeenNode {
  id: string
  name: string
  state: string
  public_ips: string[]
  private_ips: string[]
}

interface Lifecycle {
  before: SeenNode[]
  created: SeenNode
  running: SeenNode
  extra: Record<string, unknown>
  listed: SeenNode[]
  destroyed: boolean
  after: SeenNode[]
  [more: string]: unknown
}

let box: TestSandbox

/** The Python client runs as a child process, so the sandbox in this process keeps answering. */
async function libcloud(driver: string, config: Record<string, unknown>): Promise<Lifecycle> {
  const {stdout} = await run(PYTHON, [CLIENT, driver, JSON.stringify(config)], {encoding: 'utf8', timeout: 60_000})
  return JSON.parse(stdout) as Lifecycle
}

function expectLifecycle(result: Lifecycle, name: string): void {
  expect(result.created.name).toBe(name)
  expect(result.running).toMatchObject({id: result.created.id, state: 'running', public_ips: expect.arrayContaining(['127.0.0.1'])})
  expect(result.listed.map((n) => n.id)).toContain(result.created.id)
  expect(result.listed.length).toBe(result.before.length + 1)
  expect(result.destroyed).toBe(true)
}

describe.skipIf(skip)(`Apache Libcloud drivers against the sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    box = await openSandbox({bootDelayMs: 200, seedNodes: 3})
  })

  afterAll(async () => {
    await box?.close()
  })

  it('EC2 in us-east-1 (Signature Version 2): images, sizes, zones; create, run, destroy', async () => {
    const result = await libcloud('ec2', {...box.handle.credentials.ec2, region: 'us-east-1', port: box.handle.port})
    expect(result.signature_version).toBe('2')
    expectLifecycle(result, 'libcloud-ec2')
    expect(result.before).toHaveLength(3)
    expect(result.images).toContain('debian-12-amd64-20240717-1811')
    expect(result.zones).toContain('us-east-1a')
    // A terminated instance is still listed for a while, as on EC2.
    expect(result.after.find((n) => n.id === result.created.id)?.state).toMatch(/terminated|unknown/)
  })

  it('EC2 in eu-central-1 (Signature Version 4)', async () => {
    const result = await libcloud('ec2', {...box.handle.credentials.ec2, region: 'eu-central-1', port: box.handle.port})
    expect(result.signature_version).toBe('4')
    expectLifecycle(result, 'libcloud-ec2')
    expect(result.before).toHaveLength(0)
  })

  it('OpenStack with Keystone v3 password auth', async () => {
    const c = box.handle.credentials.openstack
    const result = await libcloud('openstack', {...c, identity: box.handle.endpoints.openstack.replace(/\/v3$/, ''), version: '3', imageId: OPENSTACK.images[0].id})
    expectLifecycle(result, 'libcloud-openstack')
    expect(result.sizes).toContain('m1.small')
    expect(result.after.map((n) => n.id)).not.toContain(result.created.id)
    // Libcloud's 1.1 driver asks Nova's proxies (os-networks, os-security-groups, os-volumes); its 2.0
    // driver asks Neutron and Cinder v3.
    for (const api of ['nova', 'neutron']) {
      expect(result[api]).toMatchObject({networks: ['private', 'public'], volumes: []})
    }
    expect(result.neutron).toMatchObject({security_groups: [{name: 'default', rules: 4}]})
    // Nova's proxy shows a group's IPv4 ingress rules only.
    expect(result.nova).toMatchObject({security_groups: [{name: 'default', rules: 1}]})
  })

  it('OpenStack with Keystone v2.0 password auth', async () => {
    const c = box.handle.credentials.openstack
    const result = await libcloud('openstack', {...c, identity: box.handle.endpoints.openstack.replace(/\/v3$/, ''), version: '2', imageId: OPENSTACK.images[1].id})
    expectLifecycle(result, 'libcloud-openstack')
  })

  it('Rackspace with an API key, in ORD', async () => {
    const result = await libcloud('rackspace', {...box.handle.credentials.rackspace, identity: box.handle.endpoints.rackspace})
    expectLifecycle(result, 'libcloud-rackspace')
    expect(result.images).toContain('Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)')
    expect(result.running.public_ips).toHaveLength(2)
    // Rackspace's own extensions: os-networksv2 (public and ServiceNet), no security groups, os-volumes.
    expect(result.networks).toEqual(['private', 'public'])
    expect(result.security_groups).toEqual([])
    expect(result.volumes).toEqual([])
  })

  it('Linode API v4, with the connection pointed at the sandbox', async () => {
    const result = await libcloud('linode', {token: box.handle.credentials.linode.token, port: box.handle.port})
    expectLifecycle(result, 'libcloud-linode')
    expect(result.created.state).toBe('starting')
    // Libcloud reports Linode's hourly price.
    expect(result.sizes).toContainEqual({id: 'g6-nanode-1', price: 0.0075})
    expect(result.images).toEqual(expect.arrayContaining(['linode/debian12', 'linode/ubuntu24.04']))
    // ex_list_disks reads a Linode's disks, list_volumes its (empty) Block Storage.
    const disks = result.disks as {filesystem: string; state: string}[]
    expect(disks.map((d) => d.filesystem)).toEqual(['ext4', 'swap'])
    expect(disks.every((d) => d.state === 'available')).toBe(true)
    expect(result.volumes).toEqual([])
    expect(result.after.map((n) => n.id)).not.toContain(result.created.id)
  })
})
