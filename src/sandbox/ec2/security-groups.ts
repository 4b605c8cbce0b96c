import {ec2DefaultGroupId, ec2VpcId} from '../catalog.js'
import type {SecurityGroupRecord, SecurityGroupRule} from '../types.js'
import {randomHex, type World} from '../world.js'
import {Ec2Error, filters, indexed, indexes, integer, maxResults, page, required, tagSpecifications} from './params.js'
import {type Action, applyFilters, type Call, EC2_ACCOUNT_ID} from './shared.js'
import {el, list, tagSet} from './xml.js'

/** Security groups of the default VPC: create, authorize ingress, describe and delete. */

/** Protocol numbers and "all" as EC2 stores them. */
function normalizeProtocol(protocol: string): string {
  const lower = protocol.toLowerCase()
  return ({'6': 'tcp', '17': 'udp', '1': 'icmp', all: '-1'} as Record<string, string>)[lower] ?? lower
}

/** Every group in the region, the default VPC's "default" group first (created on first use). */
export function securityGroups(world: World, region: string): SecurityGroupRecord[] {
  const groups = world.store.list<SecurityGroupRecord>('ec2', 'secgroup', region).map((e) => e.value)
  if (!groups.some((g) => g.name === 'default')) {
    const d: SecurityGroupRecord = {id: ec2DefaultGroupId(region), name: 'default', description: 'default VPC security group', vpcId: ec2VpcId(region), ingress: [], tags: {}}
    world.store.insert('ec2', 'secgroup', d.id, region, d)
    groups.unshift(d)
  }
  return groups
}

function findGroup(world: World, call: Call): SecurityGroupRecord {
  const {params, region} = call
  const id = params.get('GroupId')
  const name = params.get('GroupName')
  const all = securityGroups(world, region)
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

function createSecurityGroup(world: World, call: Call): string {
  const {params, region} = call
  const name = required(params, 'GroupName')
  const description = required(params, 'GroupDescription')
  const vpc = params.get('VpcId') ?? ec2VpcId(region)
  if (vpc !== ec2VpcId(region)) throw new Ec2Error('InvalidVpcID.NotFound', `The vpc ID '${vpc}' does not exist`)
  if (name === 'default') throw new Ec2Error('InvalidGroup.Reserved', "The security group 'default' is reserved")
  if (securityGroups(world, region).some((g) => g.name === name && g.vpcId === vpc)) {
    throw new Ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpc}'`)
  }
  const tags = tagSpecifications(params, 'security-group')
  const group: SecurityGroupRecord = {id: `sg-${randomHex(9).slice(0, 17)}`, name, description, vpcId: vpc, ingress: [], tags}
  world.store.insert('ec2', 'secgroup', group.id, region, group)
  return el('return', true) + el('groupId', group.id) + (Object.keys(tags).length > 0 ? tagSet(tags) : '')
}

function authorizeIngress(world: World, call: Call): string {
  const {params, region} = call
  const group = findGroup(world, call)
  const requested: Omit<SecurityGroupRule, 'ruleId'>[] = []
  for (const i of indexes(params, 'IpPermissions')) {
    const prefix = `IpPermissions.${i}`
    const protocol = normalizeProtocol(params.get(`${prefix}.IpProtocol`) ?? '-1')
    const cidrs = indexes(params, `${prefix}.IpRanges`)
      .map((j) => params.get(`${prefix}.IpRanges.${j}.CidrIp`)!)
      .filter(Boolean)
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
      const duplicate = group.ingress.some((r) => r.protocol === rule.protocol && r.fromPort === rule.fromPort && r.toPort === rule.toPort && r.cidrs.includes(cidr))
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
  world.store.update('ec2', 'secgroup', group.id, region, updated)
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

function permissionXml(rule: {protocol: string; fromPort?: number; toPort?: number; cidrs: string[]}): string {
  return (
    el('ipProtocol', rule.protocol) +
    (rule.protocol === '-1' ? '' : el('fromPort', rule.fromPort ?? -1) + el('toPort', rule.toPort ?? -1)) +
    '<groups/>' +
    list('ipRanges', rule.cidrs, (c) => el('cidrIp', c)) +
    '<ipv6Ranges/><prefixListIds/>'
  )
}

function describeSecurityGroups(world: World, call: Call): string {
  const {params, region} = call
  const ids = indexed(params, 'GroupId')
  const names = indexed(params, 'GroupName')
  let groups = securityGroups(world, region)
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
        list('ipPermissions', g.ingress, (r) => permissionXml(r)) +
        list('ipPermissionsEgress', [{protocol: '-1', cidrs: ['0.0.0.0/0']}], (r) => permissionXml(r)) +
        tagSet(g.tags),
    ) + el('nextToken', nextToken)
  )
}

function deleteSecurityGroup(world: World, call: Call): string {
  const group = findGroup(world, call)
  if (group.name === 'default') throw new Ec2Error('CannotDelete', `the specified group: "${group.id}" name: "default" cannot be deleted by a user`)
  const inUse = world.listNodes('ec2', call.region).some((e) => e.node.status !== 'terminated' && e.node.ec2!.securityGroups.some((g) => g.id === group.id))
  if (inUse) throw new Ec2Error('DependencyViolation', `resource ${group.id} has a dependent object`)
  world.store.remove('ec2', 'secgroup', group.id)
  return el('return', true) + el('groupId', group.id)
}

export function securityGroupActions(world: World): Record<string, Action> {
  return {
    CreateSecurityGroup: (c) => createSecurityGroup(world, c),
    AuthorizeSecurityGroupIngress: (c) => authorizeIngress(world, c),
    DescribeSecurityGroups: (c) => describeSecurityGroups(world, c),
    DeleteSecurityGroup: (c) => deleteSecurityGroup(world, c),
  }
}
