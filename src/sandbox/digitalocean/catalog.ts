import {PROBE_READY_KEY, PROBE_READY_VALUE} from '../catalog.js'

/** DigitalOcean's catalogue as the sandbox serves it: its regions, Basic/CPU/General sizes at list price, images. */

export interface DoRegionSeed {
  slug: string
  name: string
}

export const DO_REGIONS: DoRegionSeed[] = [
  {slug: 'nyc1', name: 'New York 1'},
  {slug: 'nyc3', name: 'New York 3'},
  {slug: 'sfo3', name: 'San Francisco 3'},
  {slug: 'tor1', name: 'Toronto 1'},
  {slug: 'ams3', name: 'Amsterdam 3'},
  {slug: 'lon1', name: 'London 1'},
  {slug: 'fra1', name: 'Frankfurt 1'},
  {slug: 'blr1', name: 'Bangalore 1'},
  {slug: 'sgp1', name: 'Singapore 1'},
  {slug: 'syd1', name: 'Sydney 1'},
]

export interface DoSizeSeed {
  slug: string
  description: string
  vcpus: number
  memory: number
  disk: number
  transfer: number
  priceMonthly: number
  priceHourly: number
}

// DigitalOcean's published list prices (USD).
export const DO_SIZES: DoSizeSeed[] = [
  {slug: 's-1vcpu-512mb-10gb', description: 'Basic', vcpus: 1, memory: 512, disk: 10, transfer: 0.5, priceMonthly: 4, priceHourly: 0.005_95},
  {slug: 's-1vcpu-1gb', description: 'Basic', vcpus: 1, memory: 1024, disk: 25, transfer: 1, priceMonthly: 6, priceHourly: 0.008_93},
  {slug: 's-1vcpu-2gb', description: 'Basic', vcpus: 1, memory: 2048, disk: 50, transfer: 2, priceMonthly: 12, priceHourly: 0.017_86},
  {slug: 's-2vcpu-2gb', description: 'Basic', vcpus: 2, memory: 2048, disk: 60, transfer: 3, priceMonthly: 18, priceHourly: 0.026_79},
  {slug: 's-2vcpu-4gb', description: 'Basic', vcpus: 2, memory: 4096, disk: 80, transfer: 4, priceMonthly: 24, priceHourly: 0.035_71},
  {slug: 's-4vcpu-8gb', description: 'Basic', vcpus: 4, memory: 8192, disk: 160, transfer: 5, priceMonthly: 48, priceHourly: 0.071_43},
  {slug: 'c-2', description: 'CPU-Optimized', vcpus: 2, memory: 4096, disk: 25, transfer: 4, priceMonthly: 42, priceHourly: 0.0625},
  {slug: 'g-2vcpu-8gb', description: 'General Purpose', vcpus: 2, memory: 8192, disk: 25, transfer: 4, priceMonthly: 63, priceHourly: 0.093_75},
]

export interface DoImageSeed {
  id: number
  name: string
  distribution: string
  slug: string | null
  type: 'base' | 'snapshot'
  public: boolean
  created: string
  minDisk: number
  sizeGb: number
  description: string
}

export const DO_IMAGES: DoImageSeed[] = [
  {
    id: 153_402_231,
    name: '12 x64',
    distribution: 'Debian',
    slug: 'debian-12-x64',
    type: 'base',
    public: true,
    created: '2024-06-28T17:04:30Z',
    minDisk: 10,
    sizeGb: 0.95,
    description: 'Debian 12 (Bookworm) x64',
  },
  {
    id: 153_402_567,
    name: '11 x64',
    distribution: 'Debian',
    slug: 'debian-11-x64',
    type: 'base',
    public: true,
    created: '2024-06-28T17:10:03Z',
    minDisk: 10,
    sizeGb: 0.89,
    description: 'Debian 11 (Bullseye) x64',
  },
  {
    id: 155_433_126,
    name: '24.04 (LTS) x64',
    distribution: 'Ubuntu',
    slug: 'ubuntu-24-04-x64',
    type: 'base',
    public: true,
    created: '2024-07-03T14:52:11Z',
    minDisk: 7,
    sizeGb: 2.36,
    description: 'Ubuntu 24.04 (LTS) x64',
  },
  {
    id: 155_433_789,
    name: '22.04 (LTS) x64',
    distribution: 'Ubuntu',
    slug: 'ubuntu-22-04-x64',
    type: 'base',
    public: true,
    created: '2024-07-03T15:01:40Z',
    minDisk: 7,
    sizeGb: 2.11,
    description: 'Ubuntu 22.04 (LTS) x64',
  },
  // The account's own image: a snapshot of a probe, as a user would keep one.
  {
    id: 160_000_101,
    name: 'mc-probe-base',
    distribution: 'Debian',
    slug: null,
    type: 'snapshot',
    public: false,
    created: '2024-08-01T09:00:00Z',
    minDisk: 25,
    sizeGb: 1.4,
    description: 'mc probe base image',
  },
]

/** Every sandbox image carries the probe tools (its nodes are this machine), told by the tag DigitalOcean images can carry. */
export const PROBE_READY_TAG = `${PROBE_READY_KEY}:${PROBE_READY_VALUE}`

export function doImage(idOrSlug: number | string): DoImageSeed | undefined {
  return DO_IMAGES.find((i) => i.slug === idOrSlug || String(i.id) === String(idOrSlug))
}
