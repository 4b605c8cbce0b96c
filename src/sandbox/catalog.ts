import {createHash} from 'node:crypto'

import {PROBE_READY_KEY, PROBE_READY_VALUE} from '../core/probe-conventions.js'

/**
 * Seeded catalogues, modelled on what each real cloud offers: regions and zones, sizes (EC2
 * instance types, Nova flavors, Linode types with their published prices) and Linux images.
 * Ids are derived from names so they stay the same across restarts and machines.
 */

// Every sandbox image marks itself as carrying the probe tools, since its nodes are this machine;
// every node says where its SSH server listens.
export {PROBE_READY_KEY, PROBE_READY_VALUE, SSH_PORT_KEY} from '../core/probe-conventions.js'

export function stableHex(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length)
}

export function stableUuid(seed: string): string {
  const h = stableHex(seed, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`
}

// ---------------------------------------------------------------- EC2

export interface Ec2Region {
  name: string
  zoneIdPrefix: string
  zones: string[]
}

export const EC2_REGIONS: Ec2Region[] = [
  {name: 'us-east-1', zoneIdPrefix: 'use1', zones: ['a', 'b', 'c', 'd', 'e', 'f']},
  {name: 'us-east-2', zoneIdPrefix: 'use2', zones: ['a', 'b', 'c']},
  {name: 'us-west-1', zoneIdPrefix: 'usw1', zones: ['a', 'c']},
  {name: 'us-west-2', zoneIdPrefix: 'usw2', zones: ['a', 'b', 'c', 'd']},
  {name: 'eu-west-1', zoneIdPrefix: 'euw1', zones: ['a', 'b', 'c']},
  {name: 'eu-central-1', zoneIdPrefix: 'euc1', zones: ['a', 'b', 'c']},
  {name: 'ap-southeast-1', zoneIdPrefix: 'apse1', zones: ['a', 'b', 'c']},
  {name: 'ap-northeast-1', zoneIdPrefix: 'apne1', zones: ['a', 'c', 'd']},
  {name: 'sa-east-1', zoneIdPrefix: 'sae1', zones: ['a', 'b', 'c']},
]

export interface Ec2InstanceType {
  name: string
  vcpus: number
  cores: number
  memoryMiB: number
  architecture: 'x86_64' | 'arm64'
  clockGhz: number
  network: string
  freeTier: boolean
  burstable: boolean
  /** Nitro hypervisor (everything but the Xen-era t2 and m1). */
  nitro: boolean
  previousGeneration?: boolean
}

// m1.small is RunInstances' default type when a request names none.
export const EC2_INSTANCE_TYPES: Ec2InstanceType[] = [
  {
    name: 'm1.small',
    vcpus: 1,
    cores: 1,
    memoryMiB: 1740,
    architecture: 'x86_64',
    clockGhz: 2,
    network: 'Low',
    freeTier: false,
    burstable: false,
    nitro: false,
    previousGeneration: true,
  },
  {name: 't2.micro', vcpus: 1, cores: 1, memoryMiB: 1024, architecture: 'x86_64', clockGhz: 2.5, network: 'Low to Moderate', freeTier: true, burstable: true, nitro: false},
  {name: 't3.nano', vcpus: 2, cores: 1, memoryMiB: 512, architecture: 'x86_64', clockGhz: 2.5, network: 'Up to 5 Gigabit', freeTier: false, burstable: true, nitro: true},
  {name: 't3.micro', vcpus: 2, cores: 1, memoryMiB: 1024, architecture: 'x86_64', clockGhz: 2.5, network: 'Up to 5 Gigabit', freeTier: true, burstable: true, nitro: true},
  {name: 't3.small', vcpus: 2, cores: 1, memoryMiB: 2048, architecture: 'x86_64', clockGhz: 2.5, network: 'Up to 5 Gigabit', freeTier: false, burstable: true, nitro: true},
  {name: 't3.medium', vcpus: 2, cores: 1, memoryMiB: 4096, architecture: 'x86_64', clockGhz: 2.5, network: 'Up to 5 Gigabit', freeTier: false, burstable: true, nitro: true},
  {name: 't4g.micro', vcpus: 2, cores: 2, memoryMiB: 1024, architecture: 'arm64', clockGhz: 2.5, network: 'Up to 5 Gigabit', freeTier: false, burstable: true, nitro: true},
  {name: 't4g.small', vcpus: 2, cores: 2, memoryMiB: 2048, architecture: 'arm64', clockGhz: 2.5, network: 'Up to 5 Gigabit', freeTier: false, burstable: true, nitro: true},
  {name: 'c5.large', vcpus: 2, cores: 1, memoryMiB: 4096, architecture: 'x86_64', clockGhz: 3.4, network: 'Up to 10 Gigabit', freeTier: false, burstable: false, nitro: true},
  {name: 'c6g.medium', vcpus: 1, cores: 1, memoryMiB: 2048, architecture: 'arm64', clockGhz: 2.5, network: 'Up to 10 Gigabit', freeTier: false, burstable: false, nitro: true},
  {name: 'm5.large', vcpus: 2, cores: 1, memoryMiB: 8192, architecture: 'x86_64', clockGhz: 3.1, network: 'Up to 10 Gigabit', freeTier: false, burstable: false, nitro: true},
  {name: 'm6i.large', vcpus: 2, cores: 1, memoryMiB: 8192, architecture: 'x86_64', clockGhz: 3.5, network: 'Up to 12.5 Gigabit', freeTier: false, burstable: false, nitro: true},
  {name: 'r5.large', vcpus: 2, cores: 1, memoryMiB: 16_384, architecture: 'x86_64', clockGhz: 3.1, network: 'Up to 10 Gigabit', freeTier: false, burstable: false, nitro: true},
]

export interface Ec2Image {
  id: string
  name: string
  description: string
  ownerId: string
  architecture: 'x86_64' | 'arm64'
  creationDate: string
  platformDetails: string
}

interface Ec2ImageSeed {
  name: string
  description: string
  ownerId: string
  architecture: 'x86_64' | 'arm64'
  creationDate: string
}

/** Amazon's own images show the owner alias "amazon"; Debian's and Canonical's show none. */
export const AMAZON_OWNER_ID = '137112412989'

// Owner ids are the real publishers': Debian, Canonical and Amazon.
const EC2_IMAGE_SEEDS: Ec2ImageSeed[] = [
  {name: 'debian-12-amd64-20240717-1811', description: 'Debian 12 (20240717-1811)', ownerId: '136693071363', architecture: 'x86_64', creationDate: '2024-07-17T18:15:31.000Z'},
  {name: 'debian-12-arm64-20240717-1811', description: 'Debian 12 (20240717-1811)', ownerId: '136693071363', architecture: 'arm64', creationDate: '2024-07-17T18:16:02.000Z'},
  {name: 'debian-11-amd64-20240717-1811', description: 'Debian 11 (20240717-1811)', ownerId: '136693071363', architecture: 'x86_64', creationDate: '2024-07-17T18:20:44.000Z'},
  {
    name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20240701.1',
    description: 'Canonical, Ubuntu, 24.04 LTS, amd64 noble image build on 2024-07-01',
    ownerId: '099720109477',
    architecture: 'x86_64',
    creationDate: '2024-07-01T14:02:11.000Z',
  },
  {
    name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20240701.1',
    description: 'Canonical, Ubuntu, 24.04 LTS, arm64 noble image build on 2024-07-01',
    ownerId: '099720109477',
    architecture: 'arm64',
    creationDate: '2024-07-01T14:03:40.000Z',
  },
  {
    name: 'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20240701',
    description: 'Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2024-07-01',
    ownerId: '099720109477',
    architecture: 'x86_64',
    creationDate: '2024-07-01T09:21:07.000Z',
  },
  {
    name: 'al2023-ami-2023.5.20240708.0-kernel-6.1-x86_64',
    description: 'Amazon Linux 2023 AMI 2023.5.20240708.0 x86_64 HVM kernel-6.1',
    ownerId: AMAZON_OWNER_ID,
    architecture: 'x86_64',
    creationDate: '2024-07-08T21:47:25.000Z',
  },
  {
    name: 'al2023-ami-2023.5.20240708.0-kernel-6.1-arm64',
    description: 'Amazon Linux 2023 AMI 2023.5.20240708.0 arm64 HVM kernel-6.1',
    ownerId: AMAZON_OWNER_ID,
    architecture: 'arm64',
    creationDate: '2024-07-08T21:47:31.000Z',
  },
]

/** AMIs are regional: the same image has a different id in every region, as on AWS. */
export function ec2Images(region: string): Ec2Image[] {
  return EC2_IMAGE_SEEDS.map((seed) => ({
    ...seed,
    id: `ami-${stableHex(`${region}/${seed.name}`, 17)}`,
    platformDetails: 'Linux/UNIX',
  }))
}

export function ec2Region(name: string): Ec2Region | undefined {
  return EC2_REGIONS.find((r) => r.name === name)
}

/** Every region has one default VPC with a default subnet per zone and a "default" security group. */
export function ec2VpcId(region: string): string {
  return `vpc-${stableHex(`${region}/vpc`, 17)}`
}

export function ec2SubnetId(region: string, zone: string): string {
  return `subnet-${stableHex(`${region}/${zone}/subnet`, 17)}`
}

export function ec2DefaultGroupId(region: string): string {
  return `sg-${stableHex(`${region}/default-sg`, 17)}`
}

// ---------------------------------------------------------------- Nova (OpenStack and Rackspace)

export interface NovaFlavor {
  id: string
  name: string
  vcpus: number
  ram: number
  disk: number
  ephemeral: number
  swap: number
  rxtxFactor: number
  extraSpecs?: Record<string, string>
}

export interface NovaImage {
  id: string
  name: string
  minDisk: number
  minRam: number
  sizeBytes: number
  created: string
  metadata: Record<string, string>
}

export interface NovaCloud {
  regions: string[]
  flavors: NovaFlavor[]
  images: NovaImage[]
  /** The catalogue entry clients look the compute endpoint up by. */
  serviceName: string
}

function novaImage(cloud: string, name: string, created: string, metadata: Record<string, string>, minDisk = 0, minRam = 0): NovaImage {
  return {
    id: stableUuid(`${cloud}/image/${name}`),
    name,
    minDisk,
    minRam,
    sizeBytes: 2_147_483_648,
    created,
    metadata: {...metadata, [PROBE_READY_KEY]: PROBE_READY_VALUE},
  }
}

/** A DevStack-style private cloud: m1.* flavors with numeric ids, cloud images in Glance. */
export const OPENSTACK: NovaCloud = {
  regions: ['RegionOne', 'RegionTwo'],
  serviceName: 'nova',
  flavors: [
    {id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, rxtxFactor: 1},
    {id: '2', name: 'm1.small', vcpus: 1, ram: 2048, disk: 20, ephemeral: 0, swap: 0, rxtxFactor: 1},
    {id: '3', name: 'm1.medium', vcpus: 2, ram: 4096, disk: 40, ephemeral: 0, swap: 0, rxtxFactor: 1},
    {id: '4', name: 'm1.large', vcpus: 4, ram: 8192, disk: 80, ephemeral: 0, swap: 0, rxtxFactor: 1},
    {id: '5', name: 'm1.xlarge', vcpus: 8, ram: 16_384, disk: 160, ephemeral: 0, swap: 0, rxtxFactor: 1},
    {id: 'c1', name: 'cirros256', vcpus: 1, ram: 256, disk: 1, ephemeral: 0, swap: 0, rxtxFactor: 1},
  ],
  images: [
    novaImage('openstack', 'debian-12-genericcloud-amd64', '2024-07-01T10:00:00Z', {os_distro: 'debian', os_version: '12', architecture: 'x86_64', hw_disk_bus: 'virtio'}, 2),
    novaImage(
      'openstack',
      'ubuntu-24.04-server-cloudimg-amd64',
      '2024-07-02T10:00:00Z',
      {os_distro: 'ubuntu', os_version: '24.04', architecture: 'x86_64', hw_disk_bus: 'virtio'},
      3,
    ),
    novaImage(
      'openstack',
      'ubuntu-22.04-server-cloudimg-amd64',
      '2024-07-02T11:00:00Z',
      {os_distro: 'ubuntu', os_version: '22.04', architecture: 'x86_64', hw_disk_bus: 'virtio'},
      3,
    ),
    novaImage('openstack', 'cirros-0.6.2-x86_64-disk', '2024-06-20T08:00:00Z', {os_distro: 'cirros', os_version: '0.6.2', architecture: 'x86_64'}),
  ],
}

/** Rackspace Cloud Servers: its regions, general/compute/memory flavors and PVHVM images. */
export const RACKSPACE: NovaCloud = {
  regions: ['DFW', 'ORD', 'IAD', 'LON', 'SYD', 'HKG'],
  serviceName: 'cloudServersOpenStack',
  flavors: [
    {
      id: 'general1-1',
      name: '1 GB General Purpose v1',
      vcpus: 1,
      ram: 1024,
      disk: 20,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 200,
      extraSpecs: {class: 'general1', policy_class: 'general_flavor', number_of_data_disks: '0', disk_io_index: '40'},
    },
    {
      id: 'general1-2',
      name: '2 GB General Purpose v1',
      vcpus: 2,
      ram: 2048,
      disk: 40,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 400,
      extraSpecs: {class: 'general1', policy_class: 'general_flavor', number_of_data_disks: '0', disk_io_index: '40'},
    },
    {
      id: 'general1-4',
      name: '4 GB General Purpose v1',
      vcpus: 4,
      ram: 4096,
      disk: 80,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 800,
      extraSpecs: {class: 'general1', policy_class: 'general_flavor', number_of_data_disks: '0', disk_io_index: '40'},
    },
    {
      id: 'general1-8',
      name: '8 GB General Purpose v1',
      vcpus: 8,
      ram: 8192,
      disk: 160,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 1600,
      extraSpecs: {class: 'general1', policy_class: 'general_flavor', number_of_data_disks: '0', disk_io_index: '40'},
    },
    // The Performance flavors Rackspace still lists beside the General Purpose ones; mc's bundled price table prices them.
    {
      id: 'performance1-1',
      name: '1 GB Performance',
      vcpus: 1,
      ram: 1024,
      disk: 20,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 200,
      extraSpecs: {class: 'performance1', policy_class: 'performance_flavor', number_of_data_disks: '0', disk_io_index: '40'},
    },
    {
      id: 'performance1-2',
      name: '2 GB Performance',
      vcpus: 2,
      ram: 2048,
      disk: 40,
      ephemeral: 20,
      swap: 0,
      rxtxFactor: 400,
      extraSpecs: {class: 'performance1', policy_class: 'performance_flavor', number_of_data_disks: '1', disk_io_index: '40'},
    },
    {
      id: 'compute1-4',
      name: '3.75 GB Compute v1',
      vcpus: 2,
      ram: 3840,
      disk: 0,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 312.5,
      extraSpecs: {class: 'compute1', policy_class: 'compute_flavor', number_of_data_disks: '0', disk_io_index: '-1'},
    },
    {
      id: 'memory1-15',
      name: '15 GB Memory v1',
      vcpus: 2,
      ram: 15_360,
      disk: 0,
      ephemeral: 0,
      swap: 0,
      rxtxFactor: 625,
      extraSpecs: {class: 'memory1', policy_class: 'memory_flavor', number_of_data_disks: '0', disk_io_index: '-1'},
    },
  ],
  images: [
    novaImage(
      'rackspace',
      'Debian 12 (Bookworm) (PVHVM)',
      '2024-07-10T16:00:00Z',
      {os_distro: 'debian', os_version: '12', org_openstack__1__os_distro: 'org.debian', vm_mode: 'hvm', flavor_classes: '*,!onmetal', image_type: 'base'},
      20,
      512,
    ),
    novaImage(
      'rackspace',
      'Debian 11 (Bullseye) (PVHVM)',
      '2024-07-10T16:10:00Z',
      {os_distro: 'debian', os_version: '11', org_openstack__1__os_distro: 'org.debian', vm_mode: 'hvm', flavor_classes: '*,!onmetal', image_type: 'base'},
      20,
      512,
    ),
    novaImage(
      'rackspace',
      'Ubuntu 24.04 LTS (Noble Numbat) (PVHVM)',
      '2024-07-11T16:00:00Z',
      {os_distro: 'ubuntu', os_version: '24.04', org_openstack__1__os_distro: 'com.ubuntu', vm_mode: 'hvm', flavor_classes: '*,!onmetal', image_type: 'base'},
      20,
      512,
    ),
    novaImage(
      'rackspace',
      'Ubuntu 22.04 LTS (Jammy Jellyfish) (PVHVM)',
      '2024-07-11T16:10:00Z',
      {os_distro: 'ubuntu', os_version: '22.04', org_openstack__1__os_distro: 'com.ubuntu', vm_mode: 'hvm', flavor_classes: '*,!onmetal', image_type: 'base'},
      20,
      512,
    ),
  ],
}

// ---------------------------------------------------------------- Linode

export interface LinodeRegion {
  id: string
  label: string
  country: string
}

export const LINODE_REGIONS: LinodeRegion[] = [
  {id: 'us-east', label: 'Newark, NJ', country: 'us'},
  {id: 'us-central', label: 'Dallas, TX', country: 'us'},
  {id: 'us-west', label: 'Fremont, CA', country: 'us'},
  {id: 'us-southeast', label: 'Atlanta, GA', country: 'us'},
  {id: 'us-ord', label: 'Chicago, IL', country: 'us'},
  {id: 'eu-west', label: 'London, UK', country: 'gb'},
  {id: 'eu-central', label: 'Frankfurt, DE', country: 'de'},
  {id: 'ap-south', label: 'Singapore, SG', country: 'sg'},
  {id: 'ap-northeast', label: 'Tokyo 2, JP', country: 'jp'},
  {id: 'ap-southeast', label: 'Sydney, AU', country: 'au'},
]

export interface LinodeType {
  id: string
  label: string
  class: 'nanode' | 'standard' | 'dedicated' | 'highmem'
  vcpus: number
  memory: number
  disk: number
  transfer: number
  networkOut: number
  hourly: number
  monthly: number
  backupsHourly: number
  backupsMonthly: number
}

// Prices are Linode's published list prices (USD).
export const LINODE_TYPES: LinodeType[] = [
  {
    id: 'g6-nanode-1',
    label: 'Nanode 1GB',
    class: 'nanode',
    vcpus: 1,
    memory: 1024,
    disk: 25_600,
    transfer: 1000,
    networkOut: 1000,
    hourly: 0.0075,
    monthly: 5,
    backupsHourly: 0.003,
    backupsMonthly: 2,
  },
  {
    id: 'g6-standard-1',
    label: 'Linode 2GB',
    class: 'standard',
    vcpus: 1,
    memory: 2048,
    disk: 51_200,
    transfer: 2000,
    networkOut: 2000,
    hourly: 0.018,
    monthly: 12,
    backupsHourly: 0.004,
    backupsMonthly: 2.5,
  },
  {
    id: 'g6-standard-2',
    label: 'Linode 4GB',
    class: 'standard',
    vcpus: 2,
    memory: 4096,
    disk: 81_920,
    transfer: 4000,
    networkOut: 4000,
    hourly: 0.036,
    monthly: 24,
    backupsHourly: 0.008,
    backupsMonthly: 5,
  },
  {
    id: 'g6-standard-4',
    label: 'Linode 8GB',
    class: 'standard',
    vcpus: 4,
    memory: 8192,
    disk: 163_840,
    transfer: 5000,
    networkOut: 5000,
    hourly: 0.072,
    monthly: 48,
    backupsHourly: 0.015,
    backupsMonthly: 10,
  },
  {
    id: 'g6-dedicated-2',
    label: 'Dedicated 4GB',
    class: 'dedicated',
    vcpus: 2,
    memory: 4096,
    disk: 81_920,
    transfer: 4000,
    networkOut: 4000,
    hourly: 0.054,
    monthly: 36,
    backupsHourly: 0.008,
    backupsMonthly: 5,
  },
  {
    id: 'g6-dedicated-4',
    label: 'Dedicated 8GB',
    class: 'dedicated',
    vcpus: 4,
    memory: 8192,
    disk: 163_840,
    transfer: 5000,
    networkOut: 5000,
    hourly: 0.108,
    monthly: 72,
    backupsHourly: 0.015,
    backupsMonthly: 10,
  },
  {
    id: 'g7-highmem-1',
    label: 'Linode 24GB',
    class: 'highmem',
    vcpus: 2,
    memory: 24_576,
    disk: 20_480,
    transfer: 5000,
    networkOut: 5000,
    hourly: 0.09,
    monthly: 60,
    backupsHourly: 0.008,
    backupsMonthly: 5,
  },
]

export interface LinodeImage {
  id: string
  label: string
  vendor: string
  size: number
  created: string
  eol: string | null
}

export const LINODE_IMAGES: LinodeImage[] = [
  {id: 'linode/debian12', label: 'Debian 12', vendor: 'Debian', size: 1300, created: '2023-06-12T13:54:24', eol: '2028-06-30T04:00:00'},
  {id: 'linode/debian11', label: 'Debian 11', vendor: 'Debian', size: 1200, created: '2021-08-14T22:44:02', eol: '2026-08-31T04:00:00'},
  {id: 'linode/ubuntu24.04', label: 'Ubuntu 24.04 LTS', vendor: 'Ubuntu', size: 2500, created: '2024-04-25T16:40:47', eol: '2029-05-31T04:00:00'},
  {id: 'linode/ubuntu22.04', label: 'Ubuntu 22.04 LTS', vendor: 'Ubuntu', size: 2500, created: '2022-04-21T14:04:11', eol: '2027-04-02T04:00:00'},
  {id: 'linode/almalinux9', label: 'AlmaLinux 9', vendor: 'AlmaLinux', size: 1700, created: '2022-05-27T15:32:10', eol: '2032-05-31T04:00:00'},
  {id: 'linode/alpine3.20', label: 'Alpine 3.20', vendor: 'Alpine', size: 300, created: '2024-05-23T18:05:02', eol: '2026-04-01T04:00:00'},
]
