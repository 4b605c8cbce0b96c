import {EC2_INSTANCE_TYPES, ec2SubnetId, ec2VpcId, ec2Images, stableHex} from '../catalog.js'
import {isoSeconds} from '../http.js'
import {schedule} from '../lifecycle.js'
import type {KeyPairRecord, NodeRecord} from '../types.js'
import {privateAddress, randomHex, type World} from '../world.js'
import {Ec2Error, filters, indexed, integer, maxResults, page, required, tagSpecifications} from './params.js'
import {zones} from './regions.js'
import {securityGroups} from './security-groups.js'
import {type Action, applyFilters, type Call, EC2_ACCOUNT_ID, instanceDeviceMapping, instanceIds, notFoundList, requireInstances, ROOT_DEVICE, STATE_CODES} from './shared.js'
import {el, list, node, tagSet} from './xml.js'

/** The instance actions: describe, run, terminate, stop, start and reboot, and an instance's XML. */

const INSTANCE_LIMIT = 20

function gmtReason(ms: number): string {
  return `User initiated (${new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' GMT')})`
}

const SHUTDOWNS = {stop: ['stopping', 'stopped'], terminate: ['shutting-down', 'terminated']} as const

/** A user's stop or terminate: stopping (shutting-down) now, stopped (terminated) one boot delay later, with EC2's reasons. */
function shutDown(world: World, n: NodeRecord, now: number, kind: keyof typeof SHUTDOWNS): NodeRecord {
  const [status, then] = SHUTDOWNS[kind]
  const updated = schedule({...n, status}, now, [[then, world.settings.bootDelayMs]])
  updated.ec2 = {...n.ec2!, transitionReason: gmtReason(now), stateReason: {code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown'}}
  return updated
}

/** Rendered instances, per node object: an unchanged node is the same object on the next listing. */
const rendered = new WeakMap<NodeRecord, string>()

export function instanceXml(n: NodeRecord): string {
  let xml = rendered.get(n)
  if (xml === undefined) {
    xml = renderInstance(n)
    rendered.set(n, xml)
  }
  return xml
}

function renderInstance(n: NodeRecord): string {
  const e = n.ec2!
  const hasPublicIp = n.status === 'pending' || n.status === 'running' || n.status === 'stopping'
  const privateDns = n.status === 'terminated' ? '' : `ip-${n.privateIp.replaceAll('.', '-')}.${n.region === 'us-east-1' ? 'ec2.internal' : `${n.region}.compute.internal`}`
  const groups = list('groupSet', e.securityGroups, (g) => el('groupId', g.id) + el('groupName', g.name))
  const association = hasPublicIp ? node('association', el('publicIp', n.publicIp) + '<publicDnsName/>' + el('ipOwnerId', 'amazon')) : ''
  const eni = `eni-${stableHex(`${n.id}/eni`, 17)}`
  const interfaces =
    n.status === 'terminated'
      ? '<networkInterfaceSet/>'
      : list(
          'networkInterfaceSet',
          [0],
          () =>
            el('networkInterfaceId', eni) +
            el('subnetId', e.subnetId) +
            el('vpcId', e.vpcId) +
            '<description/>' +
            el('ownerId', EC2_ACCOUNT_ID) +
            el('status', 'in-use') +
            el('macAddress', `0e:${stableHex(n.id, 10).match(/../g)!.join(':')}`) +
            el('privateIpAddress', n.privateIp) +
            el('privateDnsName', privateDns) +
            el('sourceDestCheck', true) +
            groups +
            node(
              'attachment',
              el('attachmentId', `eni-attach-${stableHex(`${n.id}/attach`, 17)}`) +
                el('deviceIndex', 0) +
                el('status', 'attached') +
                el('attachTime', isoSeconds(n.createdAt)) +
                el('deleteOnTermination', true) +
                el('networkCardIndex', 0),
            ) +
            association +
            list('privateIpAddressesSet', [0], () => el('privateIpAddress', n.privateIp) + el('privateDnsName', privateDns) + el('primary', true) + association) +
            '<ipv6AddressesSet/>' +
            el('interfaceType', 'interface'),
        )
  const type = EC2_INSTANCE_TYPES.find((t) => t.name === n.size)
  return (
    el('instanceId', n.id) +
    el('imageId', n.image) +
    node('instanceState', el('code', STATE_CODES[n.status]) + el('name', n.status)) +
    el('privateDnsName', privateDns) +
    '<dnsName/>' +
    el('reason', e.transitionReason) +
    el('keyName', n.keyName) +
    el('amiLaunchIndex', e.launchIndex) +
    '<productCodes/>' +
    el('instanceType', n.size) +
    el('launchTime', isoSeconds(n.createdAt).replace('Z', '.000Z')) +
    node('placement', el('availabilityZone', n.zone) + '<groupName/>' + el('tenancy', 'default')) +
    node('monitoring', el('state', 'disabled')) +
    el('subnetId', n.status === 'terminated' ? undefined : e.subnetId) +
    el('vpcId', n.status === 'terminated' ? undefined : e.vpcId) +
    el('privateIpAddress', n.status === 'terminated' ? undefined : n.privateIp) +
    el('ipAddress', hasPublicIp ? n.publicIp : undefined) +
    el('sourceDestCheck', true) +
    groups +
    (e.stateReason ? node('stateReason', el('code', e.stateReason.code) + el('message', e.stateReason.message)) : '') +
    el('architecture', type?.architecture ?? 'x86_64') +
    el('rootDeviceType', 'ebs') +
    el('rootDeviceName', ROOT_DEVICE) +
    instanceDeviceMapping(n, isoSeconds(n.createdAt)) +
    el('virtualizationType', 'hvm') +
    el('clientToken', e.clientToken ?? '') +
    tagSet(n.tags) +
    el('hypervisor', type?.nitro ? 'nitro' : 'xen') +
    interfaces +
    el('ebsOptimized', false) +
    el('enaSupport', true) +
    node('cpuOptions', el('coreCount', type?.cores ?? 1) + el('threadsPerCore', type ? type.vcpus / type.cores : 1)) +
    node('metadataOptions', el('state', 'applied') + el('httpTokens', 'required') + el('httpPutResponseHopLimit', 2) + el('httpEndpoint', 'enabled')) +
    el('platformDetails', 'Linux/UNIX') +
    el('usageOperation', 'RunInstances') +
    el('currentInstanceBootMode', 'legacy-bios')
  )
}

/** Instances grouped into reservations, keeping their order. */
function reservationsXml(nodes: NodeRecord[]): string {
  const groups: NodeRecord[][] = []
  for (const n of nodes) {
    const last = groups.at(-1)
    if (last && last[0].ec2!.reservationId === n.ec2!.reservationId) last.push(n)
    else groups.push([n])
  }
  return list(
    'reservationSet',
    groups,
    (g) => el('reservationId', g[0].ec2!.reservationId) + el('ownerId', EC2_ACCOUNT_ID) + '<groupSet/>' + list('instancesSet', g, (n) => instanceXml(n)),
  )
}

function describeInstances(world: World, call: Call): string {
  const {params} = call
  const ids = instanceIds(params)
  const limit = maxResults(params, 5, 1000)
  if (ids.length > 0 && limit !== undefined) {
    throw new Ec2Error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults')
  }
  let entries = world.listNodes('ec2', call.region)
  if (ids.length > 0) {
    const byId = new Map(entries.map((e) => [e.node.id, e]))
    const missing = ids.filter((id) => !byId.has(id))
    if (missing.length > 0) throw notFoundList('InvalidInstanceID.NotFound', 'instance ID', missing)
    entries = entries.filter((e) => ids.includes(e.node.id))
  }
  const kept = new Set(
    applyFilters(
      entries.map((e) => e.node),
      filters(params),
      {
        'instance-id': (n) => [n.id],
        'instance-state-name': (n) => [n.status],
        'instance-state-code': (n) => [String(STATE_CODES[n.status])],
        'instance-type': (n) => [n.size],
        'image-id': (n) => [n.image],
        'key-name': (n) => (n.keyName ? [n.keyName] : []),
        'availability-zone': (n) => [n.zone ?? ''],
        'reservation-id': (n) => [n.ec2!.reservationId],
        'vpc-id': (n) => [n.ec2!.vpcId],
        'subnet-id': (n) => [n.ec2!.subnetId],
        'private-ip-address': (n) => [n.privateIp],
        'ip-address': (n) => [n.publicIp],
        'instance.group-id': (n) => n.ec2!.securityGroups.map((g) => g.id),
        'instance.group-name': (n) => n.ec2!.securityGroups.map((g) => g.name),
        'client-token': (n) => (n.ec2!.clientToken ? [n.ec2!.clientToken] : []),
        architecture: (n) => [EC2_INSTANCE_TYPES.find((t) => t.name === n.size)?.architecture ?? 'x86_64'],
      },
      (n) => n.tags,
    ),
  )
  const {items, nextToken} = page(
    entries.filter((e) => kept.has(e.node)).map((e) => ({item: e.node, position: e.seq})),
    params,
    limit,
  )
  return reservationsXml(items) + el('nextToken', nextToken)
}

async function runInstances(world: World, call: Call): Promise<string> {
  const {params, region} = call
  const imageId = required(params, 'ImageId')
  const minCount = integer(params, 'MinCount')
  const maxCount = integer(params, 'MaxCount')
  if (minCount === undefined) throw new Ec2Error('MissingParameter', 'The request must contain the parameter MinCount')
  if (maxCount === undefined) throw new Ec2Error('MissingParameter', 'The request must contain the parameter MaxCount')
  if (minCount < 1 || maxCount < minCount) throw new Ec2Error('InvalidParameterValue', `Invalid value '${maxCount}' for maxCount. Must be greater than or equal to minCount.`)
  const typeName = params.get('InstanceType') ?? 'm1.small'
  if (!/^ami-[0-9a-f]{8,17}$/.test(imageId)) throw new Ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`)
  const image = ec2Images(region).find((i) => i.id === imageId)
  if (!image) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`)
  const type = EC2_INSTANCE_TYPES.find((t) => t.name === typeName)
  if (!type) throw new Ec2Error('InvalidParameterValue', `Invalid value '${typeName}' for InstanceType.`)
  if (type.architecture !== image.architecture) {
    throw new Ec2Error(
      'InvalidParameterValue',
      `The architecture '${type.architecture}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
    )
  }
  const keyName = params.get('KeyName')
  const key = keyName === undefined ? undefined : world.store.get<KeyPairRecord>('ec2', 'keypair', `${region}/${keyName}`)
  if (keyName !== undefined && !key) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`)

  const clientToken = params.get('ClientToken')
  const tags = tagSpecifications(params, 'instance')
  if (clientToken) {
    const previous = world
      .listNodes('ec2', region)
      .filter((e) => e.node.ec2!.clientToken === clientToken)
      .map((e) => e.node)
    if (previous.length > 0) {
      const same = previous[0].image === imageId && previous[0].size === typeName && previous.length === maxCount && previous[0].keyName === keyName
      if (!same) throw new Ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).')
      return runResponse(previous)
    }
  }
  const live = world.listNodes('ec2').filter((e) => !e.node.seeded && e.node.status !== 'terminated' && e.node.status !== 'shutting-down').length
  if (live + maxCount > INSTANCE_LIMIT && live + minCount > INSTANCE_LIMIT) {
    throw new Ec2Error(
      'InstanceLimitExceeded',
      `You have requested more instances (${live + minCount}) than your current instance limit of ${INSTANCE_LIMIT} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
    )
  }
  const count = Math.min(maxCount, INSTANCE_LIMIT - live)
  const {zone, subnet} = placement(world, call)
  const groups = launchGroups(world, call)
  const userData = params.get('UserData')
  const now = world.now()
  const reservationId = `r-${randomHex(9).slice(0, 17)}`
  const launched: NodeRecord[] = []
  for (let i = 0; i < count; i++) {
    const n = world.store.nextCounter('ec2.address', 1)
    const record: NodeRecord = schedule(
      {
        cloud: 'ec2',
        id: `i-${randomHex(9).slice(0, 17)}`,
        region,
        zone,
        name: tags.Name ?? '',
        image: imageId,
        size: typeName,
        status: 'pending',
        transitions: [],
        createdAt: now,
        updatedAt: now,
        tags: {...tags},
        keyName,
        authorizedKeys: key ? [key.publicKey] : [],
        publicIp: '127.0.0.1',
        privateIp: privateAddress('172.31', n),
        ec2: {
          reservationId,
          launchIndex: i,
          securityGroups: groups,
          clientToken,
          userData,
          vpcId: ec2VpcId(region),
          subnetId: subnet,
          transitionReason: '',
        },
      },
      now,
      [['running', world.settings.bootDelayMs]],
    )
    launched.push(await world.launchNode(record))
  }
  return runResponse(launched.map((n) => ({...n, status: 'pending'})))
}

function runResponse(nodes: NodeRecord[]): string {
  return el('reservationId', nodes[0].ec2!.reservationId) + el('ownerId', EC2_ACCOUNT_ID) + '<groupSet/>' + list('instancesSet', nodes, (n) => instanceXml(n))
}

function placement(world: World, call: Call): {zone: string; subnet: string} {
  const {params, region} = call
  const subnetParam = params.get('SubnetId')
  const regionZones = zones(region)
  if (subnetParam) {
    const zone = regionZones.find((z) => ec2SubnetId(region, z) === subnetParam)
    if (!zone) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${subnetParam}' does not exist`)
    return {zone, subnet: subnetParam}
  }
  const wanted = params.get('Placement.AvailabilityZone')
  if (wanted) {
    if (!regionZones.includes(wanted)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${wanted}]`)
    return {zone: wanted, subnet: ec2SubnetId(region, wanted)}
  }
  const zone = regionZones[world.store.nextCounter(`ec2.zone.${region}`, 0) % regionZones.length]
  return {zone, subnet: ec2SubnetId(region, zone)}
}

function launchGroups(world: World, call: Call): {id: string; name: string}[] {
  const {params, region} = call
  const ids = indexed(params, 'SecurityGroupId')
  const names = indexed(params, 'SecurityGroup')
  const all = securityGroups(world, region)
  if (ids.length === 0 && names.length === 0) {
    const d = all.find((g) => g.name === 'default')!
    return [{id: d.id, name: d.name}]
  }
  const out: {id: string; name: string}[] = []
  for (const id of ids) {
    const g = all.find((x) => x.id === id)
    if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
    out.push({id: g.id, name: g.name})
  }
  for (const name of names) {
    const g = all.find((x) => x.name === name)
    if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${ec2VpcId(region)}'`)
    out.push({id: g.id, name: g.name})
  }
  return out
}

