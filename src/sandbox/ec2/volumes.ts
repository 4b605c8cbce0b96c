import {isoSeconds} from '../http.js'
import type {NodeRecord} from '../types.js'
import type {World} from '../world.js'
import {Ec2Error, filters, indexed, maxResults, page} from './params.js'
import {type Action, applyFilters, notFoundList, ROOT_DEVICE, rootVolumeId} from './shared.js'
import {el, list} from './xml.js'

/**
 * DescribeVolumes: the root EBS volume of each instance that is not terminated (gp3, 8 GiB, deleted
 * with its instance), with the id DescribeInstances shows in its block device mapping.
 */

const ROOT_SIZE_GIB = 8

interface Volume {
  id: string
  instance: NodeRecord
  /** "in-use" while attached; an instance shutting down still holds its volume. */
  status: 'in-use'
}

function volumes(world: World, region: string): {item: Volume; position: number}[] {
  return world
    .listNodes('ec2', region)
    .filter((e) => e.node.status !== 'terminated')
    .map((e) => ({item: {id: rootVolumeId(e.node.id), instance: e.node, status: 'in-use'}, position: e.seq}))
}

function volumeXml(v: Volume): string {
  const n = v.instance
  const attached = isoSeconds(n.createdAt).replace('Z', '.000Z')
  return (
    el('volumeId', v.id) +
    el('size', ROOT_SIZE_GIB) +
    el('snapshotId', `snap-${v.id.slice(4)}`) +
    el('availabilityZone', n.zone) +
    el('status', v.status) +
    el('createTime', attached) +
    list(
      'attachmentSet',
      [0],
      () => el('volumeId', v.id) + el('instanceId', n.id) + el('device', ROOT_DEVICE) + el('status', 'attached') + el('attachTime', attached) + el('deleteOnTermination', true),
    ) +
    el('volumeType', 'gp3') +
    el('iops', 3000) +
    el('encrypted', false) +
    el('multiAttachEnabled', false) +
    el('throughput', 125)
  )
}

export function volumeActions(world: World): Record<string, Action> {
  return {
    DescribeVolumes({params, region}) {
      const ids = indexed(params, 'VolumeId')
      for (const id of ids) if (!/^vol-[0-9a-f]{8}([0-9a-f]{9})?$/.test(id)) throw new Ec2Error('InvalidVolumeID.Malformed', `Invalid id: "${id}"`)
      const limit = maxResults(params, 5, 500)
      if (ids.length > 0 && limit !== undefined) {
        throw new Ec2Error('InvalidParameterCombination', 'The parameter volumeSet cannot be used with the parameter maxResults')
      }
      let all = volumes(world, region)
      if (ids.length > 0) {
        const missing = ids.filter((id) => !all.some((v) => v.item.id === id))
        if (missing.length > 0) throw notFoundList('InvalidVolume.NotFound', 'volume', missing)
        all = all.filter((v) => ids.includes(v.item.id))
      }
      const kept = new Set(
        applyFilters(
          all.map((v) => v.item),
          filters(params),
          {
            'volume-id': (v) => [v.id],
            status: (v) => [v.status],
            size: () => [String(ROOT_SIZE_GIB)],
            'volume-type': () => ['gp3'],
            'availability-zone': (v) => [v.instance.zone ?? ''],
            'attachment.instance-id': (v) => [v.instance.id],
            'attachment.device': () => [ROOT_DEVICE],
            'attachment.status': () => ['attached'],
            'attachment.delete-on-termination': () => ['true'],
            encrypted: () => ['false'],
          },
          // A root volume carries no tags of its own.
          () => ({}),
        ),
      )
      const {items, nextToken} = page(
        all.filter((v) => kept.has(v.item)),
        params,
        limit,
      )
      return list('volumeSet', items, (v) => volumeXml(v)) + el('nextToken', nextToken)
    },
  }
}
