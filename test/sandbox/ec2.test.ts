import {
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeKeyPairsCommand,
  DescribeRegionsCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  EC2ServiceException,
  ImportKeyPairCommand,
  RebootInstancesCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ec2Client, ManualClock, newKeyPair, openSandbox, signedV2, type TestSandbox} from './helpers.js'

// Long enough that a loaded machine still sees pending before running.
const BOOT_MS = 600
/** Boots happen when the test moves this clock, not after a sleep (see ManualClock). */
const clock = new ManualClock()

let box: TestSandbox
let ec2: EC2Client
let debianAmi: string

async function failure(promise: Promise<unknown>): Promise<EC2ServiceException> {
  try {
    await promise
  } catch (error) {
    if (error instanceof EC2ServiceException) return error
    throw error
  }
  throw new Error('expected the call to fail')
}

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: BOOT_MS, terminatedTtlMs: 1500, clock})
  ec2 = ec2Client(box.handle)
  const images = await ec2.send(new DescribeImagesCommand({Filters: [{Name: 'name', Values: ['debian-12-amd64-*']}]}))
  debianAmi = images.Images![0].ImageId!
})

afterAll(async () => {
  ec2?.destroy()
  await box?.close()
})

describe('EC2 Query API', () => {
  it('runs an instance: pending, then running after the boot delay, with its SSH port tag and 127.0.0.1', async () => {
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: debianAmi,
        InstanceType: 't3.micro',
        MinCount: 1,
        MaxCount: 1,
        TagSpecifications: [
          {
            ResourceType: 'instance',
            Tags: [
              {Key: 'Name', Value: 'web-1'},
              {Key: 'team', Value: 'ops'},
            ],
          },
        ],
      }),
    )
    const instance = run.Instances![0]
    expect(instance.InstanceId).toMatch(/^i-[0-9a-f]{17}$/)
    expect(instance.State).toEqual({Code: 0, Name: 'pending'})
    expect(run.ReservationId).toMatch(/^r-[0-9a-f]{17}$/)
    const tags = Object.fromEntries(instance.Tags!.map((t) => [t.Key, t.Value]))
    expect(tags).toMatchObject({Name: 'web-1', team: 'ops'})
    expect(Number(tags['mc-ssh-port'])).toBeGreaterThan(0)

    const early = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instance.InstanceId!]}))
    expect(early.Reservations![0].Instances![0].State!.Name).toBe('pending')
    clock.advance(BOOT_MS + 50)
    const later = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instance.InstanceId!]}))
    const described = later.Reservations![0].Instances![0]
    expect(described.State).toEqual({Code: 16, Name: 'running'})
    expect(described.PublicIpAddress).toBe('127.0.0.1')
    expect(described.PrivateIpAddress).toMatch(/^172\.31\./)
    expect(described.Placement!.AvailabilityZone).toMatch(/^us-east-1[a-f]$/)
    expect(described.InstanceType).toBe('t3.micro')
    expect(described.ImageId).toBe(debianAmi)
    expect(described.SecurityGroups![0].GroupName).toBe('default')
  })

  it('stops, starts, reboots and terminates; a terminated instance stays listed for a while, then goes', async () => {
    const run = await ec2.send(new RunInstancesCommand({ImageId: debianAmi, InstanceType: 't3.small', MinCount: 1, MaxCount: 1}))
    const id = run.Instances![0].InstanceId!
    clock.advance(BOOT_MS + 50)
    const stop = await ec2.send(new StopInstancesCommand({InstanceIds: [id]}))
    expect(stop.StoppingInstances![0]).toMatchObject({InstanceId: id, CurrentState: {Code: 64, Name: 'stopping'}, PreviousState: {Code: 16, Name: 'running'}})
    clock.advance(BOOT_MS + 50)
    const stopped = (await ec2.send(new DescribeInstancesCommand({InstanceIds: [id]}))).Reservations![0].Instances![0]
    expect(stopped.State!.Name).toBe('stopped')
    expect(stopped.StateReason!.Code).toBe('Client.UserInitiatedShutdown')
    expect(stopped.PublicIpAddress).toBeUndefined()
    expect((await failure(ec2.send(new RebootInstancesCommand({InstanceIds: [id]})))).name).toBe('IncorrectInstanceState')
    const start = await ec2.send(new StartInstancesCommand({InstanceIds: [id]}))
    expect(start.StartingInstances![0]).toMatchObject({CurrentState: {Code: 0, Name: 'pending'}, PreviousState: {Code: 80, Name: 'stopped'}})
    clock.advance(BOOT_MS + 50)
    await ec2.send(new RebootInstancesCommand({InstanceIds: [id]}))
    const term = await ec2.send(new TerminateInstancesCommand({InstanceIds: [id]}))
    expect(term.TerminatingInstances![0]).toMatchObject({CurrentState: {Code: 32, Name: 'shutting-down'}, PreviousState: {Name: 'running'}})
    clock.advance(BOOT_MS + 50)
    const gone = (await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'instance-id', Values: [id]}]}))).Reservations!
    expect(gone[0].Instances![0].State).toEqual({Code: 48, Name: 'terminated'})
    const again = await ec2.send(new TerminateInstancesCommand({InstanceIds: [id]}))
    expect(again.TerminatingInstances![0].CurrentState!.Name).toBe('terminated')
    const restart = await failure(ec2.send(new StartInstancesCommand({InstanceIds: [id]})))
    expect(restart.name).toBe('IncorrectInstanceState')
    clock.advance(1600)
    const expired = await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'instance-id', Values: [id]}]}))
    expect(expired.Reservations).toEqual([])
    expect((await failure(ec2.send(new DescribeInstancesCommand({InstanceIds: [id]})))).name).toBe('InvalidInstanceID.NotFound')
  })

  it('runs with an imported key pair and keeps ClientToken requests idempotent', async () => {
    const key = newKeyPair()
    const imported = await ec2.send(new ImportKeyPairCommand({KeyName: 'probe-key', PublicKeyMaterial: Buffer.from(key.publicKey)}))
    expect(imported.KeyFingerprint).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    expect(imported.KeyPairId).toMatch(/^key-[0-9a-f]{17}$/)
    const duplicate = await failure(ec2.send(new ImportKeyPairCommand({KeyName: 'probe-key', PublicKeyMaterial: Buffer.from(key.publicKey)})))
    expect(duplicate.name).toBe('InvalidKeyPair.Duplicate')
    const described = await ec2.send(new DescribeKeyPairsCommand({KeyNames: ['probe-key'], IncludePublicKey: true}))
    expect(described.KeyPairs![0]).toMatchObject({KeyName: 'probe-key', KeyType: 'ed25519', KeyFingerprint: imported.KeyFingerprint})
    expect(described.KeyPairs![0].PublicKey).toContain(key.publicKey.split(' ')[1])
    expect((await failure(ec2.send(new DescribeKeyPairsCommand({KeyNames: ['nope']})))).name).toBe('InvalidKeyPair.NotFound')

    const params = {ImageId: debianAmi, InstanceType: 't3.nano' as const, MinCount: 1, MaxCount: 1, KeyName: 'probe-key', ClientToken: 'token-1'}
    const first = await ec2.send(new RunInstancesCommand(params))
    const second = await ec2.send(new RunInstancesCommand(params))
    expect(second.Instances![0].InstanceId).toBe(first.Instances![0].InstanceId)
    expect(first.Instances![0].KeyName).toBe('probe-key')
    const mismatch = await failure(ec2.send(new RunInstancesCommand({...params, InstanceType: 't3.small'})))
    expect(mismatch.name).toBe('IdempotentParameterMismatch')
    expect((await failure(ec2.send(new RunInstancesCommand({...params, ClientToken: undefined, KeyName: 'missing'})))).name).toBe('InvalidKeyPair.NotFound')

    const created = await ec2.send(new CreateKeyPairCommand({KeyName: 'generated'}))
    expect(created.KeyMaterial).toContain('BEGIN RSA PRIVATE KEY')
    expect(created.KeyFingerprint).toMatch(/^([0-9a-f]{2}:){19}[0-9a-f]{2}$/)
  })

  it('answers RunInstances mistakes with EC2 error codes', async () => {
    expect((await failure(ec2.send(new RunInstancesCommand({ImageId: 'ami-00000000000000000', InstanceType: 't3.micro', MinCount: 1, MaxCount: 1})))).name).toBe(
      'InvalidAMIID.NotFound',
    )
    const arm = await failure(ec2.send(new RunInstancesCommand({ImageId: debianAmi, InstanceType: 't4g.micro', MinCount: 1, MaxCount: 1})))
    expect(arm.name).toBe('InvalidParameterValue')
    expect(arm.message).toContain("architecture 'arm64'")
    expect((await failure(ec2.send(new RunInstancesCommand({ImageId: debianAmi, InstanceType: 'x9.huge' as 't3.micro', MinCount: 1, MaxCount: 1})))).name).toBe(
      'InvalidParameterValue',
    )
    const dry = await failure(ec2.send(new RunInstancesCommand({ImageId: debianAmi, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, DryRun: true})))
    expect(dry.name).toBe('DryRunOperation')
    expect(dry.$metadata.httpStatusCode).toBe(412)
  })

  it('security groups: create, open SSH and ICMP, refuse duplicates, describe, tag', async () => {
    const group = await ec2.send(new CreateSecurityGroupCommand({GroupName: 'mc-probes', Description: 'mc probes'}))
    expect(group.GroupId).toMatch(/^sg-[0-9a-f]{17}$/)
    const ingress = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: group.GroupId,
        IpPermissions: [
          {IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{CidrIp: '0.0.0.0/0'}]},
          {IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{CidrIp: '0.0.0.0/0'}]},
        ],
      }),
    )
    expect(ingress.Return).toBe(true)
    expect(ingress.SecurityGroupRules!.map((r) => r.IpProtocol)).toEqual(['tcp', 'icmp'])
    const again = await failure(
      ec2.send(
        new AuthorizeSecurityGroupIngressCommand({GroupId: group.GroupId, IpPermissions: [{IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{CidrIp: '0.0.0.0/0'}]}]}),
      ),
    )
    expect(again.name).toBe('InvalidPermission.Duplicate')
    expect((await failure(ec2.send(new CreateSecurityGroupCommand({GroupName: 'mc-probes', Description: 'again'})))).name).toBe('InvalidGroup.Duplicate')
    await ec2.send(new CreateTagsCommand({Resources: [group.GroupId!], Tags: [{Key: 'purpose', Value: 'probes'}]}))
    const described = await ec2.send(new DescribeSecurityGroupsCommand({Filters: [{Name: 'group-name', Values: ['mc-probes']}]}))
    const g = described.SecurityGroups![0]
    expect(g.IpPermissions!.map((p) => [p.IpProtocol, p.FromPort, p.ToPort])).toEqual([
      ['tcp', 22, 22],
      ['icmp', -1, -1],
    ])
    expect(g.Tags).toEqual([{Key: 'purpose', Value: 'probes'}])
    expect(g.VpcId).toMatch(/^vpc-/)
    const run = await ec2.send(new RunInstancesCommand({ImageId: debianAmi, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, SecurityGroupIds: [group.GroupId!]}))
    expect(run.Instances![0].SecurityGroups).toEqual([{GroupId: group.GroupId, GroupName: 'mc-probes'}])
    expect((await failure(ec2.send(new DescribeSecurityGroupsCommand({GroupIds: ['sg-0123456789abcdef0']})))).name).toBe('InvalidGroup.NotFound')
  })

  it('tags instances and filters by tag, state and type', async () => {
    const run = await ec2.send(new RunInstancesCommand({ImageId: debianAmi, InstanceType: 'm5.large', MinCount: 2, MaxCount: 2}))
    const ids = run.Instances!.map((i) => i.InstanceId!)
    expect(run.Instances!.map((i) => i.AmiLaunchIndex)).toEqual([0, 1])
    await ec2.send(
      new CreateTagsCommand({
        Resources: ids,
        Tags: [
          {Key: 'mc-fleet', Value: 'edge'},
          {Key: 'Name', Value: 'edge'},
        ],
      }),
    )
    await ec2.send(new DeleteTagsCommand({Resources: [ids[1]], Tags: [{Key: 'mc-fleet'}]}))
    const byTag = await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'tag:mc-fleet', Values: ['edge']}]}))
    expect(byTag.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual([ids[0]])
    const byType = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          {Name: 'instance-type', Values: ['m5.*']},
          {Name: 'instance-state-name', Values: ['pending', 'running']},
        ],
      }),
    )
    expect(byType.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId)).sort()).toEqual([...ids].sort())
    expect(byType.Reservations!.length).toBe(1)
    expect((await failure(ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'no-such-filter', Values: ['x']}]})))).name).toBe('InvalidParameterValue')
  })

  it('catalogue: Debian 12 and Ubuntu 24.04 images marked probe-ready, instance types, regions and zones', async () => {
    const images = (await ec2.send(new DescribeImagesCommand({}))).Images!
    const names = images.map((i) => i.Name!)
    expect(names.some((n) => n.startsWith('debian-12-'))).toBe(true)
    expect(names.some((n) => n.includes('ubuntu-noble-24.04'))).toBe(true)
    for (const image of images) expect(image.Tags).toContainEqual({Key: 'mc-probe-ready', Value: 'true'})
    const canonical = await ec2.send(new DescribeImagesCommand({Owners: ['099720109477'], Filters: [{Name: 'architecture', Values: ['arm64']}]}))
    expect(canonical.Images!.map((i) => i.Name)).toEqual(['ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20240701.1'])
    const euImages = (await ec2Client(box.handle, {region: 'eu-west-1'}).send(new DescribeImagesCommand({}))).Images!
    expect(euImages.map((i) => i.ImageId)).not.toContain(debianAmi)

    const firstPage = await ec2.send(new DescribeInstanceTypesCommand({MaxResults: 5}))
    expect(firstPage.InstanceTypes).toHaveLength(5)
    expect(firstPage.NextToken).toBeTruthy()
    const rest = await ec2.send(new DescribeInstanceTypesCommand({MaxResults: 100, NextToken: firstPage.NextToken}))
    const all = [...firstPage.InstanceTypes!, ...rest.InstanceTypes!]
    expect(new Set(all.map((t) => t.InstanceType)).size).toBe(all.length)
    const micro = all.find((t) => t.InstanceType === 't3.micro')!
    expect(micro.VCpuInfo!.DefaultVCpus).toBe(2)
    expect(micro.MemoryInfo!.SizeInMiB).toBe(1024)
    expect(micro.ProcessorInfo!.SupportedArchitectures).toEqual(['x86_64'])

    const regions = (await ec2.send(new DescribeRegionsCommand({}))).Regions!
    expect(regions.map((r) => r.RegionName)).toContain('eu-central-1')
    expect(regions[0].Endpoint).toBe(`127.0.0.1:${box.handle.port}`)
    const zones = (await ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones!
    expect(zones[0]).toMatchObject({ZoneName: 'us-east-1a', ZoneId: 'use1-az1', State: 'available', RegionName: 'us-east-1'})
  })

  it('keeps regions apart: an instance in eu-west-1 is not listed in us-east-1', async () => {
    const eu = ec2Client(box.handle, {region: 'eu-west-1'})
    const ami = (await eu.send(new DescribeImagesCommand({Filters: [{Name: 'name', Values: ['debian-12-amd64-*']}]}))).Images![0].ImageId!
    const run = await eu.send(new RunInstancesCommand({ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1}))
    expect(run.Instances![0].Placement!.AvailabilityZone).toMatch(/^eu-west-1/)
    const inUs = await ec2.send(new DescribeInstancesCommand({Filters: [{Name: 'instance-id', Values: [run.Instances![0].InstanceId!]}]}))
    expect(inUs.Reservations).toEqual([])
    eu.destroy()
  })

  it('refuses a wrong secret, an unknown key and an unsigned request with AuthFailure (401, EC2 XML)', async () => {
    const wrongSecret = await failure(ec2Client(box.handle, {secretAccessKey: 'not-the-secret'}).send(new DescribeInstancesCommand({})))
    expect(wrongSecret.name).toBe('AuthFailure')
    expect(wrongSecret.$metadata.httpStatusCode).toBe(401)
    expect(wrongSecret.message).toBe('AWS was not able to validate the provided access credentials')
    const unknownKey = await failure(ec2Client(box.handle, {accessKeyId: 'AKIAIOSFODNN7EXAMPLE'}).send(new DescribeRegionsCommand({})))
    expect(unknownKey.name).toBe('AuthFailure')
    const unsigned = await fetch(box.handle.endpoints.ec2, {
      method: 'POST',
      headers: {'content-type': 'application/x-www-form-urlencoded'},
      body: 'Action=DescribeInstances&Version=2016-11-15',
    })
    expect(unsigned.status).toBe(401)
    const xml = await unsigned.text()
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>AuthFailure<\/Code><Message>[^<]+<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/,
    )
  })

  it('accepts Signature Version 2 GET requests, as Libcloud sends them, and checks them', async () => {
    const ok = await fetch(signedV2(box, {Action: 'DescribeRegions'}))
    expect(ok.status).toBe(200)
    expect(await ok.text()).toContain('<regionName>us-east-1</regionName>')
    const bad = await fetch(signedV2(box, {Action: 'DescribeRegions'}, 'wrong-secret'))
    expect(bad.status).toBe(401)
    expect(await bad.text()).toContain('<Code>AuthFailure</Code>')
  })

  it('answers an unknown action with InvalidAction', async () => {
    const res = await fetch(signedV2(box, {Action: 'DescribeUnicorns'}))
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('<Code>InvalidAction</Code><Message>The action DescribeUnicorns is not valid for this web service.</Message>')
  })
})

