import type {
  DescribeAvailabilityZonesCommandOutput,
  DescribeImagesCommandOutput,
  DescribeImagesRequest,
  DescribeInstancesCommandOutput,
  DescribeInstanceTypesCommandOutput,
  DescribeKeyPairsCommandOutput,
  DescribeRegionsCommandOutput,
  DescribeSecurityGroupsCommandOutput,
  CreateSecurityGroupCommandOutput,
  Image as Ec2Image,
  ImportKeyPairCommandOutput,
  IpPermission,
  RunInstancesCommandOutput,
  RunInstancesRequest,
  SecurityGroup,
} from '@aws-sdk/client-ec2'
import {randomUUID} from 'node:crypto'

import {NotFoundError, ProviderError, ValidationError} from '../../core/errors.js'
import type {CreateNodeRequest, Image, ImageFilter, KeyPair, Location, Node, NodeFilter, Size, WaitOptions} from '../../core/model.js'
import type {Capability, CloudDriver} from '../types.js'
import {waitUntilRunning} from '../wait.js'
import {Ec2Client, type Ec2ConnectionOptions} from './client.js'
import {instanceFilters, regionLocation, toImage, toKeyPair, toNode, toSize, zoneLocation} from './mapping.js'

export const EC2_CAPABILITIES: ReadonlySet<Capability> = new Set<Capability>([
  'createNode',
  'destroyNode',
  'rebootNode',
  'startStopNode',
  'importKeyPair',
  'securityGroups',
  'userData',
  'tags',
  'allRegions',
])

/** The security group createNode makes (once per region/VPC) when asked to allow SSH and ICMP. */
export const PROBE_SECURITY_GROUP = 'mc-ssh-icmp'

/** What probes need reachable: SSH (IPv4 and IPv6) and ICMP for ping and mtr, one rule per call. */
const PROBE_RULES: IpPermission[] = [
  {IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{CidrIp: '0.0.0.0/0'}], Ipv6Ranges: [{CidrIpv6: '::/0'}]},
  {IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{CidrIp: '0.0.0.0/0'}]},
  {IpProtocol: 'icmpv6', FromPort: -1, ToPort: -1, Ipv6Ranges: [{CidrIpv6: '::/0'}]},
]

/** An existing rule covers a wanted one: same protocol and ports, and every wanted range. */
function sameRule(existing: IpPermission, wanted: IpPermission): boolean {
  return (
    existing.IpProtocol === wanted.IpProtocol &&
    existing.FromPort === wanted.FromPort &&
    existing.ToPort === wanted.ToPort &&
    (wanted.IpRanges ?? []).every((r) => existing.IpRanges?.some((e) => e.CidrIp === r.CidrIp)) &&
    (wanted.Ipv6Ranges ?? []).every((r) => existing.Ipv6Ranges?.some((e) => e.CidrIpv6 === r.CidrIpv6))
  )
}

/** Image owners mc lists by default, next to the caller's own images: recent Linux releases only. */
const WELL_KNOWN_IMAGES: {owner: string; name: string}[] = [
  {owner: '099720109477', name: 'ubuntu/images/hvm-ssd*/ubuntu-*-24.04-*-server-*'},
  {owner: '099720109477', name: 'ubuntu/images/hvm-ssd*/ubuntu-*-22.04-*-server-*'},
  {owner: '136693071363', name: 'debian-13-*'},
  {owner: '136693071363', name: 'debian-12-*'},
  {owner: 'amazon', name: 'al2023-ami-2023.*-kernel-*'},
]
/** Friendly names for `--owner`; anything else (self, amazon, aws-marketplace, an account id) goes as is. */
const OWNER_ALIASES: Record<string, string> = {canonical: '099720109477', ubuntu: '099720109477', debian: '136693071363'}

/** mc's driver for one EC2 region: nodes, images, sizes, locations and key pairs, over the region's Ec2Client. */
export class Ec2Driver implements CloudDriver {
  readonly provider = 'ec2' as const
  readonly capabilities = EC2_CAPABILITIES
  readonly region: string
  private readonly client: Ec2Client

  constructor(private readonly options: Ec2ConnectionOptions) {
    this.region = options.region
    this.client = new Ec2Client(options)
  }

  /** A new driver for `region` with the same credentials and endpoint; the caller closes it. */
  forRegion(region: string): Ec2Driver {
    return new Ec2Driver({...this.options, region})
  }

