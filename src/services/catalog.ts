import type {Image, ImageFilter, KeyPair, Location, Node, NodeFilter, ProviderName, Size} from '../core/model.js'
import type {CloudDriver} from '../drivers/types.js'
import {type DriverRequest, withDriver} from './drivers.js'
import {fanOut} from './fanout.js'
import {matchesFilter} from './filters.js'

/** Listing use cases across providers: each returns what arrived plus per-provider failures. */
async function across<T>(providers: ProviderName[], request: DriverRequest, list: (driver: CloudDriver) => Promise<T[]>) {
  const result = await fanOut(providers, (provider) => withDriver(provider, request, list))
  return {items: result.values.flatMap((v) => v.value), result}
}

export function listNodes(providers: ProviderName[], filter: NodeFilter, request: DriverRequest) {
  return across<Node>(providers, request, async (driver) => (await driver.listNodes(filter)).filter((n) => matchesFilter(n, filter)))
}

export function listImages(providers: ProviderName[], filter: ImageFilter, request: DriverRequest) {
  return across<Image>(providers, request, (driver) => driver.listImages(filter))
}

export function listSizes(providers: ProviderName[], request: DriverRequest) {
  return across<Size>(providers, request, (driver) => driver.listSizes())
}

export function listLocations(providers: ProviderName[], request: DriverRequest) {
  return across<Location>(providers, request, (driver) => driver.listLocations())
}

export function listKeyPairs(providers: ProviderName[], request: DriverRequest) {
  return across<KeyPair>(providers, request, (driver) => driver.listKeyPairs())
}
