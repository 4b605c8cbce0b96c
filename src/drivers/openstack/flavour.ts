import type {NetworkOptions} from '../../core/http.js'
import type {RetryOptions} from '../../core/retry.js'
import {AllRegionsDriver} from '../all-regions.js'
import type {CloudTls} from '../network.js'
import type {Capability, DriverContext} from '../types.js'
import {catalogRegions, type EndpointInterface, selectEndpoint} from './catalog.js'
import type {IdentityService, IdentityToken} from './identity.js'
import type {OpenStackFlavour} from './mapping.js'
import {NovaDriver, type RegionInfo} from './driver.js'
import {OpenStackSession} from './client.js'
import {TokenCache} from './token-cache.js'

/** What makes a flavour: its identity service, how it finds Nova in the catalogue, and its quirks. */
export interface FlavourConfig {
  provider: OpenStackFlavour
  identity: IdentityService
  service: {type: string; name?: string; interface?: EndpointInterface}
  /** The region asked for (flag, profile or environment); without one, the account's default or the only one. */
  region?: string
  capabilities: Capability[]
  defaultNetworks?: string[]
  userDataNeedsConfigDrive?: boolean
  describeRegion?(region: string): RegionInfo | undefined
  /** The cloud's own TLS settings (OS_CACERT, clouds.yaml cacert / verify). */
  tls?: CloudTls
  /** Proxy, CAs and deadlines for Keystone and Nova (drivers/network.ts). */
  network?: NetworkOptions
}

/** Seams for tests: how long retries wait, how big a page is. */
export interface DriverOverrides {
  retry?: RetryOptions
  pageSize?: number
}

/**
 * Authenticate (or reuse a cached token), find the compute endpoint for the region, and hand back a
 * driver bound to it. Authenticating here means a wrong key or region fails before any command work.
 */
export async function openNovaDriver(config: FlavourConfig & {allRegions?: boolean}, context: DriverContext, overrides: DriverOverrides = {}): Promise<NovaDriver> {
  const source = `${config.identity.label} (${config.identity.tokensUrl})`
  const session = new OpenStackSession({
    identity: config.identity,
    endpointFor: (token) => selectEndpoint(token.catalog, {...config.service, region: homeRegion(config, token), source}),
    cache: new TokenCache(context.cacheDir, context.log),
    log: context.log,
    signal: context.signal,
    network: config.network,
    retry: overrides.retry,
  })
  const {token, endpoint} = await session.connect()
  return new NovaDriver({
    provider: config.provider,
    session,
    region: endpoint.region ?? config.region ?? '',
    regions: catalogRegions(token.catalog, config.service),
    capabilities: config.capabilities,
    defaultNetworks: config.defaultNetworks,
    userDataNeedsConfigDrive: config.userDataNeedsConfigDrive,
    describeRegion: config.describeRegion,
    pageSize: overrides.pageSize,
    log: context.log,
    signal: context.signal,
    retry: overrides.retry,
    openRegion: (region) => openNovaDriver({...config, region}, context, overrides),
  })
}

/**
 * The region this driver speaks to: the one asked for, else the account's default. For `--region all`
 * (region left unset by the flavour) with no default, the catalogue's first region serves as home:
 * it only names the regions, each of which gets its own driver.
 */
function homeRegion(config: FlavourConfig & {allRegions?: boolean}, token: IdentityToken): string | undefined {
  return config.region ?? token.defaultRegion ?? (config.allRegions ? catalogRegions(token.catalog, config.service)[0] : undefined)
}

/** `--region all`: a Nova driver in a home region, wrapped so listings cover every region of the catalogue. */
export async function openNovaAllRegions(config: FlavourConfig, context: DriverContext, label: string, exampleRegion: string): Promise<AllRegionsDriver> {
  context.log.line(`${config.provider}: region all (home ${config.region ?? 'the account default'})`)
  const home = await openNovaDriver({...config, allRegions: true}, context)
  return new AllRegionsDriver(home, {label, exampleRegion})
}
