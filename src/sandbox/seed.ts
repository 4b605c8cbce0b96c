import {randomUUID} from 'node:crypto'

import {DEFAULT_REGION, ec2DefaultGroupId, ec2Images, ec2SubnetId, ec2VpcId, LINODE_IMAGES, LINODE_TYPES, OPENSTACK, RACKSPACE, stableHex} from './catalog.js'
import type {NodeRecord, SandboxCloud, SandboxCredentials} from './types.js'
import type {SandboxStore} from './store.js'
import {privateAddress, randomHex} from './world.js'

/** Seeded nodes carry this tag (Linode: this tag string) so they are easy to tell apart. */
export const SEEDED_TAG = 'mc-seeded'

/**
 * Add running nodes to one cloud until it holds `count` seeded ones, in one transaction. They live in
 * the cloud's default region and have no SSH server: they exist to be listed (benchmarks, paging).
 */
export function seedNodes(store: SandboxStore, credentials: SandboxCredentials, cloud: SandboxCloud, count: number, now = Date.now()): number {
  const existing = store.countSeeded(cloud)
  const missing = Math.max(0, count - existing)
  if (missing === 0) return 0
  const region = DEFAULT_REGION[cloud]
  store.transaction(() => {
    for (let i = existing; i < existing + missing; i++) {
      const name = `seed-${String(i + 1).padStart(5, '0')}`
      const n = store.nextCounter(`${cloud}.address`, 1)
      const base = {cloud, region, name, transitions: [], createdAt: now, updatedAt: now, authorizedKeys: [], publicIp: '127.0.0.1', seeded: true}
      let record: NodeRecord
      if (cloud === 'ec2') {
        const image = ec2Images(region)[i % 3]
        const zone = `${region}${'abc'[i % 3]}`
        record = {
          ...base,
          id: `i-${randomHex(9).slice(0, 17)}`,
          zone,
          image: image.id,
          size: 't3.micro',
          status: 'running',
          tags: {Name: name, [SEEDED_TAG]: 'true'},
          privateIp: privateAddress('172.31', n),
          ec2: {
            reservationId: `r-${randomHex(9).slice(0, 17)}`,
            launchIndex: 0,
            securityGroups: [{id: ec2DefaultGroupId(region), name: 'default'}],
            vpcId: ec2VpcId(region),
            subnetId: ec2SubnetId(region, zone),
            transitionReason: '',
          },
        }
      } else if (cloud === 'linode') {
        const id = store.nextCounter('linode.id', 51_000_000)
        record = {
          ...base,
          id: String(id),
          image: LINODE_IMAGES[i % 2].id,
          size: LINODE_TYPES[0].id,
          status: 'running',
          tags: {},
          linodeTags: [SEEDED_TAG],
          privateIp: '',
          ipv6: `2600:3c03::f03c:95ff:fe${stableHex(String(id), 2)}:${stableHex(`${id}/v6`, 4)}/128`,
          linode: {group: '', watchdog: true, hasUserData: false},
        }
      } else {
        const catalog = cloud === 'rackspace' ? RACKSPACE : OPENSTACK
        const tenantId = cloud === 'rackspace' ? credentials.rackspace.tenantId : credentials.openstack.projectId
        const userId = cloud === 'rackspace' ? stableHex(`rackspace/user/${credentials.rackspace.username}`, 6) : credentials.openstack.userId
        record = {
          ...base,
          id: randomUUID(),
          zone: 'nova',
          image: catalog.images[i % 2].id,
          size: catalog.flavors[1].id,
          status: 'ACTIVE',
          tags: {[SEEDED_TAG]: 'true'},
          privateIp: privateAddress('10.0', n),
          ipv6: `2001:4800:7818:104:be76:4eff:fe00:${(n % 65_536).toString(16)}`,
          nova: {tenantId, userId, hostId: stableHex(`${tenantId}/host-${n % 7}`, 56), securityGroups: ['default'], launchedAt: now},
        }
      }
      store.insert(cloud, 'node', record.id, region, record)
    }
  })
  return missing
}
