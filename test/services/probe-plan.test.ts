import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import type {Image, Size} from '../../src/core/model.js'
import {chooseImage, chooseSize, parseSite, planProbe, readFleetFile} from '../../src/services/probe-plan.js'

const size = (id: string, vcpus: number, memoryMb: number, priceHourly?: number, architecture?: string): Size => ({
  id,
  name: id,
  provider: 'linode',
  vcpus,
  memoryMb,
  priceHourly,
  architecture,
  extra: {},
})
const image = (id: string, name: string, extra: Partial<Image> = {}): Image => ({id, name, provider: 'ec2', extra: {}, ...extra})

describe('probe planning', () => {
  it('parses provider:region sites and rejects the rest', () => {
    expect(parseSite('rackspace:ORD')).toEqual({provider: 'rackspace', region: 'ORD'})
    expect(parseSite('EC2:us-east-1')).toEqual({provider: 'ec2', region: 'us-east-1'})
    expect(() => parseSite('linode')).toThrow(ValidationError)
    expect(() => parseSite('gcp:us-central1')).toThrow(/Unknown provider/)
  })

  it('chooses the cheapest size with 1 vCPU and 512 MB on x86_64', () => {
    const sizes = [size('big', 4, 8192, 0.2), size('tiny', 1, 256, 0.001), size('arm', 1, 1024, 0.003, 'arm64'), size('nano', 1, 1024, 0.0075), size('noprice', 1, 512)]
    expect(chooseSize(sizes)?.id).toBe('nano')
    expect(chooseSize([size('tiny', 1, 256, 0.001)])).toBeUndefined()
  })

  it("respects the image's minimum disk and memory", () => {
    const sizes = [
      {...size('tiny', 1, 512, 0.01), diskGb: 1},
      {...size('small', 1, 2048, 0.02), diskGb: 20},
      {...size('volume', 1, 1024, 0.03), diskGb: 0},
    ]
    expect(chooseSize(sizes)?.id).toBe('tiny')
    expect(chooseSize(sizes, {minDiskGb: 5})?.id).toBe('small')
    expect(chooseSize(sizes, {minDiskGb: 40})?.id).toBe('volume')
    expect(chooseSize(sizes, {minMemoryMb: 1500})?.id).toBe('small')
  })

  it('prefers probe-ready images, then the newest Debian/Ubuntu LTS line, then the newest build', () => {
    const images = [
      image('ami-win', 'Windows_Server-2022'),
      image('ami-u22', 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240101', {createdAt: '2024-01-01'}),
      image('ami-d12-old', 'debian-12-amd64-20230601', {createdAt: '2023-06-01'}),
      image('ami-d12-new', 'debian-12-amd64-20240601', {createdAt: '2024-06-01'}),
      image('ami-d12-arm', 'debian-12-arm64-20240701', {architecture: 'arm64', createdAt: '2024-07-01'}),
    ]
    expect(chooseImage(images)?.id).toBe('ami-d12-new')
    expect(chooseImage([...images, image('sbx', 'Ubuntu 22.04 LTS (sandbox)', {probeReady: true})])?.id).toBe('sbx')
    expect(chooseImage([images[0]])).toBeUndefined()
  })

  it('plans a probe with a stable name and says clearly when nothing fits', () => {
    const plan = planProbe('edge', {provider: 'linode', region: 'us-west'}, [size('g6-nanode-1', 1, 1024, 0.0075)], [image('linode/debian12', 'Debian 12')])
    expect(plan).toEqual({
      name: 'edge-linode-us-west',
      fleet: 'edge',
      provider: 'linode',
      region: 'us-west',
      size: 'g6-nanode-1',
      image: 'linode/debian12',
      imageName: 'Debian 12',
      probeReady: false,
      priceHourly: 0.0075,
    })
    expect(() => planProbe('edge', {provider: 'linode', region: 'us-west', size: 'g6-huge'}, [], [image('linode/debian12', 'Debian 12')])).toThrow(/no size "g6-huge"/)
    expect(() => planProbe('edge', {provider: 'linode', region: 'us-west'}, [size('n', 1, 1024)], [])).toThrow(/no Debian or Ubuntu LTS image/)
  })

  it('reads fleet files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-fleet-'))
    try {
      const file = join(dir, 'fleet.yaml')
      writeFileSync(file, 'fleet: edge\nprobes:\n  - at: ec2:us-east-1\n    size: t3.nano\n  - linode:us-west\n')
      expect(readFleetFile(file)).toEqual({
        fleet: 'edge',
        sites: [
          {provider: 'ec2', region: 'us-east-1', size: 't3.nano', image: undefined},
          {provider: 'linode', region: 'us-west', size: undefined, image: undefined},
        ],
      })
      writeFileSync(file, 'fleet: edge\n')
      expect(() => readFleetFile(file)).toThrow(/needs a "probes" list/)
    } finally {
      rmSync(dir, {recursive: true, force: true})
    }
  })
})
