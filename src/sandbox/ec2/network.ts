import {ec2SubnetId, ec2VpcId, ec2Region, stableHex} from '../catalog.js'
import {Ec2Error, filters, indexed} from './params.js'
import {zones} from './regions.js'
import {type Action, applyFilters, type Call, EC2_ACCOUNT_ID} from './shared.js'
import {el, list, node} from './xml.js'

/** The default VPC of each region, one subnet per zone, and no Elastic IPs. */

function describeVpcs(call: Call): string {
  const id = ec2VpcId(call.region)
  const wanted = indexed(call.params, 'VpcId')
  const missing = wanted.filter((w) => w !== id)
  if (missing.length > 0) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${missing[0]}' does not exist`)
  const vpcs = applyFilters(
    [id],
    filters(call.params),
    {'vpc-id': (v) => [v], 'is-default': () => ['true'], isDefault: () => ['true'], state: () => ['available'], 'cidr-block': () => ['172.31.0.0/16']},
    () => ({}),
  )
  return list(
    'vpcSet',
    vpcs,
    (v) =>
      el('vpcId', v) +
      el('ownerId', EC2_ACCOUNT_ID) +
      el('state', 'available') +
      el('cidrBlock', '172.31.0.0/16') +
      list(
        'cidrBlockAssociationSet',
        [0],
        () => el('cidrBlock', '172.31.0.0/16') + el('associationId', `vpc-cidr-assoc-${stableHex(v, 17)}`) + node('cidrBlockState', el('state', 'associated')),
      ) +
      el('dhcpOptionsId', `dopt-${stableHex(`${v}/dhcp`, 17)}`) +
      el('instanceTenancy', 'default') +
      el('isDefault', true),
  )
}

function describeSubnets(call: Call): string {
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
function describeAddresses(call: Call): string {
  const ips = indexed(call.params, 'PublicIp')
  if (ips.length > 0) throw new Ec2Error('InvalidAddress.NotFound', `Address '${ips[0]}' not found.`)
  const allocations = indexed(call.params, 'AllocationId')
  if (allocations.length > 0) throw new Ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${allocations[0]}' does not exist`)
  return '<addressesSet/>'
}

export function networkActions(): Record<string, Action> {
  return {
    DescribeVpcs: (c) => describeVpcs(c),
    DescribeSubnets: (c) => describeSubnets(c),
    DescribeAddresses: (c) => describeAddresses(c),
  }
}
