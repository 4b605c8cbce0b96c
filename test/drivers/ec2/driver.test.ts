import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {NotFoundError, ProviderError, TimeoutError, ValidationError} from '../../../src/core/errors.js'
import type {Node} from '../../../src/core/model.js'
import {PROBE_SECURITY_GROUP} from '../../../src/drivers/ec2/driver.js'
import {describeInstancesPage, describeInstancesPages, syntheticInstance} from '../../fixtures/ec2/synthetic.js'
import {describeDriverContract} from '../contract.js'
import {ec2Error, FixtureServer, type RecordedRequest} from './fixture-server.js'
import {captureLog, closeDrivers, ec2Settings, openDriver, SECRET_ACCESS_KEY, tempHome} from './helpers.js'

const server = new FixtureServer()
const {home, cleanup} = tempHome()

beforeAll(async () => {
  await server.start()
})
afterEach(async () => {
  server.reset()
  await closeDrivers()
})
afterAll(async () => {
  await server.stop()
  cleanup()
})

const open = (env: NodeJS.ProcessEnv = {}) => openDriver(ec2Settings(server.url, home, {env}))

/** The Query parameters of a request, without Action and Version. */
function params(request: RecordedRequest): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of request.params) if (k !== 'Action' && k !== 'Version') out[k] = v
  return out
}

function only(action: string): RecordedRequest[] {
  return server.requests.filter((r) => r.action === action)
}

function imageXml(i: {id: string; name: string; arch: string; date: string; owner?: string}): string {
  return `<item><imageId>${i.id}</imageId><imageOwnerId>${i.owner ?? '099720109477'}</imageOwnerId><imageState>available</imageState><isPublic>true</isPublic><architecture>${i.arch}</architecture><name>${i.name}</name><creationDate>${i.date}</creationDate><platformDetails>Linux/UNIX</platformDetails></item>`
}

function instanceTypesPage(type: string, token?: string): string {
  return `<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><instanceTypeSet><item><instanceType>${type}</instanceType><vCpuInfo><defaultVCpus>4</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>16384</sizeInMiB></memoryInfo></item></instanceTypeSet>${token ? `<nextToken>${token}</nextToken>` : ''}</DescribeInstanceTypesResponse>`
}

describeDriverContract({
  name: 'ec2 (libcloud recorded responses over HTTP, real SDK client)',
  extraKey: 'ec2',
  open: () => open(),
  missingNodeId: 'i-00000000',
  minNodes: 2,
})

