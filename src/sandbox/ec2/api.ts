import {createHash, randomUUID} from 'node:crypto'

import {AMAZON_OWNER_ID, EC2_INSTANCE_TYPES, ec2DefaultGroupId, ec2SubnetId, ec2VpcId, EC2_REGIONS, type Ec2Image, ec2Images, ec2Region, PROBE_READY_KEY, PROBE_READY_VALUE, stableHex} from '../catalog.js'
import type {ApiHandler, SandboxRequest, SandboxResponse} from '../http.js'
import {isoSeconds} from '../http.js'
import {ec2ImportFingerprint, generateEd25519KeyPair, generateRsaKeyPair, parsePublicKey, sha256Fingerprint} from '../keys.js'
import {schedule} from '../lifecycle.js'
import type {KeyPairRecord, NodeRecord, SecurityGroupRecord, SecurityGroupRule} from '../types.js'
import {privateAddress, randomHex, type World} from '../world.js'
import {parsePairs, verifySignature} from './signature.js'
import {
  bool,
  Ec2Error,
  filters,
  indexed,
  indexes,
  integer,
  maxResults,
  page,
  type Params,
  required,
  tagsFrom,
  tagSpecifications,
} from './params.js'
import {consoleOutputActions} from './console-output.js'
import {instanceAttributeActions} from './instance-attributes.js'
import {instanceStatusActions} from './instance-status.js'
import {type Action, applyFilters, type Call, EC2_ACCOUNT_ID, instanceIds, notFoundList, requireInstances, rootVolumeId, STATE_CODES} from './shared.js'
import {tagActions} from './tags.js'
import {volumeActions} from './volumes.js'
import {document, el, errorDocument, list, node, tagSet} from './xml.js'

export {EC2_ACCOUNT_ID} from './shared.js'

const INSTANCE_LIMIT = 20


function zones(region: string): string[] {
  const r = ec2Region(region)!
  return r.zones.map((z) => `${region}${z}`)
}

function gmtReason(ms: number): string {
  return `User initiated (${new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' GMT')})`
}


/** A list of plain values: <name><item>v</item>...</name>. */
function strings(name: string, values: string[]): string {
  return node(name, values.map((v) => `<item>${v}</item>`).join(''))
}

/** Protocol numbers and "all" as EC2 stores them. */
function normalizeProtocol(protocol: string): string {
  const lower = protocol.toLowerCase()
  return ({'6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1'} as Record<string, string>)[lower] ?? lower
}


/**
 * The EC2 Query API: form-encoded POST (AWS SDKs, the AWS CLI) or GET with query parameters
 * (Libcloud), signed with SigV4 or SigV2, answered with EC2's XML documents and error format.
 */
export class Ec2Api implements ApiHandler {
  readonly cloud = 'ec2' as const
  private readonly actions: Record<string, Action>

  constructor(private readonly world: World) {
    this.actions = {
      DescribeInstances: (c) => this.describeInstances(c),
      RunInstances: (c) => this.runInstances(c),
      TerminateInstances: (c) => this.terminateInstances(c),
      StopInstances: (c) => this.stopInstances(c),
      StartInstances: (c) => this.startInstances(c),
      RebootInstances: (c) => this.rebootInstances(c),
      DescribeImages: (c) => this.describeImages(c),
      DescribeInstanceTypes: (c) => this.describeInstanceTypes(c),
      DescribeRegions: (c) => this.describeRegions(c),
      DescribeAvailabilityZones: (c) => this.describeAvailabilityZones(c),
      DescribeKeyPairs: (c) => this.describeKeyPairs(c),
      ImportKeyPair: (c) => this.importKeyPair(c),
      CreateKeyPair: (c) => this.createKeyPair(c),
      DeleteKeyPair: (c) => this.deleteKeyPair(c),
      CreateSecurityGroup: (c) => this.createSecurityGroup(c),
      AuthorizeSecurityGroupIngress: (c) => this.authorizeIngress(c),
      DescribeSecurityGroups: (c) => this.describeSecurityGroups(c),
      DeleteSecurityGroup: (c) => this.deleteSecurityGroup(c),
      CreateTags: (c) => this.createTags(c),
      DeleteTags: (c) => this.deleteTags(c),
      DescribeVpcs: (c) => this.describeVpcs(c),
      DescribeSubnets: (c) => this.describeSubnets(c),
      DescribeAddresses: (c) => this.describeAddresses(c),
      ...instanceStatusActions(world),
      ...instanceAttributeActions(world),
      ...consoleOutputActions(world),
      ...tagActions(world),
      ...volumeActions(world),
    }
  }

