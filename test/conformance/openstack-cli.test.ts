import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {createDriver} from '../../src/drivers/openstack/index.js'
import {sandboxDir, settings} from '../drivers/openstack/helpers.js'
import {openSandbox, type TestSandbox} from '../sandbox/helpers.js'

// Debian's openstack CLI (python3-openstackclient, /usr/bin/openstack) is an independent client of
// Keystone v3, Nova, Glance and Neutron: configured by a clouds.yaml, it must not be able to tell the
// sandbox from a DevStack cloud, and mc must list what it lists.
const OPENSTACK = '/usr/bin/openstack'
const skip = existsSync(OPENSTACK) ? undefined : `${OPENSTACK} is missing: install the Debian package python3-openstackclient`
const run = promisify(execFile)

let box: TestSandbox
let home: string

// The CLI's JSON output, read field by field in the assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function openstack(args: string[]): Promise<any> {
  const env = {PATH: '/usr/bin:/bin', HOME: home, OS_CLIENT_CONFIG_FILE: join(home, 'clouds.yaml'), OS_CLOUD: 'sandbox'}
  const {stdout} = await run(OPENSTACK, [...args, ...(args.includes('delete') ? [] : ['-f', 'json'])], {env, timeout: 90_000})
  // `--wait` writes its progress lines to stdout before the document.
  const document = stdout.replaceAll(/^Progress: \d+\s*$/gm, '').trim()
  return document ? JSON.parse(document) : undefined
}

function ids(items: {ID?: string; id?: string}[]): string[] {
  return items.map((i) => String(i.ID ?? i.id)).sort()
}

// Each run of the CLI costs seconds of Python start-up on a loaded machine.
const SLOW = {timeout: 240_000}

