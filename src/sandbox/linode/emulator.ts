import {randomBytes} from 'node:crypto'

import {LINODE_IMAGES, LINODE_TYPES, SSH_PORT_KEY, stableHex} from '../catalog.js'
import type {Emulator} from '../emulator.js'
import {SEEDED_TAG} from '../seed.js'
import type {SandboxCredentials} from '../types.js'

export const linodeEmulator: Emulator = {
  cloud: 'linode',
  mountedAt: '/v4',
  mount: (path) => (/^\/v4(beta)?(\/|$)/.test(path) ? path : undefined),
  api: async (world) => new (await import('./api.js')).LinodeApi(world),
  isCreateRequest: (request) => request.method === 'POST' && /^\/v4(beta)?\/linode\/instances\/?$/.test(request.path),
  newCredentials: () => ({token: randomBytes(32).toString('hex')}),
  endpoint: (origin) => origin,
  profile(endpoint, credentials) {
    const {token} = credentials as SandboxCredentials['linode']
    return {'linode.endpoint': endpoint, 'linode.token': token, 'linode.region': 'us-east'}
  },
  // A token is all there is to Linode's credentials, and a secret.
  describe: () => '',
  defaultRegion: 'us-east',
  runningStatus: 'running',
  seedNode({store, index, base}) {
    const id = store.nextCounter('linode.id', 51_000_000)
    return {
      ...base,
      id: String(id),
      image: LINODE_IMAGES[index % 2].id,
      size: LINODE_TYPES[0].id,
      status: 'running',
      tags: {},
      linodeTags: [SEEDED_TAG],
      privateIp: '',
      ipv6: `2600:3c03::f03c:95ff:fe${stableHex(String(id), 2)}:${stableHex(`${id}/v6`, 4)}/128`,
      linode: {group: '', watchdog: true, hasUserData: false},
    }
  },
  // Linode tags are strings: the port is the tag "mc-ssh-port=<port>".
  publishSshPort(node, port) {
    const tags = (node.linodeTags ?? []).filter((t) => !t.startsWith(`${SSH_PORT_KEY}=`))
    return {...node, linodeTags: [...tags, `${SSH_PORT_KEY}=${port}`].sort()}
  },
}