  async handle(request: SandboxRequest): Promise<SandboxResponse> {
    const requestId = randomUUID()
    const isForm = request.method === 'POST' && (request.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded')
    const pairs = [...parsePairs(request.rawQuery), ...(isForm ? parsePairs(request.body) : [])]
    const params: Params = new Map(pairs)
    const check = verifySignature(request, pairs, this.world.credentials.ec2)
    if (!check.ok) {
      const message =
        check.reason === 'missing'
          ? 'AWS was not able to validate the provided access credentials (the request is not signed)'
          : 'AWS was not able to validate the provided access credentials'
      return this.error(new Ec2Error('AuthFailure', message, 401), requestId)
    }
    const region = check.region ?? this.world.credentials.ec2.region
    if (!ec2Region(region)) {
      return this.error(new Ec2Error('AuthFailure', `Credential should be scoped to a valid region, not '${region}'.`, 401), requestId)
    }
    const actionName = params.get('Action')
    const action = actionName ? this.actions[actionName] : undefined
    if (!action) {
      return this.error(
        actionName
          ? new Ec2Error('InvalidAction', `The action ${actionName} is not valid for this web service.`)
          : new Ec2Error('MissingAction', 'The request must contain the parameter Action'),
        requestId,
      )
    }
    try {
      if (bool(params, 'DryRun')) throw new Ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412)
      const inner = await action({params, region, host: request.headers.host ?? '127.0.0.1'})
      return {status: 200, headers: {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId}, body: document(actionName!, requestId, inner)}
    } catch (error) {
      if (error instanceof Ec2Error) return this.error(error, requestId)
      throw error
    }
  }

  warm(): void {
    for (const {node: n} of this.world.listNodes('ec2')) this.instanceXml(n)
  }

