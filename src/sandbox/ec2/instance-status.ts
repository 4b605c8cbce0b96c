import type {NodeRecord} from '../types.js'
import type {World} from '../world.js'
import {bool, filters, maxResults, page} from './params.js'
import {type Action, applyFilters, existing, instanceIds, STATE_CODES} from './shared.js'
import {el, list, node} from './xml.js'

/**
 * DescribeInstanceStatus: the system and instance status checks of each instance. A running instance
 * reports "initializing" for one boot delay after it reached running, then "ok" (what boto3's
 * `instance_status_ok` waiter and `aws ec2 wait instance-status-ok` wait for); other states report
 * "not-applicable" and only with IncludeAllInstances.
 */

type Check = 'ok' | 'initializing' | 'not-applicable'

function check(world: World, n: NodeRecord): Check {
  if (n.status !== 'running') return 'not-applicable'
  const runningSince = n.createdAt + world.settings.bootDelayMs
  return world.now() >= runningSince + world.settings.bootDelayMs ? 'ok' : 'initializing'
}

function summary(status: Check): string {
  const detail = status === 'not-applicable' ? '' : list('details', [0], () => el('name', 'reachability') + el('status', status === 'ok' ? 'passed' : 'initializing'))
  return el('status', status) + (detail || '<details/>')
}

export function instanceStatusActions(world: World): Record<string, Action> {
  return {
    DescribeInstanceStatus({params, region}) {
      const ids = instanceIds(params)
      const limit = maxResults(params, 5, 1000)
      const all = bool(params, 'IncludeAllInstances')
      let entries = world.listNodes('ec2', region)
      if (ids.length > 0) {
        existing(world, {params, region, host: ''}, ids)
        entries = entries.filter((e) => ids.includes(e.node.id))
      }
      entries = entries.filter((e) => all || e.node.status === 'running')
      const kept = new Set(
        applyFilters(
          entries.map((e) => e.node),
          filters(params),
          {
            'availability-zone': (n) => [n.zone ?? ''],
            'instance-state-name': (n) => [n.status],
            'instance-state-code': (n) => [String(STATE_CODES[n.status])],
            'instance-status.status': (n) => [check(world, n)],
            'system-status.status': (n) => [check(world, n)],
            'instance-status.reachability': (n) => [check(world, n) === 'ok' ? 'passed' : check(world, n)],
            'system-status.reachability': (n) => [check(world, n) === 'ok' ? 'passed' : check(world, n)],
            'event.code': () => [],
          },
          () => ({}),
        ),
      )
      const {items, nextToken} = page(
        entries.filter((e) => kept.has(e.node)).map((e) => ({item: e.node, position: e.seq})),
        params,
        limit,
      )
      return (
        list('instanceStatusSet', items, (n) => {
          const status = check(world, n)
          return (
            el('instanceId', n.id) +
            el('availabilityZone', n.zone) +
            '<eventsSet/>' +
            node('instanceState', el('code', STATE_CODES[n.status]) + el('name', n.status)) +
            node('systemStatus', summary(status)) +
            node('instanceStatus', summary(status))
          )
        }) + el('nextToken', nextToken)
      )
    },
  }
}
