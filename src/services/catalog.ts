import type {Image, ImageFilter, KeyPair, Location, Node, NodeFilter, ProviderName, Size} from '../core/model.js'
import type {CloudDriver} from '../drivers/types.js'
import type {RegionsListed} from '../output/regions-footer.js'
import {type DriverRequest, withDriver} from './drivers.js'
import {fanOut} from './fanout.js'
import {matchesFilter} from './filters.js'
import {withTablePrices} from './prices.js'

export type {RegionsListed} from '../output/regions-footer.js'

export function regionsListed(driver: CloudDriver): RegionsListed {
  const {provider} = driver
  if (!driver.capabilities.has('allRegions')) return {provider, scope: 'global', regions: [], otherRegions: false}
  if (driver.region === 'all') return {provider, scope: 'all', regions: driver.regionsListed ?? [], otherRegions: false}
  return {provider, scope: 'region', regions: driver.region ? [driver.region] : [], otherRegions: true}
}

/** Listing use cases across providers: each returns what arrived, per-provider failures and the regions listed. */
async function across<T>(providers: ProviderName[], request: DriverRequest, list: (driver: CloudDriver) => Promise<T[]>) {
  const seen = new Map<ProviderName, RegionsListed>()
  const result = await fanOut(providers, (provider) =>
    withDriver(provider, request, async (driver) => {
      try {
        return await list(driver)
      } finally {
        seen.set(provider, regionsListed(driver))
      }
    }),
  )
  const regions = result.values.map((v) => seen.get(v.provider)).filter((r) => r !== undefined)
  return {items: result.values.flatMap((v) => v.value), result, regions}
}

export function listNodes(providers: ProviderName[], filter: NodeFilter, request: DriverRequest) {
  return across<Node>(providers, request, async (driver) => (await driver.listNodes(filter)).filter((n) => matchesFilter(n, filter)))
}

export function listImages(providers: ProviderName[], filter: ImageFilter, request: DriverRequest) {
  return across<Image>(providers, request, (driver) => driver.listImages(filter))
}

export function listSizes(providers: ProviderName[], request: DriverRequest) {
  return across<Size>(providers, request, async (driver) => withTablePrices(driver.provider, driver.region, await driver.listSizes()))
}

export function listLocations(providers: ProviderName[], request: DriverRequest) {
  return across<Location>(providers, request, (driver) => driver.listLocations())
}

export function listKeyPairs(providers: ProviderName[], request: DriverRequest) {
  return across<KeyPair>(providers, request, (driver) => driver.listKeyPairs())
}
