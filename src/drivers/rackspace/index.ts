import {wantsAllRegions} from '../all-regions.js'
import {AuthError} from '../../core/errors.js'
import {type FlavourConfig, openNovaAllRegions, openNovaDriver} from '../openstack/flavour.js'
import type {IdentityService} from '../openstack/identity.js'
import type {RegionInfo} from '../openstack/driver.js'
import {networkOptions} from '../network.js'
import type {Capability, ProviderModule, ProviderSettings} from '../types.js'
import {type RackspaceCredentials, resolveRackspaceCredentials, resolveRackspaceRegion} from './credentials.js'

export const RACKSPACE_IDENTITY = 'https://identity.api.rackspacecloud.com'

/** Cloud Servers in the catalogue: type `compute` has the first-generation service too, under another name. */
export const RACKSPACE_COMPUTE = {type: 'compute', name: 'cloudServersOpenStack', interface: 'public'} as const

/** Rackspace's fixed network ids: the Internet, and ServiceNet (its private network between its regions' servers). */
export const RACKSPACE_PUBLIC_NET = '00000000-0000-0000-0000-000000000000'
export const RACKSPACE_SERVICENET = '11111111-1111-1111-1111-111111111111'

const REGIONS: Record<string, RegionInfo> = {
  DFW: {name: 'Dallas-Fort Worth', country: 'US'},
  ORD: {name: 'Chicago', country: 'US'},
  IAD: {name: 'Northern Virginia', country: 'US'},
  LON: {name: 'London', country: 'GB'},
  SYD: {name: 'Sydney', country: 'AU'},
  HKG: {name: 'Hong Kong', country: 'HK'},
}

const CAPABILITIES: Capability[] = ['createNode', 'destroyNode', 'rebootNode', 'importKeyPair', 'userData', 'tags', 'allRegions']

/** The identity endpoint is given as its base URL; `/v2.0/tokens` is added unless already there. */
export function rackspaceTokensUrl(endpoint: string = RACKSPACE_IDENTITY): string {
  const url = endpoint.replace(/\/+$/, '')
  if (/\/v2\.0\/tokens$/.test(url)) return url
  if (/\/v2\.0$/.test(url)) return `${url}/tokens`
  return `${url}/v2.0/tokens`
}

export function rackspaceIdentity(credentials: RackspaceCredentials, endpoint?: string): IdentityService {
  const tokensUrl = rackspaceTokensUrl(endpoint)
  return {
    tokensUrl,
    label: 'Rackspace Identity',
    credentials: credentials.apiKey
      ? {kind: 'v2-apikey', username: credentials.username, apiKey: credentials.apiKey}
      : {kind: 'v2-password', username: credentials.username, password: credentials.password ?? ''},
  }
}

/** The Rackspace flavour of the Nova driver, from flags, the mc profile and RAX_* variables. */
export function rackspaceConfig(settings: ProviderSettings): FlavourConfig {
  const credentials = resolveRackspaceCredentials(settings)
  if (!credentials) {
    throw new AuthError('No Rackspace credentials found: set RAX_USERNAME and RAX_API_KEY, or rackspace.username and rackspace.apiKey in the mc profile.')
  }
  return {
    provider: 'rackspace',
    identity: rackspaceIdentity(credentials, settings.endpoint),
    service: RACKSPACE_COMPUTE,
    region: resolveRackspaceRegion(settings),
    capabilities: CAPABILITIES,
    defaultNetworks: [RACKSPACE_PUBLIC_NET, RACKSPACE_SERVICENET],
    userDataNeedsConfigDrive: true,
    describeRegion: (region) => REGIONS[region.toUpperCase()],
  }
}

export const createDriver: ProviderModule['createDriver'] = async (settings, context) => {
  const all = wantsAllRegions(settings.region)
  // With --region all, RAX_REGION (if set) or the account's default region is the home that names the others.
  const flavour = {...rackspaceConfig(all ? {...settings, region: undefined} : settings), network: networkOptions(settings, context)}
  return all ? openNovaAllRegions(flavour, context, 'Rackspace', 'DFW') : openNovaDriver(flavour, context)
}