  async listNodes(filter?: NodeFilter): Promise<Node[]> {
    const {sdk} = this.options
    const filters = instanceFilters(filter)
    const nodes: Node[] = []
    // Each page becomes nodes as it arrives, so the SDK-shaped instances of earlier pages can go.
    const pages = this.client.eachPage<DescribeInstancesCommandOutput>(
      'DescribeInstances',
      (NextToken) => new sdk.DescribeInstancesCommand({Filters: filters.length > 0 ? filters : undefined, MaxResults: 1000, NextToken}),
    )
    for await (const page of pages) {
      for (const reservation of page.Reservations ?? []) for (const instance of reservation.Instances ?? []) nodes.push(toNode(instance, this.region))
    }
    return nodes
  }

  async getNode(id: string): Promise<Node> {
    const {sdk} = this.options
    const output = await this.client.call<DescribeInstancesCommandOutput>('DescribeInstances', () => new sdk.DescribeInstancesCommand({InstanceIds: [id]}))
    const instance = (output.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === id)
    if (!instance) throw new NotFoundError(`No EC2 instance "${id}" in ${this.region}.`)
    return toNode(instance, this.region)
  }

  async listImages(filter: ImageFilter = {}): Promise<Image[]> {
    const nameFilter = filter.name ? [{Name: 'name', Values: [filter.name]}] : []
    if (filter.owners && filter.owners.length > 0) {
      const owners = filter.owners.map((o) => OWNER_ALIASES[o.toLowerCase()] ?? o)
      return (await this.describeImages({Owners: owners, Filters: nameFilter.length > 0 ? nameFilter : undefined})).map((i) => toImage(i, this.region))
    }
    if (filter.name) {
      const owners = ['self', ...new Set(WELL_KNOWN_IMAGES.map((w) => w.owner))]
      return (await this.describeImages({Owners: owners, Filters: nameFilter})).map((i) => toImage(i, this.region))
    }
    const [own, known] = await Promise.all([
      this.describeImages({Owners: ['self']}),
      this.describeImages({
        Owners: [...new Set(WELL_KNOWN_IMAGES.map((w) => w.owner))],
        Filters: [
          {Name: 'name', Values: WELL_KNOWN_IMAGES.map((w) => w.name)},
          {Name: 'state', Values: ['available']},
        ],
      }),
    ])
    const ownIds = new Set(own.map((i) => i.ImageId))
    return [...own, ...newestPerRelease(known.filter((i) => !ownIds.has(i.ImageId)))].map((i) => toImage(i, this.region))
  }

  private async describeImages(input: DescribeImagesRequest): Promise<Ec2Image[]> {
    const {sdk} = this.options
    const pages = await this.client.pages<DescribeImagesCommandOutput>('DescribeImages', (NextToken) => new sdk.DescribeImagesCommand({...input, ...(NextToken && {NextToken})}))
    return pages.flatMap((p) => p.Images ?? [])
  }

  async listSizes(): Promise<Size[]> {
    const {sdk} = this.options
    const pages = await this.client.pages<DescribeInstanceTypesCommandOutput>(
      'DescribeInstanceTypes',
      (NextToken) => new sdk.DescribeInstanceTypesCommand({MaxResults: 100, NextToken}),
    )
    return pages.flatMap((p) => p.InstanceTypes ?? []).map((t) => toSize(t))
  }

  async listLocations(): Promise<Location[]> {
    const {sdk} = this.options
    const [regions, zones] = await Promise.all([
      this.client.call<DescribeRegionsCommandOutput>('DescribeRegions', () => new sdk.DescribeRegionsCommand({})),
      this.client.call<DescribeAvailabilityZonesCommandOutput>('DescribeAvailabilityZones', () => new sdk.DescribeAvailabilityZonesCommand({})),
    ])
    return [...(regions.Regions ?? []).map((r) => regionLocation(r)), ...(zones.AvailabilityZones ?? []).map((z) => zoneLocation(z))]
  }

  async listRegions(): Promise<string[]> {
    const {sdk} = this.options
    const output = await this.client.call<DescribeRegionsCommandOutput>('DescribeRegions', () => new sdk.DescribeRegionsCommand({}))
    return (output.Regions ?? [])
      .map((r) => r.RegionName ?? '')
      .filter((name) => name !== '')
      .sort()
  }

  async listKeyPairs(): Promise<KeyPair[]> {
    const {sdk} = this.options
    const output = await this.client.call<DescribeKeyPairsCommandOutput>('DescribeKeyPairs', () => new sdk.DescribeKeyPairsCommand({}))
    return (output.KeyPairs ?? []).map((k) => toKeyPair(k))
  }