describe('ec2 listNodes', () => {
  it('maps every field of the recorded instances', async () => {
    const nodes = await (await open()).listNodes()
    expect(nodes).toEqual<Node[]>([
      {
        id: 'i-4382922a',
        name: '',
        provider: 'ec2',
        region: 'us-east-1',
        state: 'stopped',
        providerState: 'stopped',
        publicIps: ['1.2.3.4'],
        privateIps: ['10.211.11.211'],
        image: 'ami-3215fe5a',
        size: 'm1.small',
        createdAt: '2013-12-02T11:58:11.000Z',
        tags: {},
        extra: {
          ec2: {
            availabilityZone: 'us-east-1d',
            keyName: 'fauxkey',
            securityGroups: ['sg-42916629', 'sg-42916628'],
            architecture: 'x86_64',
            stateReason: 'Client.UserInitiatedShutdown: User initiated shutdown',
          },
        },
      },
      {
        id: 'i-8474834a',
        name: 'Test Server 2',
        provider: 'ec2',
        region: 'us-east-1',
        state: 'stopped',
        providerState: 'stopped',
        publicIps: ['1.2.3.5'],
        privateIps: ['172.16.9.139', '172.16.4.139'],
        image: 'ami-29674340',
        size: 't1.micro',
        createdAt: '2013-12-02T15:58:29.000Z',
        tags: {Name: 'Test Server 2', Group: 'VPC Test'},
        extra: {
          ec2: {
            availabilityZone: 'us-east-1d',
            keyName: 'cderamus',
            vpcId: 'vpc-61dcd30e',
            subnetId: 'subnet-5fd9d412',
            securityGroups: ['sg-495a9926'],
            architecture: 'x86_64',
            privateDnsName: 'ip-172-16-9-139.ec2.internal',
            stateReason: 'Client.UserInitiatedShutdown: User initiated shutdown',
          },
        },
      },
    ])
  })

  it('reads IPv4 and IPv6, public and private, from the instance and its interfaces', async () => {
    server.on((r) => (r.action === 'DescribeInstances' ? {body: describeInstancesPage(0, 1)} : undefined))
    const [node] = await (await open()).listNodes()
    const x = syntheticInstance(0)
    expect(node).toMatchObject({
      id: x.id,
      name: 'node-0',
      state: 'running',
      publicIps: [x.publicIp, x.ipv6],
      privateIps: [x.privateIp],
      image: x.imageId,
      size: 't3.micro',
      createdAt: '2024-01-01T00:00:00.000Z',
      tags: {Name: 'node-0', 'mc-fleet': 'edge', team: 'net&ops'},
    })
    expect(node.extra.ec2).toMatchObject({availabilityZone: 'us-east-1a', publicDnsName: 'ec2-54-0-0-0.compute-1.amazonaws.com'})
  })

  it('maps each EC2 state exactly and an unknown one to "unknown" without throwing', async () => {
    const states = ['pending', 'running', 'shutting-down', 'stopping', 'stopped', 'terminated', 'hibernating-someday']
    const body = describeInstancesPage(0, states.length).replaceAll(
      /<name>[a-z-]+<\/name><\/instanceState>/g,
      (() => {
        let i = 0
        return () => `<name>${states[i++]}</name></instanceState>`
      })(),
    )
    server.on((r) => (r.action === 'DescribeInstances' ? {body} : undefined))
    const nodes = await (await open()).listNodes()
    expect(nodes.map((n) => [n.providerState, n.state])).toEqual([
      ['pending', 'pending'],
      ['running', 'running'],
      ['shutting-down', 'stopping'],
      ['stopping', 'stopping'],
      ['stopped', 'stopped'],
      ['terminated', 'terminated'],
      ['hibernating-someday', 'unknown'],
    ])
  })

  it('sends state, tag and name filters to EC2', async () => {
    await (await open()).listNodes({states: ['running', 'stopping'], tags: {'mc-fleet': 'edge', odd: 'a*b?c\\'}, name: 'probe-?-*'})
    expect(params(only('DescribeInstances')[0])).toEqual({
      MaxResults: '1000',
      'Filter.1.Name': 'instance-state-name',
      'Filter.1.Value.1': 'running',
      'Filter.1.Value.2': 'shutting-down',
      'Filter.1.Value.3': 'stopping',
      'Filter.2.Name': 'tag:mc-fleet',
      'Filter.2.Value.1': 'edge',
      'Filter.3.Name': 'tag:odd',
      'Filter.3.Value.1': 'a\\*b\\?c\\\\',
      'Filter.4.Name': 'tag:Name',
      'Filter.4.Value.1': String.raw`probe-\?-*`,
    })
  })

  it('leaves the state filter to mc when a state has no EC2 equivalent', async () => {
    await (await open()).listNodes({states: ['running', 'rebooting']})
    expect(params(only('DescribeInstances')[0])).toEqual({MaxResults: '1000'})
  })

  it('follows NextToken: 2,500 instances over three pages arrive whole and in order', async () => {
    const pages = describeInstancesPages(2500, 1000)
    server.on((r) => {
      if (r.action !== 'DescribeInstances') return
      const token = r.params.get('NextToken')
      return {body: pages[token ? Number(token.slice('page-'.length)) - 1 : 0]}
    })
    const nodes = await (await open()).listNodes()
    expect(nodes).toHaveLength(2500)
    expect(nodes.map((n) => n.id)).toEqual(Array.from({length: 2500}, (_, i) => syntheticInstance(i).id))
    expect(only('DescribeInstances').map((r) => r.params.get('NextToken'))).toEqual([null, 'page-2', 'page-3'])
  })

  it('reads DescribeInstances exactly as the SDK deserialiser does (fast path vs MC_EC2_SDK_PARSER=1)', async () => {
    const pages = [describeInstancesPage(0, 300), server.url && (await import('./fixture-server.js')).fixture('describe_instances.xml')]
    for (const body of pages) {
      server.on((r) => (r.action === 'DescribeInstances' ? {body} : undefined))
      const fast = await (await open()).listNodes()
      const sdk = await (await open({MC_EC2_SDK_PARSER: '1'})).listNodes()
      expect(fast.length).toBeGreaterThan(0)
      expect(fast).toEqual(sdk)
    }
  })

  it('refuses to loop on a NextToken that repeats', async () => {
    server.on((r) => (r.action === 'DescribeInstances' ? {body: describeInstancesPage(0, 1, 'same')} : undefined))
    await expect((await open()).listNodes()).rejects.toThrow(/same NextToken twice/)
  })
})

