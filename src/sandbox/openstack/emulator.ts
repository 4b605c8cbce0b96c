import {randomBytes, randomUUID} from 'node:crypto'

import {type NovaCloud, OPENSTACK, RACKSPACE, stableHex} from '../catalog.js'
import type {Emulator, SeedContext} from '../emulator.js'
import {SEEDED_TAG} from '../seed.js'
import type {NodeRecord, SandboxCredentials} from '../types.js'
import {privateAddress} from '../world.js'

function seedServer({index, n, base}: SeedContext, catalog: NovaCloud, tenantId: string, userId: string): NodeRecord {
  return {
    ...base,
    id: randomUUID(),
    zone: 'nova',
    image: catalog.images[index % 2].id,
    size: catalog.flavors[1].id,
    status: 'ACTIVE',
    tags: {[SEEDED_TAG]: 'true'},
    privateIp: privateAddress('10.0', n),
    ipv6: `2001:4800:7818:104:be76:4eff:fe00:${(n % 65_536).toString(16)}`,
    nova: {tenantId, userId, hostId: stableHex(`${tenantId}/host-${n % 7}`, 56), securityGroups: ['default'], launchedAt: base.createdAt},
  }
}

const secret = () => randomBytes(24).toString('base64url')

export const rackspaceEmulator: Emulator = {
  cloud: 'rackspace',
  mountedAt: '/rackspace',
  mount: (path) => (path === '/rackspace' || path.startsWith('/rackspace/') ? path.slice('/rackspace'.length) || '/' : undefined),
  api: async (world) => new (await import('./api.js')).RackspaceApi(world),
  isCreateRequest: (request) => request.method === 'POST' && /\/servers\/?$/.test(request.path),
  newCredentials: () => ({
    username: 'mc-sandbox',
    apiKey: randomBytes(16).toString('hex'),
    password: secret(),
    region: 'DFW',
    tenantId: String(900_000 + (randomBytes(2).readUInt16BE() % 99_999)),
  }),
  endpoint: (origin) => `${origin}/rackspace`,
  profile(endpoint, credentials) {
    const c = credentials as SandboxCredentials['rackspace']
    return {'rackspace.endpoint': endpoint, 'rackspace.username': c.username, 'rackspace.apiKey': c.apiKey, 'rackspace.region': c.region}
  },
  describe(credentials) {
    const c = credentials as SandboxCredentials['rackspace']
    return `user ${c.username}, region ${c.region}`
  },
  defaultRegion: 'DFW',
  runningStatus: 'ACTIVE',
  seedNode(context) {
    const c = context.credentials.rackspace
    return seedServer(context, RACKSPACE, c.tenantId, stableHex(`rackspace/user/${c.username}`, 6))
  },
}

export const openstackEmulator: Emulator = {
  cloud: 'openstack',
  mountedAt: '/identity, /compute, /image, /network and /volume',
  mount: (path) => (/^\/(identity|compute|image|network|volume)(\/|$)/.test(path) ? path : undefined),
  api: async (world) => new (await import('./api.js')).OpenStackApi(world),
  isCreateRequest: (request) => request.method === 'POST' && /\/servers\/?$/.test(request.path),
  newCredentials: () => ({
    username: 'demo',
    password: secret(),
    projectName: 'demo',
    projectId: randomBytes(16).toString('hex'),
    userId: randomBytes(16).toString('hex'),
    userDomainName: 'Default',
    projectDomainName: 'Default',
    region: 'RegionOne',
    applicationCredentialId: randomBytes(16).toString('hex'),
    applicationCredentialSecret: secret(),
  }),
  endpoint: (origin) => `${origin}/identity/v3`,
  profile(endpoint, credentials) {
    const c = credentials as SandboxCredentials['openstack']
    return {
      'openstack.endpoint': endpoint,
      'openstack.username': c.username,
      'openstack.password': c.password,
      'openstack.projectName': c.projectName,
      'openstack.userDomainName': c.userDomainName,
      'openstack.projectDomainName': c.projectDomainName,
      'openstack.region': c.region,
    }
  },
  describe(credentials) {
    const c = credentials as SandboxCredentials['openstack']
    return `user ${c.username}, project ${c.projectName}, region ${c.region}`
  },
  defaultRegion: 'RegionOne',
  runningStatus: 'ACTIVE',
  seedNode(context) {
    const c = context.credentials.openstack
    return seedServer(context, OPENSTACK, c.projectId, c.userId)
  },
}
