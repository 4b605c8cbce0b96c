import {randomBytes} from 'node:crypto'

import {stableHex} from '../catalog.js'
import type {Emulator} from '../emulator.js'
import {SEEDED_TAG} from '../seed.js'
import type {SandboxCredentials} from '../types.js'
import {privateAddress} from '../world.js'
import {DO_IMAGES, DO_SIZES} from './catalog.js'

declare module '../types.js' {
  interface SandboxCredentials {
    digitalocean: {token: string}
  }
  interface NodeRecord {
    digitalocean?: {userData?: string; vpcUuid: string}
  }
}

export const DEFAULT_DO_REGION = 'nyc3'

export function dropletIpv6(id: string): string {
  return `2604:a880:800:10::${stableHex(`${id}/v6`, 4)}:${stableHex(`${id}/v6b`, 4)}`
}

export function vpcUuid(region: string): string {
  const h = stableHex(`digitalocean/vpc/${region}`, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`
}

export const digitaloceanEmulator: Emulator = {
  cloud: 'digitalocean',
  mountedAt: '/v2',
  mount: (path) => (/^\/v2(\/|$)/.test(path) ? path : undefined),
  api: async (world) => new (await import('./api.js')).DigitalOceanApi(world),
  isCreateRequest: (request) => request.method === 'POST' && /^\/v2\/droplets\/?$/.test(request.path),
  // DigitalOcean's personal access tokens start "dop_v1_".
  newCredentials: () => ({token: `dop_v1_${randomBytes(32).toString('hex')}`}),
  endpoint: (origin) => origin,
  profile(endpoint, credentials) {
    const {token} = credentials as SandboxCredentials['digitalocean']
    return {'digitalocean.endpoint': endpoint, 'digitalocean.token': token, 'digitalocean.region': DEFAULT_DO_REGION}
  },
  // A token is all there is to DigitalOcean's credentials, and a secret.
  describe: () => '',
  defaultRegion: DEFAULT_DO_REGION,
  runningStatus: 'active',
  seedNode({store, index, n, base}) {
    const id = String(store.nextCounter('digitalocean.id', 410_000_000))
    return {
      ...base,
      id,
      image: DO_IMAGES[index % 2].slug!,
      size: DO_SIZES[1].slug,
      status: 'active',
      tags: {[SEEDED_TAG]: 'true'},
      privateIp: privateAddress('10.108', n),
      ipv6: dropletIpv6(id),
      digitalocean: {vpcUuid: vpcUuid(base.region)},
    }
  },
}
