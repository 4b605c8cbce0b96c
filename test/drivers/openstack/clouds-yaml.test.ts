import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {ValidationError} from '../../../src/core/errors.js'
import {createDriver} from '../../../src/drivers/openstack/index.js'
import {FakeCloud, KEYSTONE_USER, RACKSPACE_USER} from './fake-cloud.js'
import {type Sandbox, sandboxDir, settings} from './helpers.js'

/** OpenStack configuration the way its users keep it: clouds.yaml (and secure.yaml) picked by OS_CLOUD. */
describe('clouds.yaml', () => {
  let cloud: FakeCloud
  let box: Sandbox

  beforeAll(async () => {
    cloud = await new FakeCloud().start()
  })
  afterAll(async () => {
    await cloud.stop()
  })
  beforeEach(() => {
    box = sandboxDir()
    cloud.requests.length = 0
  })
  afterEach(() => box.cleanup())

  function writeClouds(name: 'clouds.yaml' | 'secure.yaml', text: string): NodeJS.ProcessEnv {
    const dir = join(box.dir, 'xdg', 'openstack')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, name), text)
    return {XDG_CONFIG_HOME: join(box.dir, 'xdg')}
  }

  it('authenticates with the cloud OS_CLOUD names, its region and its password from secure.yaml', async () => {
    const env = writeClouds(
      'clouds.yaml',
      `clouds:
  lab:
    auth:
      auth_url: ${cloud.identity}/v3
      username: ${KEYSTONE_USER.username}
      project_name: ${KEYSTONE_USER.project}
      user_domain_name: Default
      project_domain_name: Default
    region_name: regionOne
    interface: public
    identity_api_version: 3
  other:
    auth:
      auth_url: http://192.0.2.1:5000/v3
`,
    )
    writeClouds('secure.yaml', `clouds:\n  lab:\n    auth:\n      password: ${KEYSTONE_USER.password}\n`)
    const driver = await createDriver(settings('openstack', {env: {...env, OS_CLOUD: 'lab'}, homeDir: box.dir}), box.context())
    expect(driver.region).toBe('regionOne')
    expect((await driver.listNodes()).length).toBe(2)
    const token = cloud.requests.find((r) => r.path === '/identity/v3/auth/tokens')
    expect(token?.body).toMatchObject({auth: {scope: {project: {name: 'admin', domain: {name: 'Default'}}}}})
  })

  it('a Keystone v2.0 cloud whose catalogue has several compute services picks one by compute_service_name', async () => {
    const yaml = (serviceName?: string) =>
      `clouds:
  legacy:
    auth:
      auth_url: ${cloud.identity}/v2.0
      username: ${RACKSPACE_USER.username}
      password: ${RACKSPACE_USER.password}
      project_name: '1337'
    region_name: DFW
${serviceName ? `    compute_service_name: ${serviceName}\n` : ''}`
    const ambiguous = writeClouds('clouds.yaml', yaml())
    await expect(createDriver(settings('openstack', {env: {...ambiguous, OS_CLOUD: 'legacy'}}), box.context())).rejects.toBeInstanceOf(ValidationError)
    const named = writeClouds('clouds.yaml', yaml('cloudServersOpenStack'))
    const driver = await createDriver(settings('openstack', {env: {...named, OS_CLOUD: 'legacy'}}), box.context())
    expect(driver.region).toBe('DFW')
    await driver.listSizes()
    expect(cloud.computeRequests().at(-1)?.endpoint).toBe('dfw.servers.api.rackspacecloud.com/v2/1337')
  })

  it('--region and --endpoint override what clouds.yaml says', async () => {
    const env = writeClouds(
      'clouds.yaml',
      `clouds:
  lab:
    auth: {auth_url: 'http://192.0.2.1:5000/v3', username: demo, password: ${KEYSTONE_USER.password}, project_name: admin}
    region_name: RegionTwo
`,
    )
    const driver = await createDriver(settings('openstack', {env: {...env, OS_CLOUD: 'lab'}, region: 'REGIONONE', endpoint: `${cloud.identity}/v3`}), box.context())
    expect(driver.region).toBe('regionOne')
  })
})
