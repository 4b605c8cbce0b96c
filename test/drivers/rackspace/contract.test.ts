import {afterAll, beforeAll, expect, it} from 'vitest'

import {createDriver} from '../../../src/drivers/rackspace/index.js'
import {describeDriverContract} from '../contract.js'
import {FakeCloud, RACKSPACE_USER} from '../openstack/fake-cloud.js'
import {type Sandbox, sandboxDir, settings} from '../openstack/helpers.js'

// Rackspace Identity v2.0 (API key) and Cloud Servers, served from libcloud's recorded bodies.
const cloud = new FakeCloud()
let box: Sandbox

beforeAll(async () => {
  box = sandboxDir()
  await cloud.start()
})

afterAll(async () => {
  await cloud.stop()
  box.cleanup()
})

describeDriverContract({
  name: 'rackspace (recorded responses)',
  extraKey: 'openstack',
  missingNodeId: 'no-such-server',
  minNodes: 2,
  open: () =>
    createDriver(
      settings('rackspace', {
        region: 'ORD',
        endpoint: cloud.identity,
        env: {RAX_USERNAME: RACKSPACE_USER.username, RAX_API_KEY: RACKSPACE_USER.apiKey},
      }),
      box.context(),
    ),
})

it('sent no request that breaks the Nova 2.1 schema, each with the microversion header', () => {
  expect(cloud.violations).toEqual([])
  const compute = cloud.computeRequests()
  expect(compute.length).toBeGreaterThan(0)
  for (const r of compute) {
    expect(r.endpoint).toBe('ord.servers.api.rackspacecloud.com/v2/1337')
    expect(r.headers['x-openstack-nova-api-version']).toBe('2.1')
    expect(r.headers['openstack-api-version']).toBe('compute 2.1')
  }
})
