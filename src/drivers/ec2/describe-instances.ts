import type {
  DescribeInstancesCommandOutput,
  GroupIdentifier,
  Instance,
  InstanceIpv6Address,
  InstanceNetworkInterface,
  InstancePrivateIpAddress,
  Reservation,
  Tag,
} from '@aws-sdk/client-ec2'

import {XmlReader} from './xml.js'

/**
 * A DescribeInstances body read straight into the SDK's output shape, limited to the members mc
 * maps (see toNode). The SDK's schema-driven deserialiser walks every one of ~100 members per
 * instance and was most of the time spent listing 1,000 instances; this reads the same XML in a
 * fraction of it. The SDK still signs, retries and maps errors: only successful bodies come here.
 */
export type DescribeInstancesPage = Pick<DescribeInstancesCommandOutput, 'Reservations' | 'NextToken'>

export class UnexpectedBodyError extends Error {
  override name = 'UnexpectedBodyError'
}

export function readDescribeInstances(body: string): DescribeInstancesPage {
  const r = new XmlReader(body)
  const root = r.nextChild()
  if (root !== 'DescribeInstancesResponse') {
    throw new UnexpectedBodyError(`expected <DescribeInstancesResponse>, got ${root ? `<${root}>` : 'no element'}`)
  }
  const page: DescribeInstancesPage = {Reservations: []}
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    if (name === 'reservationSet') page.Reservations = list(r, reservation)
    else if (name === 'nextToken') page.NextToken = r.text() || undefined
    else r.skip()
  }
  return page
}

/** The `<item>`s of the list element just entered. */
function list<T>(r: XmlReader, read: (r: XmlReader) => T): T[] {
  const out: T[] = []
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    if (name === 'item') out.push(read(r))
    else r.skip()
  }
  return out
}

/** Leaf members of the struct just entered, by XML name; other members are skipped. */
function leaves(r: XmlReader, wanted: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    if (wanted.includes(name)) out[name] = r.text()
    else r.skip()
  }
  return out
}

function reservation(r: XmlReader): Reservation {
  const out: Reservation = {Instances: []}
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    switch (name) {
      case 'reservationId': {
        out.ReservationId = r.text()
        break
      }
      case 'ownerId': {
        out.OwnerId = r.text()
        break
      }
      case 'instancesSet': {
        out.Instances = list(r, instance)
        break
      }
      default: {
        r.skip()
      }
    }
  }
  return out
}

function instance(r: XmlReader): Instance {
  const out: Instance = {}
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    switch (name) {
      case 'instanceId': {
        out.InstanceId = r.text()
        break
      }
      case 'imageId': {
        out.ImageId = r.text()
        break
      }
      case 'instanceState': {
        const s = leaves(r, ['code', 'name'])
        out.State = {Code: toInt(s.code), Name: s.name as NonNullable<Instance['State']>['Name']}
        break
      }
      case 'privateDnsName': {
        out.PrivateDnsName = r.text()
        break
      }
      case 'dnsName': {
        out.PublicDnsName = r.text()
        break
      }
      case 'reason': {
        out.StateTransitionReason = r.text()
        break
      }
      case 'keyName': {
        out.KeyName = r.text()
        break
      }
      case 'instanceType': {
        out.InstanceType = r.text() as Instance['InstanceType']
        break
      }
      case 'launchTime': {
        const text = r.text()
        if (text) out.LaunchTime = new Date(text)
        break
      }
      case 'placement': {
        out.Placement = {AvailabilityZone: leaves(r, ['availabilityZone']).availabilityZone}
        break
      }
      case 'subnetId': {
        out.SubnetId = r.text()
        break
      }
      case 'vpcId': {
        out.VpcId = r.text()
        break
      }
      case 'privateIpAddress': {
        out.PrivateIpAddress = r.text()
        break
      }
      case 'ipAddress': {
        out.PublicIpAddress = r.text()
        break
      }
      case 'ipv6Address': {
        out.Ipv6Address = r.text()
        break
      }
      case 'groupSet': {
        out.SecurityGroups = list(r, group)
        break
      }
      case 'stateReason': {
        const s = leaves(r, ['code', 'message'])
        out.StateReason = {Code: s.code, Message: s.message}
        break
      }
      case 'architecture': {
        out.Architecture = r.text() as Instance['Architecture']
        break
      }
      case 'platform': {
        out.Platform = r.text() as Instance['Platform']
        break
      }
      case 'tagSet': {
        out.Tags = list(r, tag)
        break
      }
      case 'networkInterfaceSet': {
        out.NetworkInterfaces = list(r, networkInterface)
        break
      }
      default: {
        r.skip()
      }
    }
  }
  return out
}

function group(r: XmlReader): GroupIdentifier {
  const g = leaves(r, ['groupId', 'groupName'])
  return {GroupId: g.groupId, GroupName: g.groupName}
}

function tag(r: XmlReader): Tag {
  const t = leaves(r, ['key', 'value'])
  return {Key: t.key, Value: t.value ?? ''}
}

function networkInterface(r: XmlReader): InstanceNetworkInterface {
  const out: InstanceNetworkInterface = {}
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    switch (name) {
      case 'networkInterfaceId': {
        out.NetworkInterfaceId = r.text()
        break
      }
      case 'privateIpAddress': {
        out.PrivateIpAddress = r.text()
        break
      }
      case 'association': {
        out.Association = {PublicIp: leaves(r, ['publicIp']).publicIp}
        break
      }
      case 'privateIpAddressesSet': {
        out.PrivateIpAddresses = list(r, privateAddress)
        break
      }
      case 'ipv6AddressesSet': {
        out.Ipv6Addresses = list(r, ipv6Address)
        break
      }
      default: {
        r.skip()
      }
    }
  }
  return out
}

function privateAddress(r: XmlReader): InstancePrivateIpAddress {
  const out: InstancePrivateIpAddress = {}
  for (let name = r.nextChild(); name !== undefined; name = r.nextChild()) {
    if (name === 'privateIpAddress') out.PrivateIpAddress = r.text()
    else if (name === 'association') out.Association = {PublicIp: leaves(r, ['publicIp']).publicIp}
    else r.skip()
  }
  return out
}

function ipv6Address(r: XmlReader): InstanceIpv6Address {
  return {Ipv6Address: leaves(r, ['ipv6Address']).ipv6Address}
}

function toInt(text: string | undefined): number | undefined {
  if (!text) return undefined
  const n = Number(text)
  return Number.isInteger(n) ? n : undefined
}