describe.skipIf(skip)(`the openstack CLI against the sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mc-openstack-cli-'))
    box = await openSandbox({bootDelayMs: 300, seedNodes: {openstack: 2}})
    const c = box.handle.credentials.openstack
    writeFileSync(
      join(home, 'clouds.yaml'),
      [
        'clouds:',
        '  sandbox:',
        '    auth:',
        `      auth_url: ${box.handle.endpoints.openstack.replace(/\/v3$/, '')}`,
        `      username: ${c.username}`,
        `      password: "${c.password}"`,
        `      project_name: ${c.projectName}`,
        `      user_domain_name: ${c.userDomainName}`,
        `      project_domain_name: ${c.projectDomainName}`,
        `    region_name: ${c.region}`,
        '    identity_api_version: 3',
        '    interface: public',
        '',
      ].join('\n'),
    )
  })

  afterAll(async () => {
    await box?.close()
    if (home) rmSync(home, {recursive: true, force: true})
  })

  it('image list (Glance), flavor list --long (extra specs), network list and security group list (Neutron)', SLOW, async () => {
    // Independent calls run at once: each costs seconds of Python start-up.
    const [images, flavors, networks, groups] = await Promise.all([
      openstack(['image', 'list']),
      openstack(['flavor', 'list', '--long']),
      openstack(['network', 'list']),
      openstack(['security', 'group', 'list']),
    ])
    expect(images.map((i: {Name: string}) => i.Name)).toEqual([
      'cirros-0.6.2-x86_64-disk',
      'debian-12-genericcloud-amd64',
      'ubuntu-22.04-server-cloudimg-amd64',
      'ubuntu-24.04-server-cloudimg-amd64',
    ])
    expect(images.every((i: {Status: string}) => i.Status === 'active')).toBe(true)
    expect(flavors.find((f: {Name: string}) => f.Name === 'm1.small')).toMatchObject({ID: '2', RAM: 2048, Disk: 20, VCPUs: 1, 'Is Public': true, Properties: {}})
    expect(networks.map((n: {Name: string}) => n.Name).sort()).toEqual(['private', 'public'])
    expect(groups.map((g: {Name: string}) => g.Name)).toEqual(['default'])
    expect(groups[0].Project).toBe(box.handle.credentials.openstack.projectId)

    // mc lists the same images and sizes.
    const driver = await createDriver(settings('openstack', {endpoint: box.handle.endpoints.openstack, env: osEnv()}), sandboxDir().context())
    expect((await driver.listImages()).map((i) => i.id).sort()).toEqual(ids(images))
    expect((await driver.listSizes()).map((s) => s.id).sort()).toEqual(ids(flavors))
  })

  it('server create --wait, server list, server show (2.1 and 2.79) and server delete --wait; mc lists the same servers', SLOW, async () => {
    // The two creates (and later the two shows) are independent: they run at once.
    const [created, newer] = await Promise.all([
      openstack(['server', 'create', '--wait', '--image', 'debian-12-genericcloud-amd64', '--flavor', 'm1.small', 'osc-one']),
      // 2.37 and later require networks: the CLI sends the one named.
      openstack([
        '--os-compute-api-version',
        '2.79',
        'server',
        'create',
        '--wait',
        '--image',
        'cirros-0.6.2-x86_64-disk',
        '--flavor',
        'cirros256',
        '--network',
        'private',
        'osc-two',
      ]),
    ])
    expect(created).toMatchObject({name: 'osc-one', status: 'ACTIVE', flavor: 'm1.small (2)'})
    expect(created.image).toContain('debian-12-genericcloud-amd64')
    expect(created.addresses.public).toEqual(['127.0.0.1'])
    expect(newer.status).toBe('ACTIVE')
    // From 2.47 the server carries its flavor's details instead of a link.
    expect(newer.flavor).toMatchObject({original_name: 'cirros256', ram: 256, vcpus: 1})

    const [listed, shown, shownNewer] = await Promise.all([
      openstack(['server', 'list']),
      openstack(['server', 'show', 'osc-one']),
      openstack(['--os-compute-api-version', '2.79', 'server', 'show', 'osc-two']),
    ])
    expect(listed).toHaveLength(4)
    expect(listed.find((s: {Name: string}) => s.Name === 'osc-one')).toMatchObject({Status: 'ACTIVE', Image: 'debian-12-genericcloud-amd64', Flavor: 'm1.small'})
    expect(shown).toMatchObject({id: created.id, name: 'osc-one', status: 'ACTIVE', security_groups: [{name: 'default'}]})
    expect(shownNewer).toMatchObject({locked: false, description: null})

    const driver = await createDriver(settings('openstack', {endpoint: box.handle.endpoints.openstack, env: osEnv()}), sandboxDir().context())
    expect((await driver.listNodes()).map((n) => n.id).sort()).toEqual(ids(listed))

    await openstack(['server', 'delete', '--wait', 'osc-one', 'osc-two'])
    expect(await openstack(['server', 'list'])).toHaveLength(2)
  })

  it('limits show and a microversion past the maximum, refused as Nova refuses it', SLOW, async () => {
    const [limits, refused] = await Promise.all([
      openstack(['limits', 'show', '--absolute']),
      openstack(['--os-compute-api-version', '2.93', 'server', 'list']).catch((error: {stderr: string}) => error),
    ])
    expect(limits.find((l: {Name: string}) => l.Name === 'maxTotalInstances')).toEqual({Name: 'maxTotalInstances', Value: 10})
    // The CLI itself stops at 2.92; the sandbox's own refusal of 2.97 is in test/sandbox/openstack-services.test.ts.
    expect(refused.stderr).toMatch(/2\.93|versions supported/)
  })
})

function osEnv(): NodeJS.ProcessEnv {
  const c = box.handle.credentials.openstack
  return {
    OS_AUTH_URL: box.handle.endpoints.openstack,
    OS_USERNAME: c.username,
    OS_PASSWORD: c.password,
    OS_PROJECT_NAME: c.projectName,
    OS_USER_DOMAIN_NAME: c.userDomainName,
    OS_PROJECT_DOMAIN_NAME: c.projectDomainName,
    OS_REGION_NAME: c.region,
  }
}
