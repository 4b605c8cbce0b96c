import {randomBytes} from 'node:crypto'

import {ec2DefaultGroupId, ec2Images, ec2SubnetId, ec2VpcId} from '../catalog.js'
import type {Emulator} from '../emulator.js'
import {SEEDED_TAG} from '../seed.js'
import type {SandboxCredentials} from '../types.js'
import {privateAddress, randomHex} from '../world.js'

function base32(bytes: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  return [...randomBytes(bytes)].map((b) => alphabet[b % 32]).join('')
}

export const ec2Emulator: Emulator = {
  cloud: 'ec2',
  mountedAt: '/',
  mount: (path) => (path === '/' ? path : undefined),
  api: async (world) => new (await import('./api.js')).Ec2Api(world),
  isCreateRequest: (request) => (new URLSearchParams(request.body).get('Action') ?? new URLSearchParams(request.rawQuery).get('Action')) === 'RunInstances',
  newCredentials: () => ({accessKeyId: `AKIA${base32(16)}`, secretAccessKey: randomBytes(30).toString('base64').replaceAll(/[+/]/g, 'x'), region: 'us-east-1'}),
  endpoint: (origin) => origin,
  profile(endpoint, credentials) {
    const c = credentials as SandboxCredentials['ec2']
    return {'ec2.endpoint': endpoint, 'ec2.accessKeyId': c.accessKeyId, 'ec2.secretAccessKey': c.secretAccessKey, 'ec2.region': c.region}
  },
  describe(credentials) {
    const c = credentials as SandboxCredentials['ec2']
    return `access key ${c.accessKeyId}, region ${c.region}`
  },
  defaultRegion: 'us-east-1',
  runningStatus: 'running',
  seedNode({index, n, base}) {
    const {region} = base
    const image = ec2Images(region)[index % 3]
    const zone = `${region}${'abc'[index % 3]}`
    return {
      ...base,
      id: `i-${randomHex(9).slice(0, 17)}`,
      zone,
      image: image.id,
      size: 't3.micro',
      status: 'running',
      tags: {Name: base.name, [SEEDED_TAG]: 'true'},
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
  },
}
