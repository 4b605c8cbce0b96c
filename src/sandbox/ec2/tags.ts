import type {KeyPairRecord, SecurityGroupRecord} from '../types.js'
import type {World} from '../world.js'
import {Ec2Error, filters, indexed, indexes, maxResults, page, tagsFrom} from './params.js'
import {securityGroups} from './security-groups.js'
import {type Action, applyFilters, type Call} from './shared.js'
import {el, list} from './xml.js'

/**
 * DescribeTags: every tag of the region's instances, security groups and key pairs, one item per tag;
 * CreateTags and DeleteTags on instances and security groups.
 */

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

function retag(world: World, call: Call, change: (tags: Record<string, string>) => Record<string, string>): void {
  const ids = indexed(call.params, 'ResourceId')
  if (ids.length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter resourceIdSet')
  for (const id of ids) {
    if (id.startsWith('i-')) {
      const n = world.getNode('ec2', id)
      if (!n || n.region !== call.region) throw new Ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)
      const tags = change(n.tags)
      world.saveNode({...n, tags, name: tags.Name ?? ''})
    } else if (id.startsWith('sg-')) {
      const g = securityGroups(world, call.region).find((x) => x.id === id)
      if (!g) throw new Ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`)
      world.store.update('ec2', 'secgroup', id, call.region, {...g, tags: change(g.tags)})
    } else {
      throw new Ec2Error('InvalidID', `The ID '${id}' is not valid`)
    }
  }
}

function createTags(world: World, call: Call): string {
  const tags = tagsFrom(call.params, 'Tag')
  if (Object.keys(tags).length === 0) throw new Ec2Error('MissingParameter', 'The request must contain the parameter tagSet')
  retag(world, call, (old) => ({...old, ...tags}))
  return el('return', true)
}

function deleteTags(world: World, call: Call): string {
  const keys = indexes(call.params, 'Tag').map((i) => ({key: call.params.get(`Tag.${i}.Key`)!, value: call.params.get(`Tag.${i}.Value`)}))
  retag(world, call, (old) => {
    const out = {...old}
    for (const {key, value} of keys) if (value === undefined || out[key] === value) delete out[key]
    return out
  })
  return el('return', true)
}

export function tagActions(world: World): Record<string, Action> {
  return {
    CreateTags: (c) => createTags(world, c),
    DeleteTags: (c) => deleteTags(world, c),
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
