import {afterAll, beforeAll, expect, it} from 'vitest'

import {createDriver} from '../../../src/drivers/openstack/index.js'
import {describeDriverContract} from '../contract.js'
import {FakeCloud, KEYSTONE_USER} from './fake-cloud.js'
import {type Sandbox, sandboxDir, settings} from './helpers.js'

// Any OpenStack: Keystone v3 (password, project scope) and v2.0 (password, tenant), Nova from recorded bodies.
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

function osEnv(authUrl: string): NodeJS.ProcessEnv {
  return {
    OS_AUTH_URL: authUrl,
    OS_USERNAME: KEYSTONE_USER.username,
    OS_PASSWORD: KEYSTONE_USER.password,
    OS_PROJECT_NAME: KEYSTONE_USER.project,
    OS_USER_DOMAIN_NAME: KEYSTONE_USER.domain,
    OS_PROJECT_DOMAIN_NAME: KEYSTONE_USER.domain,
  }
}

describeDriverContract({
  name: 'openstack, Keystone v3 (recorded responses)',
  extraKey: 'openstack',
  missingNodeId: 'no-such-server',
  minNodes: 2,
  open: () => createDriver(settings('openstack', {env: osEnv(`${cloud.identity}/v3`)}), box.context()),
})

describeDriverContract({
  name: 'openstack, Keystone v2.0 (recorded responses)',
  extraKey: 'openstack',
  missingNodeId: 'no-such-server',
  minNodes: 2,
  open: () => createDriver(settings('openstack', {env: {...osEnv(`${cloud.identity}/v2.0`), OS_REGION_NAME: 'RegionOne'}}), box.context()),
})

it('reached each Nova through its catalogue, with the 2.1 microversion and schema-valid bodies', () => {
  expect(cloud.violations).toEqual([])
  const endpoints = new Set(cloud.computeRequests().map((r) => r.endpoint))
  // v3: the public compute endpoint of regionOne; v2.0: the "nova" service of RegionOne.
  expect([...endpoints].sort()).toEqual(['192.168.18.100:8774/v2/9c4693dce56b493b9b83197d900f7fba', 'test_endpoint.com/v2/1337'])
  for (const r of cloud.computeRequests()) expect(r.headers['x-openstack-nova-api-version']).toBe('2.1')
})
