import {EC2_INSTANCE_TYPES} from '../catalog.js'
import {Ec2Error, filters, indexed, maxResults, page} from './params.js'
import {type Action, applyFilters, type Call} from './shared.js'
import {el, list, node} from './xml.js'

/** DescribeInstanceTypes: the catalogue's instance types. */

/** A list of plain values: <name><item>v</item>...</name>. */
function strings(name: string, values: string[]): string {
  return node(name, values.map((v) => `<item>${v}</item>`).join(''))
}

function describeInstanceTypes(call: Call): string {
  const {params} = call
  const names = indexed(params, 'InstanceType')
  let types = EC2_INSTANCE_TYPES
  if (names.length > 0) {
    const missing = names.filter((n) => !types.some((t) => t.name === n))
    if (missing.length > 0) throw new Ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${missing.join(', ')}]`)
    types = types.filter((t) => names.includes(t.name))
  }
  types = applyFilters(
    types,
    filters(params),
    {
      'instance-type': (t) => [t.name],
      'processor-info.supported-architecture': (t) => [t.architecture],
      'current-generation': (t) => [String(!t.previousGeneration)],
      'free-tier-eligible': (t) => [String(t.freeTier)],
      'burstable-performance-supported': (t) => [String(t.burstable)],
      'vcpu-info.default-vcpus': (t) => [String(t.vcpus)],
      'memory-info.size-in-mib': (t) => [String(t.memoryMiB)],
    },
    () => ({}),
  )
  const {items, nextToken} = page(
    types.map((item, position) => ({item, position})),
    params,
    maxResults(params, 5, 100),
  )
  return (
    list(
      'instanceTypeSet',
      items,
      (t) =>
        el('instanceType', t.name) +
        el('currentGeneration', !t.previousGeneration) +
        el('freeTierEligible', t.freeTier) +
        strings('supportedUsageClasses', ['on-demand', 'spot']) +
        strings('supportedRootDeviceTypes', ['ebs']) +
        strings('supportedVirtualizationTypes', ['hvm']) +
        el('bareMetal', false) +
        el('hypervisor', t.nitro ? 'nitro' : 'xen') +
        node('processorInfo', strings('supportedArchitectures', [t.architecture]) + el('sustainedClockSpeedInGhz', t.clockGhz)) +
        node('vCpuInfo', el('defaultVCpus', t.vcpus) + el('defaultCores', t.cores) + el('defaultThreadsPerCore', t.vcpus / t.cores)) +
        node('memoryInfo', el('sizeInMiB', t.memoryMiB)) +
        el('instanceStorageSupported', false) +
        node(
          'ebsInfo',
          el('ebsOptimizedSupport', t.nitro ? 'default' : 'unsupported') + el('encryptionSupport', 'supported') + el('nvmeSupport', t.nitro ? 'required' : 'unsupported'),
        ) +
        node(
          'networkInfo',
          el('networkPerformance', t.network) +
            el('maximumNetworkInterfaces', t.vcpus > 1 ? 3 : 2) +
            el('maximumNetworkCards', 1) +
            el('defaultNetworkCardIndex', 0) +
            el('ipv4AddressesPerInterface', t.vcpus > 1 ? 6 : 2) +
            el('ipv6AddressesPerInterface', t.vcpus > 1 ? 6 : 2) +
            el('ipv6Supported', true) +
            el('enaSupport', t.nitro ? 'required' : 'unsupported') +
            el('efaSupported', false),
        ) +
        node('placementGroupInfo', strings('supportedStrategies', ['partition', 'spread'])) +
        el('hibernationSupported', t.architecture === 'x86_64') +
        el('burstablePerformanceSupported', t.burstable) +
        el('dedicatedHostsSupported', !t.burstable) +
        el('autoRecoverySupported', true) +
        strings('supportedBootModes', t.architecture === 'arm64' ? ['uefi'] : ['legacy-bios', 'uefi']),
    ) + el('nextToken', nextToken)
  )
}

export function instanceTypeActions(): Record<string, Action> {
  return {
    DescribeInstanceTypes: (c) => describeInstanceTypes(c),
  }
}