describe('ec2 getNode', () => {
  it('asks for the one instance and maps it', async () => {
    const node = await (await open()).getNode('i-8474834a')
    expect(node.name).toBe('Test Server 2')
    expect(params(only('DescribeInstances')[0])).toEqual({'InstanceId.1': 'i-8474834a'})
  })

  it('is NotFoundError when EC2 answers with an empty reservation set', async () => {
    server.on((r) => (r.action === 'DescribeInstances' ? {body: describeInstancesPage(0, 0)} : undefined))
    await expect((await open()).getNode('i-0123')).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('ec2 listImages', () => {
  it('never asks for the unfiltered public catalogue: own images plus recent well-known Linux images', async () => {
    const images = await (await open()).listImages()
    const calls = only('DescribeImages').map((r) => params(r))
    expect(calls).toHaveLength(2)
    for (const call of calls) expect(call['Owner.1']).toBeDefined()
    expect(calls[0]).toEqual({'Owner.1': 'self'})
    expect(calls[1]).toMatchObject({
      'Owner.1': '099720109477',
      'Owner.2': '136693071363',
      'Owner.3': 'amazon',
      'Filter.1.Name': 'name',
      'Filter.2.Name': 'state',
      'Filter.2.Value.1': 'available',
    })
    // The recording answers both calls alike: its images are the caller's own, listed once.
    expect(images.map((i) => i.id)).toEqual(['ami-57ba933a', 'ami-85b2a8ae', 'ami-85b2a8ac'])
    expect(images[0]).toEqual({
      id: 'ami-57ba933a',
      name: 'Test Image',
      provider: 'ec2',
      region: 'us-east-1',
      architecture: 'x86_64',
      owner: '123456788908',
      public: false,
      createdAt: '2021-01-10T18:24:00.000Z',
      extra: {
        description: 'Testing Stuff',
        state: 'available',
        ownerId: '123456788908',
        rootDeviceType: 'ebs',
        virtualizationType: 'paravirtual',
        hypervisor: 'xen',
      },
    })
    expect(images[1].createdAt).toBeUndefined()
  })

  it('keeps only the newest well-known image per release and architecture', async () => {
    const known = `<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><imagesSet>${[
      imageXml({id: 'ami-old', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240423', arch: 'x86_64', date: '2024-04-23T00:00:00.000Z'}),
      imageXml({id: 'ami-new', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250101', arch: 'x86_64', date: '2025-01-01T00:00:00.000Z'}),
      imageXml({id: 'ami-arm', name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20240423', arch: 'arm64', date: '2024-04-23T00:00:00.000Z'}),
      imageXml({id: 'ami-deb', name: 'debian-12-amd64-20240507-1740', arch: 'x86_64', date: '2024-05-07T00:00:00.000Z', owner: '136693071363'}),
      imageXml({id: 'ami-other', name: 'someone-elses-image', arch: 'x86_64', date: '2025-06-01T00:00:00.000Z', owner: 'amazon'}),
    ].join('')}</imagesSet></DescribeImagesResponse>`
    const own = '<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><imagesSet/></DescribeImagesResponse>'
    server.on((r) => (r.action === 'DescribeImages' ? {body: r.params.get('Owner.1') === 'self' ? own : known} : undefined))
    const images = await (await open()).listImages()
    expect(images.map((i) => i.id)).toEqual(['ami-deb', 'ami-new', 'ami-arm'])
    expect(images[1]).toMatchObject({os: 'Linux/UNIX', owner: '099720109477', public: true})
  })

  it('passes --owner (with friendly names) and --name through', async () => {
    await (await open()).listImages({owners: ['canonical', 'self', '123456789012'], name: 'ubuntu/*'})
    expect(only('DescribeImages').map((r) => params(r))).toEqual([
      {'Owner.1': '099720109477', 'Owner.2': 'self', 'Owner.3': '123456789012', 'Filter.1.Name': 'name', 'Filter.1.Value.1': 'ubuntu/*'},
    ])
  })

  it('with only --name, searches the caller and the well-known owners', async () => {
    await (await open()).listImages({name: 'debian-12-*'})
    expect(params(only('DescribeImages')[0])).toEqual({
      'Owner.1': 'self',
      'Owner.2': '099720109477',
      'Owner.3': '136693071363',
      'Owner.4': 'amazon',
      'Filter.1.Name': 'name',
      'Filter.1.Value.1': 'debian-12-*',
    })
  })

  it('marks images tagged mc-probe-ready=true as probe-ready', async () => {
    server.on((r) =>
      r.action === 'DescribeImages'
        ? {
            body: '<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><imagesSet><item><imageId>ami-p</imageId><name>probe</name><tagSet><item><key>mc-probe-ready</key><value>true</value></item></tagSet></item></imagesSet></DescribeImagesResponse>',
          }
        : undefined,
    )
    const [image] = await (await open()).listImages({owners: ['self']})
    expect(image).toMatchObject({id: 'ami-p', probeReady: true, extra: {tags: {'mc-probe-ready': 'true'}}})
  })
})

describe('ec2 listSizes, listLocations, key pairs', () => {
  it('maps instance types: vCPUs, memory, architecture, instance storage', async () => {
    const sizes = await (await open()).listSizes()
    expect(sizes.map(({id, vcpus, memoryMb, architecture, diskGb}) => ({id, vcpus, memoryMb, architecture, diskGb}))).toEqual([
      {id: 't3.micro', vcpus: 2, memoryMb: 1024, architecture: 'x86_64', diskGb: undefined},
      {id: 'm6gd.large', vcpus: 2, memoryMb: 8192, architecture: 'arm64', diskGb: 118},
      {id: 'm1.small', vcpus: 1, memoryMb: 1740, architecture: 'x86_64', diskGb: 160},
    ])
    expect(sizes[0].extra).toEqual({supportedArchitectures: ['x86_64'], currentGeneration: true, burstable: true, networkPerformance: 'Up to 5 Gigabit', hypervisor: 'nitro'})
    expect(sizes[0].priceHourly).toBeUndefined()
  })

  it('reads every DescribeInstanceTypes page', async () => {
    server.on((r) => {
      if (r.action !== 'DescribeInstanceTypes') return
      return {body: r.params.get('NextToken') === 't2' ? instanceTypesPage('m5.xlarge') : instanceTypesPage('c5.xlarge', 't2')}
    })
    const sizes = await (await open()).listSizes()
    expect(sizes.map((s) => s.id)).toEqual(['c5.xlarge', 'm5.xlarge'])
    expect(only('DescribeInstanceTypes').map((r) => params(r))).toEqual([{MaxResults: '100'}, {MaxResults: '100', NextToken: 't2'}])
  })

  it('lists regions and the availability zones of its region', async () => {
    const locations = await (await open()).listLocations()
    expect(locations).toEqual([
      {id: 'eu-west-1', name: 'eu-west-1', provider: 'ec2', kind: 'region', extra: {endpoint: 'ec2.eu-west-1.amazonaws.com', optInStatus: 'opt-in-not-required'}},
      {id: 'us-east-1', name: 'us-east-1', provider: 'ec2', kind: 'region', extra: {endpoint: 'ec2.us-east-1.amazonaws.com', optInStatus: 'opt-in-not-required'}},
      {id: 'ap-southeast-2', name: 'ap-southeast-2', provider: 'ec2', kind: 'region', extra: {endpoint: 'ec2.ap-southeast-2.amazonaws.com', optInStatus: 'opt-in-not-required'}},
      {id: 'eu-west-1a', name: 'eu-west-1a', provider: 'ec2', kind: 'zone', region: 'eu-west-1', extra: {state: 'available'}},
      {id: 'eu-west-1b', name: 'eu-west-1b', provider: 'ec2', kind: 'zone', region: 'eu-west-1', extra: {state: 'available'}},
    ])
  })

  it('lists regions sorted, for --region all', async () => {
    expect(await (await open()).listRegions!()).toEqual(['ap-southeast-2', 'eu-west-1', 'us-east-1'])
  })

  it('lists key pairs with their fingerprints', async () => {
    expect(await (await open()).listKeyPairs()).toEqual([{name: 'gsg-keypair', provider: 'ec2', fingerprint: '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00'}])
  })

  it('imports a public key', async () => {
    const key = await (await open()).importKeyPair('keypair', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample probe@mc\n')
    expect(key).toEqual({
      name: 'keypair',
      provider: 'ec2',
      fingerprint: '00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00',
      publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample probe@mc',
    })
    const sent = params(only('ImportKeyPair')[0])
    expect(sent.KeyName).toBe('keypair')
    expect(Buffer.from(sent.PublicKeyMaterial, 'base64').toString()).toBe('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample probe@mc')
  })
})

describe('ec2 createNode and lifecycle', () => {
  const request = {
    name: 'probe-fra-1',
    image: 'ami-0abcdef1234567890',
    size: 't3.micro',
    keyName: 'mc-probe',
    publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample mc',
    allowSshAndIcmp: true,
    tags: {'mc-fleet': 'edge', 'mc-role': 'probe'},
    userData: '#!/bin/sh\necho ready\n',
    clientToken: 'mc-create-0001',
    location: 'us-east-1b',
  }

  it('imports the missing key, opens SSH and ICMP, and runs the instance with tags, user data and a client token', async () => {
    const node = await (await open()).createNode(request)
    expect(server.actions()).toEqual([
      'DescribeKeyPairs',
      'ImportKeyPair',
      'DescribeSecurityGroups',
      'CreateSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
      'RunInstances',
    ])
    expect(params(only('DescribeKeyPairs')[0])).toEqual({'KeyName.1': 'mc-probe'})
    expect(params(only('DescribeSecurityGroups')[0])).toEqual({'Filter.1.Name': 'group-name', 'Filter.1.Value.1': PROBE_SECURITY_GROUP})
    expect(params(only('CreateSecurityGroup')[0])).toMatchObject({GroupName: PROBE_SECURITY_GROUP})
    expect(only('AuthorizeSecurityGroupIngress').map((r) => params(r))).toEqual([
      {
        GroupId: 'sg-52e2f530',
        'IpPermissions.1.IpProtocol': 'tcp',
        'IpPermissions.1.FromPort': '22',
        'IpPermissions.1.ToPort': '22',
        'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0',
        'IpPermissions.1.Ipv6Ranges.1.CidrIpv6': '::/0',
      },
      {
        GroupId: 'sg-52e2f530',
        'IpPermissions.1.IpProtocol': 'icmp',
        'IpPermissions.1.FromPort': '-1',
        'IpPermissions.1.ToPort': '-1',
        'IpPermissions.1.IpRanges.1.CidrIp': '0.0.0.0/0',
      },
      {
        GroupId: 'sg-52e2f530',
        'IpPermissions.1.IpProtocol': 'icmpv6',
        'IpPermissions.1.FromPort': '-1',
        'IpPermissions.1.ToPort': '-1',
        'IpPermissions.1.Ipv6Ranges.1.CidrIpv6': '::/0',
      },
    ])
    expect(params(only('RunInstances')[0])).toEqual({
      ImageId: 'ami-0abcdef1234567890',
      InstanceType: 't3.micro',
      MinCount: '1',
      MaxCount: '1',
      KeyName: 'mc-probe',
      'SecurityGroupId.1': 'sg-52e2f530',
      UserData: Buffer.from(request.userData).toString('base64'),
      ClientToken: 'mc-create-0001',
      'Placement.AvailabilityZone': 'us-east-1b',
      'TagSpecification.1.ResourceType': 'instance',
      'TagSpecification.1.Tag.1.Key': 'Name',
      'TagSpecification.1.Tag.1.Value': 'probe-fra-1',
      'TagSpecification.1.Tag.2.Key': 'mc-fleet',
      'TagSpecification.1.Tag.2.Value': 'edge',
      'TagSpecification.1.Tag.3.Key': 'mc-role',
      'TagSpecification.1.Tag.3.Value': 'probe',
    })
    expect(node).toMatchObject({id: 'i-2ba64342', state: 'pending', image: 'ami-be3adfd7', size: 'm1.small', region: 'us-east-1', extra: {ec2: {availabilityZone: 'us-east-1b'}}})
  })

  it('reuses an existing key pair and group, adding back only the rules it lacks', async () => {
    const group = `<item><groupId>sg-0probe</groupId><groupName>${PROBE_SECURITY_GROUP}</groupName><ipPermissions>
      <item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges></item>
      <item><ipProtocol>icmpv6</ipProtocol><fromPort>-1</fromPort><toPort>-1</toPort><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges></item>
    </ipPermissions></item>`
    server.on((r) => {
      if (r.action === 'DescribeKeyPairs')
        return {
          body: '<DescribeKeyPairsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><keySet><item><keyName>mc-probe</keyName></item></keySet></DescribeKeyPairsResponse>',
        }
      if (r.action === 'DescribeSecurityGroups')
        return {
          body: `<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><securityGroupInfo>${group}</securityGroupInfo></DescribeSecurityGroupsResponse>`,
        }
    })
    await (await open()).createNode({...request, clientToken: undefined})
    expect(server.actions()).toEqual(['DescribeKeyPairs', 'DescribeSecurityGroups', 'AuthorizeSecurityGroupIngress', 'RunInstances'])
    expect(params(only('AuthorizeSecurityGroupIngress')[0])).toMatchObject({GroupId: 'sg-0probe', 'IpPermissions.1.IpProtocol': 'icmp'})
    const run = params(only('RunInstances')[0])
    expect(run['SecurityGroupId.1']).toBe('sg-0probe')
    expect(run.ClientToken).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('takes a rule that is already there, and a cloud without ICMPv6, in its stride', async () => {
    server.on((r) => {
      if (r.action !== 'AuthorizeSecurityGroupIngress') return
      if (r.params.get('IpPermissions.1.IpProtocol') === 'icmpv6') return ec2Error('InvalidParameterValue', "Invalid value 'icmpv6' for IP protocol. Unknown protocol.")
      return ec2Error('InvalidPermission.Duplicate', 'the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" already exists')
    })
    const node = await (await open()).createNode({...request, keyName: undefined})
    expect(node.id).toBe('i-2ba64342')
    expect(only('AuthorizeSecurityGroupIngress')).toHaveLength(3)
  })

  it('uses the key pair and group a parallel create made first', async () => {
    let groupCreated = false
    server.on((r) => {
      if (r.action === 'ImportKeyPair') return ec2Error('InvalidKeyPair.Duplicate', "The keypair 'mc-probe' already exists.")
      if (r.action === 'CreateSecurityGroup') {
        groupCreated = true
        return ec2Error('InvalidGroup.Duplicate', `The security group '${PROBE_SECURITY_GROUP}' already exists for VPC 'vpc-1'`)
      }
      if (r.action === 'DescribeSecurityGroups' && groupCreated) {
        return {
          body: `<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><securityGroupInfo><item><groupId>sg-0theirs</groupId><groupName>${PROBE_SECURITY_GROUP}</groupName></item></securityGroupInfo></DescribeSecurityGroupsResponse>`,
        }
      }
    })
    await (await open()).createNode(request)
    expect(server.actions()).toEqual([
      'DescribeKeyPairs',
      'ImportKeyPair',
      'DescribeSecurityGroups',
      'CreateSecurityGroup',
      'DescribeSecurityGroups',
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
      'AuthorizeSecurityGroupIngress',
      'RunInstances',
    ])
    expect(params(only('RunInstances')[0])['SecurityGroupId.1']).toBe('sg-0theirs')
  })

  it('fails on any other error while opening the ports', async () => {
    server.on((r) =>
      r.action === 'AuthorizeSecurityGroupIngress' ? ec2Error('RulesPerSecurityGroupLimitExceeded', 'The maximum number of rules per security group has been reached.') : undefined,
    )
    await expect((await open()).createNode({...request, keyName: undefined})).rejects.toMatchObject({providerCode: 'RulesPerSecurityGroupLimitExceeded'})
    expect(server.actions()).not.toContain('RunInstances')
  })

  it('imports the key when EC2 says InvalidKeyPair.NotFound', async () => {
    server.on((r) => (r.action === 'DescribeKeyPairs' ? ec2Error('InvalidKeyPair.NotFound', "The key pair 'mc-probe' does not exist") : undefined))
    await (await open()).createNode({...request, allowSshAndIcmp: false})
    expect(server.actions()).toEqual(['DescribeKeyPairs', 'ImportKeyPair', 'RunInstances'])
  })

  it('a retried create with different parameters is IdempotentParameterMismatch, as a ProviderError', async () => {
    const {fixture} = await import('./fixture-server.js')
    server.on((r) => (r.action === 'RunInstances' ? {status: 400, body: fixture('run_instances_idem_mismatch.xml')} : undefined))
    const error = await (await open()).createNode({name: 'n', image: 'ami-1', size: 't3.micro'}).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(ProviderError)
    expect(error).toMatchObject({providerCode: 'IdempotentParameterMismatch', status: 400})
    expect((error as Error).message).toContain('Arguments on this idempotent request are inconsistent')
  })

  it('validates the request before sending anything', async () => {
    const driver = await open()
    await expect(driver.createNode({name: 'n', image: '', size: 't3.micro'})).rejects.toBeInstanceOf(ValidationError)
    await expect(driver.createNode({name: 'n', image: 'ami-1', size: 't3.micro', location: 'eu-west-1a'})).rejects.toThrow(/not in region us-east-1/)
    expect(server.requests).toHaveLength(0)
  })

  it('creates in another region when the location is one', async () => {
    await (await open()).createNode({name: 'n', image: 'ami-1', size: 't3.micro', location: 'eu-west-1'})
    expect(only('RunInstances')[0].headers.authorization).toContain('/eu-west-1/ec2/aws4_request')
  })

  it('waits until running with backoff, riding out a not-yet-visible instance, and returns the addresses', async () => {
    const states = ['NotFound', 'pending', 'pending', 'running']
    server.on((r) => {
      if (r.action !== 'DescribeInstances') return
      const state = states.shift() ?? 'running'
      if (state === 'NotFound') return ec2Error('InvalidInstanceID.NotFound', "The instance ID 'i-00000000000000002' does not exist")
      return {body: describeInstancesPage(2, 3).replace('<name>pending</name>', `<name>${state}</name>`)}
    })
    const node = await (await open()).waitUntilRunning('i-00000000000000002', {pollMs: 5, timeoutMs: 10_000})
    expect(node.state).toBe('running')
    expect(node.publicIps).toEqual([syntheticInstance(2).ipv6])
    expect(only('DescribeInstances')).toHaveLength(4)
  })

  it('fails fast when the instance terminates instead of running', async () => {
    server.on((r) => (r.action === 'DescribeInstances' ? {body: describeInstancesPage(6, 7)} : undefined))
    await expect((await open()).waitUntilRunning('i-00000000000000006', {pollMs: 5})).rejects.toThrow(/went terminated instead of running/)
  })

  it('times out with TimeoutError', async () => {
    server.on((r) => (r.action === 'DescribeInstances' ? {body: describeInstancesPage(2, 3)} : undefined))
    await expect((await open()).waitUntilRunning('i-00000000000000002', {pollMs: 20, timeoutMs: 100})).rejects.toBeInstanceOf(TimeoutError)
  })

  it('destroys, reboots, starts and stops by id', async () => {
    const driver = await open()
    await driver.destroyNode('i-4382922a')
    await driver.rebootNode('i-4382922a')
    await driver.startNode!('i-4382922a')
    await driver.stopNode!('i-4382922a')
    expect(server.requests.map((r) => [r.action, params(r)])).toEqual([
      ['TerminateInstances', {'InstanceId.1': 'i-4382922a'}],
      ['RebootInstances', {'InstanceId.1': 'i-4382922a'}],
      ['StartInstances', {'InstanceId.1': 'i-4382922a'}],
      ['StopInstances', {'InstanceId.1': 'i-4382922a'}],
    ])
  })
})

describe('ec2 debug logging', () => {
  it('logs every request as signed and every response through the redacting DebugLog', async () => {
    const {log, lines} = captureLog()
    const driver = await openDriver(ec2Settings(server.url, home), log)
    const nodes = await driver.listNodes()
    expect(nodes).toHaveLength(2)
    const text = lines.join('')
    expect(text).toMatch(new RegExp(`> POST ${server.url}/ `))
    expect(text).toContain('"authorization":"[REDACTED]"')
    expect(text).toContain('> Action=DescribeInstances&Version=2016-11-15&MaxResults=1000')
    expect(text).toMatch(/< 200 http:\/\/127\.0\.0\.1:\d+\/ /)
    expect(text).toContain('<instanceId>i-4382922a</instanceId>')
    expect(text).not.toContain(SECRET_ACCESS_KEY)
  })

  it('redacts user data and key material in logged request bodies', async () => {
    const {log, lines} = captureLog()
    const driver = await openDriver(ec2Settings(server.url, home), log)
    await driver.createNode({name: 'n', image: 'ami-1', size: 't3.micro', userData: 'export TOKEN=s3cr3t-user-data', keyName: 'k', publicKey: 'ssh-ed25519 AAAAC3Nza k'})
    const text = lines.join('')
    expect(text).toContain('UserData=[REDACTED]')
    expect(text).toContain('PublicKeyMaterial=[REDACTED]')
    expect(text).not.toContain(Buffer.from('export TOKEN=s3cr3t-user-data').toString('base64'))
  })
})
