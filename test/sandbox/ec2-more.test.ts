import {
  DescribeInstanceAttributeCommand,
  DescribeInstanceStatusCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  GetConsoleOutputCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
} from '@aws-sdk/client-ec2'
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'

import {ec2Images} from '../../src/sandbox/catalog.js'
import {ec2Client, openSandbox, type TestSandbox} from './helpers.js'

// DescribeInstanceStatus, DescribeTags, DescribeVolumes, Describe/ModifyInstanceAttribute and
// GetConsoleOutput through the AWS SDK. Status checks move with time, so the clock is faked (Date
// only): each moment is set, not waited for.

let box: TestSandbox
let ec2: EC2Client
const BOOT = 10_000

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: BOOT, ssh: false})
  ec2 = ec2Client(box.handle)
})

afterEach(() => {
  vi.useRealTimers()
})

afterAll(async () => {
  await box?.close()
})

async function launch(): Promise<string> {
  const ran = await ec2.send(
    new RunInstancesCommand({
      ImageId: ec2Images('us-east-1')[0].id,
      InstanceType: 't3.micro',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [{ResourceType: 'instance', Tags: [{Key: 'Name', Value: 'more'}]}],
    }),
  )
  return ran.Instances![0].InstanceId!
}

describe('EC2 status checks, tags, volumes, attributes and console output', () => {
  it('status checks: nothing while pending, initializing for one boot delay after running, then ok', async () => {
    const start = Date.now()
    vi.useFakeTimers({toFake: ['Date'], now: start})
    const id = await launch()
    const status = async (all = false) => (await ec2.send(new DescribeInstanceStatusCommand({InstanceIds: [id], IncludeAllInstances: all}))).InstanceStatuses!
    expect(await status()).toEqual([])
    expect((await status(true))[0]).toMatchObject({InstanceState: {Name: 'pending'}, InstanceStatus: {Status: 'not-applicable'}})
    expect((await ec2.send(new GetConsoleOutputCommand({InstanceId: id}))).Output).toBeUndefined()
    vi.setSystemTime(start + BOOT + 1)
    expect((await status())[0]).toMatchObject({InstanceState: {Code: 16, Name: 'running'}, InstanceStatus: {Status: 'initializing'}, SystemStatus: {Status: 'initializing'}})
    const filtered = await ec2.send(new DescribeInstanceStatusCommand({Filters: [{Name: 'instance-status.status', Values: ['ok']}]}))
    expect(filtered.InstanceStatuses!.map((s) => s.InstanceId)).not.toContain(id)
    vi.setSystemTime(start + 2 * BOOT + 1)
    expect((await status())[0]).toMatchObject({InstanceStatus: {Status: 'ok', Details: [{Name: 'reachability', Status: 'passed'}]}})
    const console = await ec2.send(new GetConsoleOutputCommand({InstanceId: id}))
    expect(Buffer.from(console.Output!, 'base64').toString()).toContain('DMI: Amazon EC2 t3.micro')
    await expect(ec2.send(new DescribeInstanceStatusCommand({InstanceIds: ['i-0123456789abcdef0']}))).rejects.toMatchObject({name: 'InvalidInstanceID.NotFound'})
  })

  it('tags by resource and key; the root volume of each instance; attributes, with the stopped-only ones refused while running', async () => {
    const start = Date.now()
    vi.useFakeTimers({toFake: ['Date'], now: start})
    const id = await launch()
    vi.setSystemTime(start + BOOT + 1)
    const tags = (
      await ec2.send(
        new DescribeTagsCommand({
          Filters: [
            {Name: 'resource-id', Values: [id]},
            {Name: 'key', Values: ['Name']},
          ],
        }),
      )
    ).Tags
    expect(tags).toEqual([{ResourceId: id, ResourceType: 'instance', Key: 'Name', Value: 'more'}])
    await expect(ec2.send(new DescribeTagsCommand({Filters: [{Name: 'colour', Values: ['x']}]}))).rejects.toMatchObject({name: 'InvalidParameterValue'})
    const volumes = (await ec2.send(new DescribeVolumesCommand({Filters: [{Name: 'attachment.instance-id', Values: [id]}]}))).Volumes!
    expect(volumes).toHaveLength(1)
    expect(volumes[0]).toMatchObject({
      State: 'in-use',
      Size: 8,
      VolumeType: 'gp3',
      Attachments: [{InstanceId: id, Device: '/dev/xvda', State: 'attached', DeleteOnTermination: true}],
    })
    expect((await ec2.send(new DescribeVolumesCommand({VolumeIds: [volumes[0].VolumeId!]}))).Volumes).toHaveLength(1)
    await expect(ec2.send(new DescribeVolumesCommand({VolumeIds: ['vol-0123456789abcdef0']}))).rejects.toMatchObject({name: 'InvalidVolume.NotFound'})

    const attribute = async (Attribute: 'instanceType' | 'sourceDestCheck' | 'instanceInitiatedShutdownBehavior') =>
      ec2.send(new DescribeInstanceAttributeCommand({InstanceId: id, Attribute}))
    expect((await attribute('instanceType')).InstanceType).toEqual({Value: 't3.micro'})
    expect((await attribute('sourceDestCheck')).SourceDestCheck).toEqual({Value: true})
    await ec2.send(new ModifyInstanceAttributeCommand({InstanceId: id, InstanceInitiatedShutdownBehavior: {Value: 'terminate'}}))
    expect((await attribute('instanceInitiatedShutdownBehavior')).InstanceInitiatedShutdownBehavior).toEqual({Value: 'terminate'})
    await expect(ec2.send(new ModifyInstanceAttributeCommand({InstanceId: id, InstanceType: {Value: 't3.small'}}))).rejects.toMatchObject({name: 'IncorrectInstanceState'})
    await ec2.send(new StopInstancesCommand({InstanceIds: [id]}))
    vi.setSystemTime(start + 2 * BOOT + 2)
    await ec2.send(new ModifyInstanceAttributeCommand({InstanceId: id, InstanceType: {Value: 't3.small'}}))
    expect((await attribute('instanceType')).InstanceType).toEqual({Value: 't3.small'})
    await expect(ec2.send(new ModifyInstanceAttributeCommand({InstanceId: id, InstanceType: {Value: 'huge.type'}}))).rejects.toMatchObject({name: 'InvalidInstanceAttributeValue'})
  })
})
