import {execFile, spawnSync} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {closeDrivers, ec2Settings, openDriver, tempHome} from '../drivers/ec2/helpers.js'
import {openSandbox, type TestSandbox} from '../sandbox/helpers.js'

// boto3 (Debian's python3-boto3) is an independent EC2 client whose waiters poll DescribeInstances and
// DescribeInstanceStatus as scripts do: instance_running, instance_status_ok, instance_terminated.
const PYTHON = '/usr/bin/python3'
const CLIENT = fileURLToPath(new URL('boto3_client.py', import.meta.url))
const probe = spawnSync(PYTHON, ['-c', 'import boto3'], {encoding: 'utf8'})
const skip = probe.status === 0 ? undefined : `${PYTHON} cannot import boto3: install the Debian package python3-boto3`
const run = promisify(execFile)

let box: TestSandbox

describe.skipIf(skip)(`boto3 against the sandbox${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(async () => {
    box = await openSandbox({bootDelayMs: 1500, seedNodes: {ec2: 3}, ssh: false})
  })

  afterAll(async () => {
    await closeDrivers()
    await box?.close()
  })

  it('waiters, instance status, tags, volumes, instance attributes and console output; mc lists the same instances', {timeout: 120_000}, async () => {
    const c = box.handle.credentials.ec2
    const {stdout} = await run(PYTHON, [CLIENT, JSON.stringify({endpoint: box.handle.endpoints.ec2, accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey})], {
      encoding: 'utf8',
      timeout: 110_000,
    })
    const seen = JSON.parse(stdout)
    const id = seen.instance_id
    // Right after running the checks may still initialize (test/sandbox/ec2-more.test.ts holds that moment with a fake clock).
    expect(['initializing', 'ok']).toContain(seen.status_right_after_running)
    expect(seen.statuses).toEqual([
      expect.objectContaining({
        InstanceId: id,
        InstanceState: {Code: 16, Name: 'running'},
        InstanceStatus: {Status: 'ok', Details: [{Name: 'reachability', Status: 'passed'}]},
        SystemStatus: {Status: 'ok', Details: [{Name: 'reachability', Status: 'passed'}]},
      }),
    ])
    expect(seen.all_statuses).toHaveLength(4)
    expect(seen.tags).toContainEqual({Key: 'Name', ResourceId: id, ResourceType: 'instance', Value: 'from-boto3'})
    expect(seen.name_tags.map((t: {ResourceId: string}) => t.ResourceId)).toContain(id)
    expect(seen.volumes).toEqual([{VolumeId: seen.root_volume_in_instance, State: 'in-use', Size: 8, Attachments: [{InstanceId: id, Device: '/dev/xvda', State: 'attached'}]}])
    expect(seen.missing_volume).toBe('InvalidVolume.NotFound')
    expect(seen.instance_type).toBe('t3.micro')
    expect(seen.protected).toBe(true)
    expect(seen.terminate_protected).toBe('OperationNotPermitted')
    expect(seen.resize_running).toBe('IncorrectInstanceState')
    expect(seen.console).toContain('Cloud-init')
    expect(seen.bad_attribute).toBe('InvalidParameterValue')
    expect(seen.terminated_state).toBe('terminated')
    expect(seen.volumes_after).toBe(0)

    const {home, cleanup} = tempHome()
    try {
      const driver = await openDriver(ec2Settings(box.handle.endpoints.ec2, home, {values: {accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey}}))
      expect((await driver.listNodes()).map((n) => n.id).sort()).toEqual(seen.all_instance_ids)
    } finally {
      cleanup()
    }
  })
})
