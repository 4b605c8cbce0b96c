import {stableHex} from '../catalog.js'
import {wildcard} from '../http.js'
import type {NodeRecord} from '../types.js'
import type {World} from '../world.js'
import {Ec2Error, type Filter, indexed, type Params} from './params.js'
import {el, list, node} from './xml.js'

/** What every EC2 action module shares: the call, instance lookups, filters and error lists. */

/** The account that owns everything in the sandbox's EC2. */
export const EC2_ACCOUNT_ID = '210987654321'

export const STATE_CODES: Record<string, number> = {pending: 0, running: 16, 'shutting-down': 32, terminated: 48, stopping: 64, stopped: 80}

export interface Call {
  params: Params
  region: string
  /** host:port the client used, for regionEndpoint. */
  host: string
}

export type Action = (call: Call) => Promise<string> | string

/** An instance's root EBS volume: one per instance, named from its id. */
export function rootVolumeId(instanceId: string): string {
  return `vol-${stableHex(`${instanceId}/root`, 17)}`
}

/** Every instance and image has one block device, its EBS root volume, here. */
export const ROOT_DEVICE = '/dev/xvda'

/** A blockDeviceMapping of the root device alone; `ebs` is what goes inside its <ebs>. */
export function rootDeviceMapping(ebs: string): string {
  return list('blockDeviceMapping', [0], () => el('deviceName', ROOT_DEVICE) + node('ebs', ebs))
}

/** An instance's block device mapping (DescribeInstances, DescribeInstanceAttribute): none once terminated. */
export function instanceDeviceMapping(n: NodeRecord, attachTime: string): string {
  if (n.status === 'terminated') return '<blockDeviceMapping/>'
  return rootDeviceMapping(el('volumeId', rootVolumeId(n.id)) + el('status', 'attached') + el('attachTime', attachTime) + el('deleteOnTermination', true))
}

function matches(filter: Filter, values: string[]): boolean {
  const patterns = filter.values.map((v) => wildcard(v))
  return values.some((v) => patterns.some((p) => p.test(v)))
}

/** Apply EC2 filters through a table of accessors; tag:<key>, tag-key and tag-value come free. */
export function applyFilters<T>(items: T[], given: Filter[], accessors: Record<string, (item: T) => string[]>, tags: (item: T) => Record<string, string>): T[] {
  for (const f of given) {
    if (!f.name.startsWith('tag:') && f.name !== 'tag-key' && f.name !== 'tag-value' && !accessors[f.name]) {
      throw new Ec2Error('InvalidParameterValue', `The filter '${f.name}' is invalid`)
    }
  }
  return items.filter((item) =>
    given.every((f) => {
      if (f.name.startsWith('tag:')) {
        const value = tags(item)[f.name.slice(4)]
        return value !== undefined && matches(f, [value])
      }
      if (f.name === 'tag-key') return matches(f, Object.keys(tags(item)))
      if (f.name === 'tag-value') return matches(f, Object.values(tags(item)))
      return matches(f, accessors[f.name](item))
    }),
  )
}

export function notFoundList(code: string, noun: string, missing: string[]): Ec2Error {
  return missing.length === 1 ? new Ec2Error(code, `The ${noun} '${missing[0]}' does not exist`) : new Ec2Error(code, `The ${noun}s '${missing.join(', ')}' do not exist`)
}

export function instanceIds(params: Params): string[] {
  const ids = indexed(params, 'InstanceId')
  for (const id of ids) {
    if (!/^i-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new Ec2Error('InvalidInstanceID.Malformed', `Invalid id: "${id}"`)
  }
  return ids
}

/** The named instances, all of which must exist in this region. */
export function requireInstances(world: World, call: Call): NodeRecord[] {
  const ids = instanceIds(call.params)
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter InstanceId')
  return existing(world, call, ids)
}

/** Each of these instance ids in this region, or InvalidInstanceID.NotFound naming every missing one. */
export function existing(world: World, call: Call, wanted: string[]): NodeRecord[] {
  const found = wanted.map((id) => world.getNode('ec2', id)).map((n) => (n && n.region === call.region ? n : undefined))
  const missing = wanted.filter((_, i) => !found[i])
  if (missing.length > 0) throw notFoundList('InvalidInstanceID.NotFound', 'instance ID', missing)
  return found as NodeRecord[]
}