function stateChange(n: NodeRecord, previous: string): string {
  return (
    el('instanceId', n.id) +
    node('currentState', el('code', STATE_CODES[n.status]) + el('name', n.status)) +
    node('previousState', el('code', STATE_CODES[previous]) + el('name', previous))
  )
}

async function terminateInstances(world: World, call: Call): Promise<string> {
  const nodes = requireInstances(world, call)
  const now = world.now()
  const changes: string[] = []
  const protectedOne = nodes.find((n) => n.ec2!.attributes?.disableApiTermination)
  if (protectedOne) {
    throw new Ec2Error('OperationNotPermitted', `The instance '${protectedOne.id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`)
  }
  for (const n of nodes) {
    const previous = n.status
    let updated = n
    if (previous !== 'terminated' && previous !== 'shutting-down') {
      updated = shutDown(world, n, now, 'terminate')
      world.saveNode(updated)
      await world.closeSsh('ec2', n.id)
    }
    changes.push(stateChange(updated, previous))
  }
  return list('instancesSet', changes, (c) => c)
}

function stopInstances(world: World, call: Call): string {
  const nodes = requireInstances(world, call)
  const now = world.now()
  const changes = nodes.map((n) => {
    const previous = n.status
    if (previous === 'terminated' || previous === 'shutting-down') {
      throw new Ec2Error('IncorrectInstanceState', `This instance '${n.id}' is not in a state from which it can be stopped.`)
    }
    let updated = n
    if (previous === 'pending' || previous === 'running') {
      updated = shutDown(world, n, now, 'stop')
      world.saveNode(updated)
    }
    return stateChange(updated, previous)
  })
  return list('instancesSet', changes, (c) => c)
}