  async importKeyPair(name: string, publicKey: string): Promise<KeyPair> {
    const {sdk} = this.options
    const output = await this.client.call<ImportKeyPairCommandOutput>(
      'ImportKeyPair',
      () => new sdk.ImportKeyPairCommand({KeyName: name, PublicKeyMaterial: Buffer.from(publicKey.trim())}),
    )
    return toKeyPair({KeyName: output.KeyName ?? name, KeyFingerprint: output.KeyFingerprint, KeyPairId: output.KeyPairId, PublicKey: publicKey.trim()})
  }

  async createNode(request: CreateNodeRequest): Promise<Node> {
    if ([request.name, request.image, request.size].some((value) => !value)) {
      throw new ValidationError('An EC2 node needs a name, an image (ami-...) and a size (instance type, e.g. t3.micro).')
    }
    const placement = this.placement(request.location)
    if (placement.region !== this.region) {
      const other = this.forRegion(placement.region)
      try {
        return await other.createNode({...request, location: placement.zone})
      } finally {
        await other.close()
      }
    }
    if (request.networks && request.networks.length > 1) {
      throw new ValidationError('EC2 nodes are created in one subnet: pass at most one network (a subnet id).')
    }
    const {sdk} = this.options
    if (request.keyName && request.publicKey) await this.ensureKeyPair(request.keyName, request.publicKey)
    const groupId = request.allowSshAndIcmp ? await this.ensureProbeSecurityGroup() : undefined
    const input: RunInstancesRequest = {
      ImageId: request.image,
      InstanceType: request.size as RunInstancesRequest['InstanceType'],
      MinCount: 1,
      MaxCount: 1,
      KeyName: request.keyName,
      SecurityGroupIds: groupId ? [groupId] : undefined,
      SubnetId: request.networks?.[0],
      UserData: request.userData ? Buffer.from(request.userData).toString('base64') : undefined,
      ClientToken: request.clientToken ?? randomUUID(),
      Placement: placement.zone ? {AvailabilityZone: placement.zone} : undefined,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [{Key: 'Name', Value: request.name}, ...Object.entries(request.tags ?? {}).map(([Key, Value]) => ({Key, Value}))],
        },
      ],
    }
    const output = await this.client.call<RunInstancesCommandOutput>('RunInstances', () => new sdk.RunInstancesCommand(input))
    const instance = output.Instances?.[0]
    if (!instance?.InstanceId) throw new ProviderError('EC2 RunInstances answered without an instance.')
    return toNode(instance, this.region)
  }

  /** Where `location` puts a node: a zone of this region, another region, or (unset) anywhere in this one. */
  private placement(location: string | undefined): {region: string; zone?: string} {
    if (!location || location === this.region) return {region: this.region}
    if (/^[a-z]{2}(-[a-z]+)+-\d+$/.test(location)) return {region: location}
    if (location.startsWith(this.region)) return {region: this.region, zone: location}
    throw new ValidationError(`Availability zone "${location}" is not in region ${this.region}: pass --region with the zone's region.`)
  }

  private async ensureKeyPair(name: string, publicKey: string): Promise<void> {
    const {sdk} = this.options
    try {
      const output = await this.client.call<DescribeKeyPairsCommandOutput>('DescribeKeyPairs', () => new sdk.DescribeKeyPairsCommand({KeyNames: [name]}))
      if ((output.KeyPairs ?? []).some((k) => k.KeyName === name)) return
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error
    }
    this.options.log.line(`ec2 ${this.region}: importing key pair "${name}"`)
    try {
      await this.importKeyPair(name, publicKey)
    } catch (error) {
      // Another create (probes deploy in parallel) imported it first.
      if (!(error instanceof ProviderError && error.providerCode === 'InvalidKeyPair.Duplicate')) throw error
    }
  }

  /**
   * The group that lets probes be reached: SSH from anywhere, and ICMP (v4 and v6) for ping and mtr.
   * Rules missing from an existing group (someone removed them) are added back.
   */
  private async ensureProbeSecurityGroup(): Promise<string> {
    const {sdk} = this.options
    let group = await this.findProbeSecurityGroup()
    let groupId = group?.GroupId
    if (!groupId) {
      try {
        const created = await this.client.call<CreateSecurityGroupCommandOutput>(
          'CreateSecurityGroup',
          () => new sdk.CreateSecurityGroupCommand({GroupName: PROBE_SECURITY_GROUP, Description: 'mc probes: SSH and ICMP from anywhere'}),
        )
        groupId = created.GroupId
      } catch (error) {
        // Another create (probes deploy in parallel) made it first: use theirs.
        if (!(error instanceof ProviderError && error.providerCode === 'InvalidGroup.Duplicate')) throw error
        group = await this.findProbeSecurityGroup()
        groupId = group?.GroupId
      }
      if (!groupId) throw new ProviderError(`EC2 did not say which security group "${PROBE_SECURITY_GROUP}" is.`)
    }
    const existing = group?.IpPermissions ?? []
    for (const rule of PROBE_RULES.filter((r) => !existing.some((e) => sameRule(e, r)))) {
      try {
        const id = groupId
        await this.client.call('AuthorizeSecurityGroupIngress', () => new sdk.AuthorizeSecurityGroupIngressCommand({GroupId: id, IpPermissions: [rule]}))
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error
        // Already there (listed differently, or added meanwhile): nothing to do.
        if (error.providerCode === 'InvalidPermission.Duplicate') continue
        // EC2-compatible clouds without IPv6 reject icmpv6; IPv4 probes work without it.
        if (rule.IpProtocol === 'icmpv6' && error.providerCode === 'InvalidParameterValue') {
          this.options.log.line(`ec2 ${this.region}: no ICMPv6 rule (${error.message})`)
          continue
        }
        throw error
      }
    }
    return groupId
  }

  private async findProbeSecurityGroup(): Promise<SecurityGroup | undefined> {
    const {sdk} = this.options
    const found = await this.client.call<DescribeSecurityGroupsCommandOutput>(
      'DescribeSecurityGroups',
      () => new sdk.DescribeSecurityGroupsCommand({Filters: [{Name: 'group-name', Values: [PROBE_SECURITY_GROUP]}]}),
    )
    return found.SecurityGroups?.find((g) => g.GroupName === PROBE_SECURITY_GROUP)
  }

  async waitUntilRunning(id: string, options: WaitOptions = {}): Promise<Node> {
    const started = Date.now()
    return waitUntilRunning(
      {
        what: `EC2 instance ${id} to be running`,
        getNode: async () => {
          try {
            return await this.getNode(id)
          } catch (error) {
            // EC2 is eventually consistent: a just-created instance can be unknown for a little while.
            if (error instanceof NotFoundError && Date.now() - started < 60_000) return
            throw error
          }
        },
        defaults: {timeoutMs: 600_000, pollMs: 2000, maxPollMs: 15_000},
        failure(n) {
          if (n.state !== 'terminated' && n.state !== 'stopped' && n.state !== 'stopping') return
          const reason = n.extra.ec2?.stateReason ? ` (${n.extra.ec2.stateReason})` : ''
          return new ProviderError(`EC2 instance ${id} went ${n.providerState} instead of running${reason}.`, n.providerState)
        },
        signal: this.options.signal,
      },
      options,
    )
  }

  async destroyNode(id: string): Promise<void> {
    const {sdk} = this.options
    await this.client.call('TerminateInstances', () => new sdk.TerminateInstancesCommand({InstanceIds: [id]}))
  }

  /** EC2 has no hard reboot: `hard` is accepted and the reboot is the same. */
  async rebootNode(id: string): Promise<void> {
    const {sdk} = this.options
    await this.client.call('RebootInstances', () => new sdk.RebootInstancesCommand({InstanceIds: [id]}))
  }

  async startNode(id: string): Promise<void> {
    const {sdk} = this.options
    await this.client.call('StartInstances', () => new sdk.StartInstancesCommand({InstanceIds: [id]}))
  }

  async stopNode(id: string): Promise<void> {
    const {sdk} = this.options
    await this.client.call('StopInstances', () => new sdk.StopInstancesCommand({InstanceIds: [id]}))
  }

  async close(): Promise<void> {
    this.client.close()
  }
}

/** Of the well-known images, only the newest of each release and architecture. */
function newestPerRelease(images: Ec2Image[]): Ec2Image[] {
  const patterns = WELL_KNOWN_IMAGES.map((w) => globRegExp(w.name))
  const newest = new Map<string, Ec2Image>()
  for (const image of images) {
    const release = patterns.findIndex((p) => p.test(image.Name ?? ''))
    if (release === -1) continue
    const key = `${release}/${image.Architecture ?? ''}`
    const current = newest.get(key)
    if (!current || (image.CreationDate ?? '') > (current.CreationDate ?? '')) newest.set(key, image)
  }
  return [...newest.values()].sort((a, b) => (a.Name ?? '').localeCompare(b.Name ?? ''))
}

function globRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replaceAll(/[.+^${}()|[\]\\]/g, String.raw`\$&`)
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  )
}