  throttled(): SandboxResponse {
    return this.error(new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503), randomUUID())
  }

  unavailable(): SandboxResponse {
    return this.error(new Ec2Error('Unavailable', 'The server is overloaded and cannot handle the request.', 503), randomUUID())
  }

  private error(error: Ec2Error, requestId: string): SandboxResponse {
    return {status: error.status, headers: {'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId}, body: errorDocument(error.code, error.message, requestId)}
  }

  // ------------------------------------------------------------ instances

  /** Rendered instances, per node object: an unchanged node is the same object on the next listing. */
  private readonly rendered = new WeakMap<NodeRecord, string>()

  private instanceXml(n: NodeRecord): string {
    let xml = this.rendered.get(n)
    if (xml === undefined) {
      xml = this.renderInstance(n)
      this.rendered.set(n, xml)
    }
    return xml
  }

  private renderInstance(n: NodeRecord): string {
    const e = n.ec2!
    const hasPublicIp = n.status === 'pending' || n.status === 'running' || n.status === 'stopping'
    const privateDns = n.status === 'terminated' ? '' : `ip-${n.privateIp.replaceAll('.', '-')}.${n.region === 'us-east-1' ? 'ec2.internal' : `${n.region}.compute.internal`}`
    const groups = list('groupSet', e.securityGroups, (g) => el('groupId', g.id) + el('groupName', g.name))
    const association = hasPublicIp ? node('association', el('publicIp', n.publicIp) + '<publicDnsName/>' + el('ipOwnerId', 'amazon')) : ''
    const eni = `eni-${stableHex(`${n.id}/eni`, 17)}`
    const interfaces =
      n.status === 'terminated'
        ? '<networkInterfaceSet/>'
        : list('networkInterfaceSet', [0], () =>
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
      el('rootDeviceName', '/dev/xvda') +
      (n.status === 'terminated'
        ? '<blockDeviceMapping/>'
        : list(
            'blockDeviceMapping',
            [0],
            () =>
              el('deviceName', '/dev/xvda') +
              node(
                'ebs',
                el('volumeId', rootVolumeId(n.id)) + el('status', 'attached') + el('attachTime', isoSeconds(n.createdAt)) + el('deleteOnTermination', true),
              ),
          )) +
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
  private reservationsXml(nodes: NodeRecord[]): string {
    const groups: NodeRecord[][] = []
    for (const n of nodes) {
      const last = groups.at(-1)
      if (last && last[0].ec2!.reservationId === n.ec2!.reservationId) last.push(n)
      else groups.push([n])
    }
    return list(
      'reservationSet',
      groups,
      (g) => el('reservationId', g[0].ec2!.reservationId) + el('ownerId', EC2_ACCOUNT_ID) + '<groupSet/>' + list('instancesSet', g, (n) => this.instanceXml(n)),
    )
  }

  private describeInstances(call: Call): string {
    const {params} = call
    const ids = instanceIds(params)
    const limit = maxResults(params, 5, 1000)
    if (ids.length > 0 && limit !== undefined) {
      throw new Ec2Error('InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults')
    }
    let entries = this.world.listNodes('ec2', call.region)
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
    return this.reservationsXml(items) + el('nextToken', nextToken)
  }

  private async runInstances(call: Call): Promise<string> {
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
    const key = keyName === undefined ? undefined : this.world.store.get<KeyPairRecord>('ec2', 'keypair', `${region}/${keyName}`)
    if (keyName !== undefined && !key) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${keyName}' does not exist`)

    const clientToken = params.get('ClientToken')
    const tags = tagSpecifications(params, 'instance')
    if (clientToken) {
      const previous = this.world.listNodes('ec2', region).filter((e) => e.node.ec2!.clientToken === clientToken).map((e) => e.node)
      if (previous.length > 0) {
        const same = previous[0].image === imageId && previous[0].size === typeName && previous.length === maxCount && previous[0].keyName === keyName
        if (!same) throw new Ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).')
        return this.runResponse(previous)
      }
    }
    const live = this.world.listNodes('ec2').filter((e) => !e.node.seeded && e.node.status !== 'terminated' && e.node.status !== 'shutting-down').length
    if (live + maxCount > INSTANCE_LIMIT && live + minCount > INSTANCE_LIMIT) {
      throw new Ec2Error(
        'InstanceLimitExceeded',
        `You have requested more instances (${live + minCount}) than your current instance limit of ${INSTANCE_LIMIT} allows for the specified instance type. Please visit http://aws.amazon.com/contact-us/ec2-request to request an adjustment to this limit.`,
      )
    }
    const count = Math.min(maxCount, INSTANCE_LIMIT - live)
    const {zone, subnet} = this.placement(call)
    const groups = this.launchGroups(call)
    const userData = params.get('UserData')
    const now = this.world.now()
    const reservationId = `r-${randomHex(9).slice(0, 17)}`
    const launched: NodeRecord[] = []
    for (let i = 0; i < count; i++) {
      const n = this.world.store.nextCounter('ec2.address', 1)
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
        [['running', this.world.settings.bootDelayMs]],
      )
      launched.push(await this.world.launchNode(record))
    }
    return this.runResponse(launched.map((n) => ({...n, status: 'pending'})))
  }

  private runResponse(nodes: NodeRecord[]): string {
    return (
      el('reservationId', nodes[0].ec2!.reservationId) +
      el('ownerId', EC2_ACCOUNT_ID) +
      '<groupSet/>' +
      list('instancesSet', nodes, (n) => this.instanceXml(n))
    )
  }

  private placement(call: Call): {zone: string; subnet: string} {
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
    const zone = regionZones[this.world.store.nextCounter(`ec2.zone.${region}`, 0) % regionZones.length]
    return {zone, subnet: ec2SubnetId(region, zone)}
  }

  private launchGroups(call: Call): {id: string; name: string}[] {
    const {params, region} = call
    const ids = indexed(params, 'SecurityGroupId')
    const names = indexed(params, 'SecurityGroup')
    const all = this.groups(region)
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

  private stateChange(n: NodeRecord, previous: string): string {
    return el('instanceId', n.id) + node('currentState', el('code', STATE_CODES[n.status]) + el('name', n.status)) + node('previousState', el('code', STATE_CODES[previous]) + el('name', previous))
  }

  private async terminateInstances(call: Call): Promise<string> {
    const nodes = requireInstances(this.world, call)
    const now = this.world.now()
    const delay = this.world.settings.bootDelayMs
    const changes: string[] = []
    const protectedOne = nodes.find((n) => n.ec2!.attributes?.disableApiTermination)
    if (protectedOne) {
      throw new Ec2Error('OperationNotPermitted', `The instance '${protectedOne.id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`)
    }
    for (const n of nodes) {
      const previous = n.status
      let updated = n
      if (previous !== 'terminated' && previous !== 'shutting-down') {
        updated = schedule({...n, status: 'shutting-down'}, now, [['terminated', delay]])
        updated.ec2 = {...n.ec2!, transitionReason: gmtReason(now), stateReason: {code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown'}}
        this.world.saveNode(updated)
        await this.world.closeSsh('ec2', n.id)
      }
      changes.push(this.stateChange(updated, previous))
    }
    return node('instancesSet', changes.map((c) => `<item>${c}</item>`).join(''))
  }

  private stopInstances(call: Call): string {
    const nodes = requireInstances(this.world, call)
    const now = this.world.now()
    const changes = nodes.map((n) => {
      const previous = n.status
      if (previous === 'terminated' || previous === 'shutting-down') {
        throw new Ec2Error('IncorrectInstanceState', `This instance '${n.id}' is not in a state from which it can be stopped.`)
      }
      let updated = n
      if (previous === 'pending' || previous === 'running') {
        updated = schedule({...n, status: 'stopping'}, now, [['stopped', this.world.settings.bootDelayMs]])
        updated.ec2 = {...n.ec2!, transitionReason: gmtReason(now), stateReason: {code: 'Client.UserInitiatedShutdown', message: 'Client.UserInitiatedShutdown: User initiated shutdown'}}
        this.world.saveNode(updated)
      }
      return this.stateChange(updated, previous)
    })
    return node('instancesSet', changes.map((c) => `<item>${c}</item>`).join(''))
  }

  private startInstances(call: Call): string {
    const nodes = requireInstances(this.world, call)
    const now = this.world.now()
    const changes = nodes.map((n) => {
      const previous = n.status
      if (previous === 'terminated' || previous === 'shutting-down' || previous === 'stopping') {
        throw new Ec2Error('IncorrectInstanceState', `The instance '${n.id}' is not in a state from which it can be started.`)
      }
      let updated = n
      if (previous === 'stopped') {
        updated = schedule({...n, status: 'pending'}, now, [['running', this.world.settings.bootDelayMs]])
        updated.ec2 = {...n.ec2!, transitionReason: '', stateReason: undefined}
        this.world.saveNode(updated)
      }
      return this.stateChange(updated, previous)
    })
    return node('instancesSet', changes.map((c) => `<item>${c}</item>`).join(''))
  }

  private rebootInstances(call: Call): string {
    for (const n of requireInstances(this.world, call)) {
      if (n.status !== 'running') {
        throw new Ec2Error('IncorrectInstanceState', `The instance '${n.id}' is not in a state from which it can be rebooted.`)
      }
    }
    return el('return', true)
  }

  // ------------------------------------------------------------ catalogue

  private imageXml(image: Ec2Image): string {
    return (
      el('imageId', image.id) +
      el('imageLocation', `${image.ownerId}/${image.name}`) +
      el('imageState', 'available') +
      el('imageOwnerId', image.ownerId) +
      el('creationDate', image.creationDate) +
      el('isPublic', true) +
      el('architecture', image.architecture) +
      el('imageType', 'machine') +
      el('sriovNetSupport', 'simple') +
      (image.ownerId === AMAZON_OWNER_ID ? el('imageOwnerAlias', 'amazon') : '') +
      el('name', image.name) +
      el('description', image.description) +
      el('rootDeviceType', 'ebs') +
      el('rootDeviceName', '/dev/xvda') +
      list(
        'blockDeviceMapping',
        [0],
        () =>
          el('deviceName', '/dev/xvda') +
          node(
            'ebs',
            el('snapshotId', `snap-${stableHex(`${image.id}/snap`, 17)}`) + el('volumeSize', 8) + el('deleteOnTermination', true) + el('volumeType', 'gp3') + el('iops', 3000) + el('throughput', 125) + el('encrypted', false),
          ),
      ) +
      el('virtualizationType', 'hvm') +
      tagSet({[PROBE_READY_KEY]: PROBE_READY_VALUE}) +
      el('hypervisor', 'xen') +
      el('enaSupport', true) +
      el('platformDetails', image.platformDetails) +
      el('usageOperation', 'RunInstances') +
      el('bootMode', 'uefi-preferred') +
      el('imdsSupport', 'v2.0') +
      el('deprecationTime', new Date(Date.parse(image.creationDate) + 2 * 365 * 86_400_000).toISOString())
    )
  }

  private describeImages(call: Call): string {
    const {params, region} = call
    const ids = indexed(params, 'ImageId')
    const owners = indexed(params, 'Owner')
    let images = ec2Images(region)
    if (ids.length > 0) {
      const missing = ids.filter((id) => !images.some((i) => i.id === id))
      if (missing.length > 0) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`)
      images = images.filter((i) => ids.includes(i.id))
    }
    if (owners.length > 0) {
      images = images.filter((i) => owners.some((o) => o === i.ownerId || (o === 'amazon' && i.ownerId === AMAZON_OWNER_ID)))
    }
    images = applyFilters(
      images,
      filters(params),
      {
        name: (i) => [i.name],
        'image-id': (i) => [i.id],
        architecture: (i) => [i.architecture],
        'owner-id': (i) => [i.ownerId],
        'owner-alias': (i) => (i.ownerId === AMAZON_OWNER_ID ? ['amazon'] : []),
        state: () => ['available'],
        'is-public': () => ['true'],
        'image-type': () => ['machine'],
        'root-device-type': () => ['ebs'],
        'virtualization-type': () => ['hvm'],
        description: (i) => [i.description],
        'platform-details': (i) => [i.platformDetails],
      },
      () => ({[PROBE_READY_KEY]: PROBE_READY_VALUE}),
    )
    const {items, nextToken} = page(
      images.map((item, position) => ({item, position})),
      params,
      maxResults(params, 5, 1000),
    )
    return list('imagesSet', items, (i) => this.imageXml(i)) + el('nextToken', nextToken)
  }

  private describeInstanceTypes(call: Call): string {
    const {params} = call
    const names = indexed(params, 'InstanceType')
    let types = EC2_INSTANCE_TYPES
    if (names.length > 0) {
      const missing = names.filter((n) => !types.some((t) => t.name === n))
      if (missing.length > 0) throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${missing.join(', ')}]`)
      types = types.filter((t) => names.includes(t.name))
    }
    types = applyFilters(
      types,
      filters(params),
      {
        'instance-type': (t) => [t.name],
        'processor-info.supported-architecture': (t) => [t.architecture],
        'current-generation': (t) => [String(!t.previousGeneration)],
        'free-tier-eligible': (t) => [String(t.freeTier)],
        'burstable-performance-supported': (t) => [String(t.burstable)],
        'vcpu-info.default-vcpus': (t) => [String(t.vcpus)],
        'memory-info.size-in-mib': (t) => [String(t.memoryMiB)],
      },
      () => ({}),
    )
    const {items, nextToken} = page(
      types.map((item, position) => ({item, position})),
      params,
      maxResults(params, 5, 100),
    )
    return (
      list(
        'instanceTypeSet',
        items,
        (t) =>
          el('instanceType', t.name) +
          el('currentGeneration', !t.previousGeneration) +
          el('freeTierEligible', t.freeTier) +
          strings('supportedUsageClasses', ['on-demand', 'spot']) +
          strings('supportedRootDeviceTypes', ['ebs']) +
          strings('supportedVirtualizationTypes', ['hvm']) +
          el('bareMetal', false) +
          el('hypervisor', t.nitro ? 'nitro' : 'xen') +
          node('processorInfo', strings('supportedArchitectures', [t.architecture]) + el('sustainedClockSpeedInGhz', t.clockGhz)) +
          node('vCpuInfo', el('defaultVCpus', t.vcpus) + el('defaultCores', t.cores) + el('defaultThreadsPerCore', t.vcpus / t.cores)) +
          node('memoryInfo', el('sizeInMiB', t.memoryMiB)) +
          el('instanceStorageSupported', false) +
          node('ebsInfo', el('ebsOptimizedSupport', t.nitro ? 'default' : 'unsupported') + el('encryptionSupport', 'supported') + el('nvmeSupport', t.nitro ? 'required' : 'unsupported')) +
          node(
            'networkInfo',
            el('networkPerformance', t.network) + el('maximumNetworkInterfaces', t.vcpus > 1 ? 3 : 2) + el('maximumNetworkCards', 1) + el('defaultNetworkCardIndex', 0) + el('ipv4AddressesPerInterface', t.vcpus > 1 ? 6 : 2) + el('ipv6AddressesPerInterface', t.vcpus > 1 ? 6 : 2) + el('ipv6Supported', true) + el('enaSupport', t.nitro ? 'required' : 'unsupported') + el('efaSupported', false),
          ) +
          node('placementGroupInfo', strings('supportedStrategies', ['partition', 'spread'])) +
          el('hibernationSupported', t.architecture === 'x86_64') +
          el('burstablePerformanceSupported', t.burstable) +
          el('dedicatedHostsSupported', !t.burstable) +
          el('autoRecoverySupported', true) +
          strings('supportedBootModes', t.architecture === 'arm64' ? ['uefi'] : ['legacy-bios', 'uefi']),
      ) + el('nextToken', nextToken)
    )
  }

  private describeRegions(call: Call): string {
    const wanted = indexed(call.params, 'RegionName')
    let regions = EC2_REGIONS.map((r) => r.name)
    if (wanted.length > 0) {
      const missing = wanted.filter((w) => !regions.includes(w))
      if (missing.length > 0) throw new Ec2Error('InvalidParameterValue', `Invalid region: ${missing[0]}`)
      regions = regions.filter((r) => wanted.includes(r))
    }
    regions = applyFilters(regions, filters(call.params), {'region-name': (r) => [r], endpoint: () => [call.host], 'opt-in-status': () => ['opt-in-not-required']}, () => ({}))
    return list('regionInfo', regions, (r) => el('regionName', r) + el('regionEndpoint', call.host) + el('optInStatus', 'opt-in-not-required'))
  }

  private describeAvailabilityZones(call: Call): string {
    const region = ec2Region(call.region)!
    const all = region.zones.map((z, i) => ({name: `${region.name}${z}`, id: `${region.zoneIdPrefix}-az${i + 1}`}))
    const names = indexed(call.params, 'ZoneName')
    const ids = indexed(call.params, 'ZoneId')
    for (const n of names) if (!all.some((z) => z.name === n)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${n}]`)
    for (const n of ids) if (!all.some((z) => z.id === n)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone ID: [${n}]`)
    let chosen = all.filter((z) => (names.length === 0 && ids.length === 0) || names.includes(z.name) || ids.includes(z.id))
    chosen = applyFilters(
      chosen,
      filters(call.params),
      {
        'zone-name': (z) => [z.name],
        'zone-id': (z) => [z.id],
        state: () => ['available'],
        'region-name': () => [region.name],
        'zone-type': () => ['availability-zone'],
        'opt-in-status': () => ['opt-in-not-required'],
      },
      () => ({}),
    )
    return list(
      'availabilityZoneInfo',
      chosen,
      (z) =>
        el('zoneName', z.name) +
        el('zoneState', 'available') +
        el('regionName', region.name) +
        '<messageSet/>' +
        el('optInStatus', 'opt-in-not-required') +
        el('zoneId', z.id) +
        el('groupName', region.name) +
        el('networkBorderGroup', region.name) +
        el('zoneType', 'availability-zone'),
    )
  }

  // ------------------------------------------------------------ key pairs

  private keyPairs(region: string): KeyPairRecord[] {
    return this.world.store
      .list<KeyPairRecord>('ec2', 'keypair', region)
      .map((e) => e.value)
  }

  private describeKeyPairs(call: Call): string {
    const {params, region} = call
    const names = indexed(params, 'KeyName')
    const ids = indexed(params, 'KeyPairId')
    let keys = this.keyPairs(region)
    const missingNames = names.filter((n) => !keys.some((k) => k.name === n))
    if (missingNames.length > 0) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair '${missingNames[0]}' does not exist`)
    const missingIds = ids.filter((id) => !keys.some((k) => k.id === id))
    if (missingIds.length > 0) throw new Ec2Error('InvalidKeyPair.NotFound', `The key pair ID '${missingIds[0]}' does not exist`)
    if (names.length > 0 || ids.length > 0) keys = keys.filter((k) => names.includes(k.name) || ids.includes(k.id))
    keys = applyFilters(
      keys,
      filters(params),
      {'key-name': (k) => [k.name], 'key-pair-id': (k) => [k.id], fingerprint: (k) => [k.fingerprint], 'key-type': (k) => [k.type]},
      (k) => k.tags ?? {},
    )
    const includePublic = bool(params, 'IncludePublicKey')
    return list(
      'keySet',
      keys,
      (k) =>
        el('keyPairId', k.id) +
        el('keyName', k.name) +
        el('keyFingerprint', k.fingerprint) +
        el('keyType', k.type) +
        tagSet(k.tags ?? {}) +
        (includePublic ? el('publicKey', k.publicKey) : '') +
        el('createTime', new Date(k.createdAt).toISOString()),
    )
  }

  private storeKey(region: string, record: KeyPairRecord): void {
    if (this.world.store.get('ec2', 'keypair', `${region}/${record.name}`)) {
      throw new Ec2Error('InvalidKeyPair.Duplicate', `The keypair '${record.name}' already exists.`)
    }
    this.world.store.insert('ec2', 'keypair', `${region}/${record.name}`, region, record)
  }

  private importKeyPair(call: Call): string {
    const {params, region} = call
    const name = required(params, 'KeyName')
    const material = Buffer.from(required(params, 'PublicKeyMaterial'), 'base64').toString('utf8')
    const key = parsePublicKey(material)
    if (!key || key.kind === 'ecdsa') throw new Ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format')
    const tags = tagSpecifications(params, 'key-pair')
    const record: KeyPairRecord = {
      name,
      publicKey: `${key.line} ${name}`,
      fingerprint: ec2ImportFingerprint(key),
      type: key.kind,
      createdAt: this.world.now(),
      id: `key-${randomHex(9).slice(0, 17)}`,
      tags,
    }
    this.storeKey(region, record)
    return el('keyFingerprint', record.fingerprint) + el('keyName', name) + el('keyPairId', record.id) + (Object.keys(tags).length > 0 ? tagSet(tags) : '')
  }

  private async createKeyPair(call: Call): Promise<string> {
    const {params, region} = call
    const name = required(params, 'KeyName')
    const type = params.get('KeyType') ?? 'rsa'
    if (type !== 'rsa' && type !== 'ed25519') throw new Ec2Error('InvalidParameterValue', `Invalid value '${type}' for KeyType.`)
    if (this.world.store.get('ec2', 'keypair', `${region}/${name}`)) throw new Ec2Error('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`)
    let privateKey: string
    let publicKey: string
    let fingerprint: string
    if (type === 'rsa') {
      ;({privateKey, publicKey} = generateRsaKeyPair(name))
      // EC2 fingerprints keys it generated by the SHA-1 of the private key.
      const {createPrivateKey} = await import('node:crypto')
      const der = createPrivateKey(privateKey).export({type: 'pkcs8', format: 'der'})
      fingerprint = createHash('sha1').update(der).digest('hex').match(/../g)!.join(':')
    } else {
      ;({privateKey, publicKey} = await generateEd25519KeyPair(name))
      fingerprint = `${sha256Fingerprint(parsePublicKey(publicKey)!)}=`
    }
    const record: KeyPairRecord = {name, publicKey, fingerprint, type, createdAt: this.world.now(), id: `key-${randomHex(9).slice(0, 17)}`, tags: tagSpecifications(params, 'key-pair')}
    this.storeKey(region, record)
    return el('keyName', name) + el('keyFingerprint', fingerprint) + el('keyMaterial', privateKey) + el('keyPairId', record.id)
  }

  private deleteKeyPair(call: Call): string {
    const {params, region} = call
    const name = params.get('KeyName') ?? this.keyPairs(region).find((k) => k.id === params.get('KeyPairId'))?.name
    if (name === undefined && params.get('KeyPairId') === undefined) throw new Ec2Error('MissingParameter', 'The request must contain the parameter KeyName or KeyPairId')
    const record = name === undefined ? undefined : this.world.store.get<KeyPairRecord>('ec2', 'keypair', `${region}/${name}`)
    if (record) this.world.store.remove('ec2', 'keypair', `${region}/${record.name}`)
    return el('return', true) + el('keyPairId', record?.id)
  }

  // ------------------------------------------------------------ security groups

  /** Every group in the region, the default VPC's "default" group first (created on first use). */
  private groups(region: string): SecurityGroupRecord[] {
    const groups = this.world.store.list<SecurityGroupRecord>('ec2', 'secgroup', region).map((e) => e.value)
    if (!groups.some((g) => g.name === 'default')) {
      const d: SecurityGroupRecord = {id: ec2DefaultGroupId(region), name: 'default', description: 'default VPC security group', vpcId: ec2VpcId(region), ingress: [], tags: {}}
      this.world.store.insert('ec2', 'secgroup', d.id, region, d)
      groups.unshift(d)
    }
    return groups
  }

  private findGroup(call: Call): SecurityGroupRecord {
    const {params, region} = call
    const id = params.get('GroupId')
    const name = params.get('GroupName')
    const all = this.groups(region)
    if (id) {
      const g = all.find((x) => x.id === id)
      if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
      return g
    }
    if (name) {
      const g = all.find((x) => x.name === name && x.vpcId === ec2VpcId(region))
      if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${ec2VpcId(region)}'`)
      return g
    }
    throw new Ec2Error('MissingParameter', 'The request must contain the parameter groupName or groupId')
  }

  private createSecurityGroup(call: Call): string {
    const {params, region} = call
    const name = required(params, 'GroupName')
    const description = required(params, 'GroupDescription')
    const vpc = params.get('VpcId') ?? ec2VpcId(region)
    if (vpc !== ec2VpcId(region)) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpc}' does not exist`)
    if (name === 'default') throw new Ec2Error('InvalidGroup.Reserved', "The security group 'default' is reserved")
    if (this.groups(region).some((g) => g.name === name && g.vpcId === vpc)) {
      throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc}'`)
    }
    const tags = tagSpecifications(params, 'security-group')
    const group: SecurityGroupRecord = {id: `sg-${randomHex(9).slice(0, 17)}`, name, description, vpcId: vpc, ingress: [], tags}
    this.world.store.insert('ec2', 'secgroup', group.id, region, group)
    return el('return', true) + el('groupId', group.id) + (Object.keys(tags).length > 0 ? tagSet(tags) : '')
  }

  private authorizeIngress(call: Call): string {
    const {params, region} = call
    const group = this.findGroup(call)
    const requested: Omit<SecurityGroupRule, 'ruleId'>[] = []
    for (const i of indexes(params, 'IpPermissions')) {
      const prefix = `IpPermissions.${i}`
      const protocol = normalizeProtocol(params.get(`${prefix}.IpProtocol`) ?? '-1')
      const cidrs = indexes(params, `${prefix}.IpRanges`).map((j) => params.get(`${prefix}.IpRanges.${j}.CidrIp`)!).filter(Boolean)
      requested.push({protocol, fromPort: integer(params, `${prefix}.FromPort`), toPort: integer(params, `${prefix}.ToPort`), cidrs})
    }
    if (params.get('IpProtocol')) {
      requested.push({
        protocol: normalizeProtocol(params.get('IpProtocol')!),
        fromPort: integer(params, 'FromPort'),
        toPort: integer(params, 'ToPort'),
        cidrs: params.get('CidrIp') ? [params.get('CidrIp')!] : [],
      })
    }
    if (requested.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter ipPermissions')
    const added: SecurityGroupRule[] = []
    for (const rule of requested) {
      if (!['tcp', 'udp', 'icmp', '-1'].includes(rule.protocol)) throw new Ec2Error('InvalidParameterValue', `Invalid value '${rule.protocol}' for IP protocol. Unknown protocol.`)
      if ((rule.protocol === 'tcp' || rule.protocol === 'udp') && (rule.fromPort === undefined || rule.toPort === undefined)) {
        throw new Ec2Error('InvalidParameterValue', `Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.`)
      }
      for (const cidr of rule.cidrs) {
        const duplicate = group.ingress.some(
          (r) => r.protocol === rule.protocol && r.fromPort === rule.fromPort && r.toPort === rule.toPort && r.cidrs.includes(cidr),
        )
        if (duplicate) {
          throw new Ec2Error(
            'InvalidPermission.Duplicate',
            `the specified rule "peer: ${cidr}, ${rule.protocol.toUpperCase()}, from port: ${rule.fromPort ?? -1}, to port: ${rule.toPort ?? -1}, ALLOW" already exists`,
          )
        }
      }
      added.push({...rule, ruleId: `sgr-${randomHex(9).slice(0, 17)}`})
    }
    const updated = {...group, ingress: [...group.ingress, ...added]}
    this.world.store.update('ec2', 'secgroup', group.id, region, updated)
    return (
      el('return', true) +
      list(
        'securityGroupRuleSet',
        added.flatMap((r) => r.cidrs.map((cidr) => ({r, cidr}))),
        ({r, cidr}) =>
          el('securityGroupRuleId', r.ruleId) +
          el('groupId', group.id) +
          el('groupOwnerId', EC2_ACCOUNT_ID) +
          el('isEgress', false) +
          el('ipProtocol', r.protocol) +
          el('fromPort', r.fromPort ?? -1) +
          el('toPort', r.toPort ?? -1) +
          el('cidrIpv4', cidr),
      )
    )
  }

  private permissionXml(rule: {protocol: string; fromPort?: number; toPort?: number; cidrs: string[]}): string {
    return (
      el('ipProtocol', rule.protocol) +
      (rule.protocol === '-1' ? '' : el('fromPort', rule.fromPort ?? -1) + el('toPort', rule.toPort ?? -1)) +
      '<groups/>' +
      list('ipRanges', rule.cidrs, (c) => el('cidrIp', c)) +
      '<ipv6Ranges/><prefixListIds/>'
    )
  }

  private describeSecurityGroups(call: Call): string {
    const {params, region} = call
    const ids = indexed(params, 'GroupId')
    const names = indexed(params, 'GroupName')
    let groups = this.groups(region)
    for (const id of ids) if (!groups.some((g) => g.id === id)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
    for (const n of names) {
      if (!groups.some((g) => g.name === n)) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${n}' does not exist in default VPC '${ec2VpcId(region)}'`)
    }
    if (ids.length > 0 || names.length > 0) groups = groups.filter((g) => ids.includes(g.id) || names.includes(g.name))
    groups = applyFilters(
      groups,
      filters(params),
      {'group-name': (g) => [g.name], 'group-id': (g) => [g.id], 'vpc-id': (g) => [g.vpcId], description: (g) => [g.description], 'owner-id': () => [EC2_ACCOUNT_ID]},
      (g) => g.tags,
    )
    const {items, nextToken} = page(
      groups.map((item, position) => ({item, position})),
      params,
      maxResults(params, 5, 1000),
    )
    return (
      list(
        'securityGroupInfo',
        items,
        (g) =>
          el('ownerId', EC2_ACCOUNT_ID) +
          el('groupId', g.id) +
          el('groupName', g.name) +
          el('groupDescription', g.description) +
          el('vpcId', g.vpcId) +
          list('ipPermissions', g.ingress, (r) => this.permissionXml(r)) +
          list('ipPermissionsEgress', [{protocol: '-1', cidrs: ['0.0.0.0/0']}], (r) => this.permissionXml(r)) +
          tagSet(g.tags),
      ) + el('nextToken', nextToken)
    )
  }

  private deleteSecurityGroup(call: Call): string {
    const group = this.findGroup(call)
    if (group.name === 'default') throw new Ec2Error('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`)
    const inUse = this.world.listNodes('ec2', call.region).some((e) => e.node.status !== 'terminated' && e.node.ec2!.securityGroups.some((g) => g.id === group.id))
    if (inUse) throw new Ec2Error('DependencyViolation', `resource ${group.id} has a dependent object`)
    this.world.store.remove('ec2', 'secgroup', group.id)
    return el('return', true) + el('groupId', group.id)
  }

  // ------------------------------------------------------------ tags

  private retag(call: Call, change: (tags: Record<string, string>) => Record<string, string>): void {
    const ids = indexed(call.params, 'ResourceId')
    if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet')
    for (const id of ids) {
      if (id.startsWith('i-')) {
        const n = this.world.getNode('ec2', id)
        if (!n || n.region !== call.region) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)
        const tags = change(n.tags)
        this.world.saveNode({...n, tags, name: tags.Name ?? ''})
      } else if (id.startsWith('sg-')) {
        const g = this.groups(call.region).find((x) => x.id === id)
        if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
        this.world.store.update('ec2', 'secgroup', id, call.region, {...g, tags: change(g.tags)})
      } else {
        throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`)
      }
    }
  }

  private createTags(call: Call): string {
    const tags = tagsFrom(call.params, 'Tag')
    if (Object.keys(tags).length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter tagSet')
    this.retag(call, (old) => ({...old, ...tags}))
    return el('return', true)
  }

  private deleteTags(call: Call): string {
    const keys = indexes(call.params, 'Tag').map((i) => ({key: call.params.get(`Tag.${i}.Key`)!, value: call.params.get(`Tag.${i}.Value`)}))
    this.retag(call, (old) => {
      const out = {...old}
      for (const {key, value} of keys) if (value === undefined || out[key] === value) delete out[key]
      return out
    })
    return el('return', true)
  }

  // ------------------------------------------------------------ network

  private describeVpcs(call: Call): string {
    const id = ec2VpcId(call.region)
    const wanted = indexed(call.params, 'VpcId')
    const missing = wanted.filter((w) => w !== id)
    if (missing.length > 0) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${missing[0]}' does not exist`)
    const vpcs = applyFilters([id], filters(call.params), {'vpc-id': (v) => [v], 'is-default': () => ['true'], isDefault: () => ['true'], state: () => ['available'], 'cidr-block': () => ['172.31.0.0/16']}, () => ({}))
    return list(
      'vpcSet',
      vpcs,
      (v) =>
        el('vpcId', v) +
        el('ownerId', EC2_ACCOUNT_ID) +
        el('state', 'available') +
        el('cidrBlock', '172.31.0.0/16') +
        list('cidrBlockAssociationSet', [0], () => el('cidrBlock', '172.31.0.0/16') + el('associationId', `vpc-cidr-assoc-${stableHex(v, 17)}`) + node('cidrBlockState', el('state', 'associated'))) +
        el('dhcpOptionsId', `dopt-${stableHex(`${v}/dhcp`, 17)}`) +
        el('instanceTenancy', 'default') +
        el('isDefault', true),
    )
  }

  private describeSubnets(call: Call): string {
    const {region} = call
    const all = zones(region).map((zone, i) => ({zone, id: ec2SubnetId(region, zone), cidr: `172.31.${i * 16}.0/20`, zoneId: `${ec2Region(region)!.zoneIdPrefix}-az${i + 1}`}))
    const wanted = indexed(call.params, 'SubnetId')
    const missing = wanted.filter((w) => !all.some((s) => s.id === w))
    if (missing.length > 0) throw new Ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${missing[0]}' does not exist`)
    const chosen = applyFilters(
      all.filter((s) => wanted.length === 0 || wanted.includes(s.id)),
      filters(call.params),
      {
        'vpc-id': () => [ec2VpcId(region)],
        'subnet-id': (s) => [s.id],
        'availability-zone': (s) => [s.zone],
        'default-for-az': () => ['true'],
        defaultForAz: () => ['true'],
        state: () => ['available'],
      },
      () => ({}),
    )
    return list(
      'subnetSet',
      chosen,
      (s) =>
        el('subnetId', s.id) +
        el('subnetArn', `arn:aws:ec2:${region}:${EC2_ACCOUNT_ID}:subnet/${s.id}`) +
        el('state', 'available') +
        el('ownerId', EC2_ACCOUNT_ID) +
        el('vpcId', ec2VpcId(region)) +
        el('cidrBlock', s.cidr) +
        el('availableIpAddressCount', 4091) +
        el('availabilityZone', s.zone) +
        el('availabilityZoneId', s.zoneId) +
        el('defaultForAz', true) +
        el('mapPublicIpOnLaunch', true) +
        el('assignIpv6AddressOnCreation', false),
    )
  }

  /** The sandbox has no Elastic IPs; Libcloud's list_nodes asks anyway. */
  private describeAddresses(call: Call): string {
    const ips = indexed(call.params, 'PublicIp')
    if (ips.length > 0) throw new Ec2Error('InvalidAddress.NotFound', `Address '${ips[0]}' not found.`)
    const allocations = indexed(call.params, 'AllocationId')
    if (allocations.length > 0) throw new Ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${allocations[0]}' does not exist`)
    return '<addressesSet/>'
  }
}