function startInstances(world: World, call: Call): string {
  const nodes = requireInstances(world, call)
  const now = world.now()
  const changes = nodes.map((n) => {
    const previous = n.status
    if (previous === 'terminated' || previous === 'shutting-down' || previous === 'stopping') {
      throw new Ec2Error('IncorrectInstanceState', `The instance '${n.id}' is not in a state from which it can be started.`)
    }
    let updated = n
    if (previous === 'stopped') {
      updated = schedule({...n, status: 'pending'}, now, [['running', world.settings.bootDelayMs]])
      updated.ec2 = {...n.ec2!, transitionReason: '', stateReason: undefined}
      world.saveNode(updated)
    }
    return stateChange(updated, previous)
  })
  return list('instancesSet', changes, (c) => c)
}

function rebootInstances(world: World, call: Call): string {
  for (const n of requireInstances(world, call)) {
    if (n.status !== 'running') {
      throw new Ec2Error('IncorrectInstanceState', `The instance '${n.id}' is not in a state from which it can be rebooted.`)
    }
  }
  return el('return', true)
}

export function instanceActions(world: World): Record<string, Action> {
  return {
    DescribeInstances: (c) => describeInstances(world, c),
    RunInstances: (c) => runInstances(world, c),
    TerminateInstances: (c) => terminateInstances(world, c),
    StopInstances: (c) => stopInstances(world, c),
    StartInstances: (c) => startInstances(world, c),
    RebootInstances: (c) => rebootInstances(world, c),
  }
}
