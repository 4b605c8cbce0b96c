import type {KeyPairRecord, SecurityGroupRecord} from '../types.js'
import type {World} from '../world.js'
import {filters, maxResults, page} from './params.js'
import {type Action, applyFilters} from './shared.js'
import {el, list} from './xml.js'

/** DescribeTags: every tag of the region's instances, security groups and key pairs, one item per tag. */

interface TagItem {
  resourceId: string
  resourceType: 'instance' | 'security-group' | 'key-pair'
  key: string
  value: string
}

function tagsOf(world: World, region: string): TagItem[] {
  const out: TagItem[] = []
  const add = (resourceId: string, resourceType: TagItem['resourceType'], tags: Record<string, string> | undefined) => {
    for (const [key, value] of Object.entries(tags ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) out.push({resourceId, resourceType, key, value})
  }
  for (const {node} of world.listNodes('ec2', region)) add(node.id, 'instance', node.tags)
  for (const {value} of world.store.list<SecurityGroupRecord>('ec2', 'secgroup', region)) add(value.id, 'security-group', value.tags)
  for (const {value} of world.store.list<KeyPairRecord>('ec2', 'keypair', region)) add(value.id, 'key-pair', value.tags)
  return out
}

export function tagActions(world: World): Record<string, Action> {
  return {
    DescribeTags({params, region}) {
      const limit = maxResults(params, 5, 1000)
      const items = applyFilters(
        tagsOf(world, region),
        filters(params),
        {
          key: (t) => [t.key],
          value: (t) => [t.value],
          'resource-id': (t) => [t.resourceId],
          'resource-type': (t) => [t.resourceType],
        },
        (t) => ({[t.key]: t.value}),
      )
      const paged = page(
        items.map((item, position) => ({item, position})),
        params,
        limit,
      )
      return (
        list('tagSet', paged.items, (t) => el('resourceId', t.resourceId) + el('resourceType', t.resourceType) + el('key', t.key) + el('value', t.value)) +
        el('nextToken', paged.nextToken)
      )
    },
  }
}