describe('EC2 pagination', () => {
  let paged: TestSandbox
  let client: EC2Client

  beforeAll(async () => {
    paged = await openSandbox({seedNodes: {ec2: 23}, ssh: false})
    client = ec2Client(paged.handle)
  })

  afterAll(async () => {
    client?.destroy()
    await paged?.close()
  })

  it('pages DescribeInstances with MaxResults and NextToken, each instance exactly once, in order', async () => {
    const seen: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const page = await client.send(new DescribeInstancesCommand({MaxResults: 10, NextToken: token}))
      const ids = page.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!))
      expect(ids.length).toBeLessThanOrEqual(10)
      seen.push(...ids)
      token = page.NextToken
      pages++
    } while (token)
    expect(pages).toBe(3)
    expect(seen).toHaveLength(23)
    expect(new Set(seen).size).toBe(23)
    const all = await client.send(new DescribeInstancesCommand({}))
    expect(all.NextToken).toBeUndefined()
    expect(all.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId))).toEqual(seen)
  })

  it('validates MaxResults and NextToken as EC2 does', async () => {
    expect((await failure(client.send(new DescribeInstancesCommand({MaxResults: 2})))).name).toBe('InvalidParameterValue')
    expect((await failure(client.send(new DescribeInstancesCommand({MaxResults: 5, InstanceIds: ['i-0123456789abcdef0']})))).name).toBe('InvalidParameterCombination')
    expect((await failure(client.send(new DescribeInstancesCommand({MaxResults: 5, NextToken: 'garbage'})))).name).toBe('InvalidParameterValue')
  })
})
