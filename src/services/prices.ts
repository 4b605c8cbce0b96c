import type {ProviderName, Size} from '../core/model.js'

/**
 * Prices for clouds whose compute API publishes none: EC2 (on-demand Linux, per region) and
 * Rackspace (per region group), from a table bundled with mc (src/services/price-table.ts, generated
 * by scripts/prices.mjs from a recorded copy of Apache Libcloud's pricing.json; never fetched at run
 * time). Linode's API has its own prices; OpenStack clouds publish none.
 */
export type PriceTable = {
  /** Instance type -> region -> USD per hour. */
  ec2: Record<string, Record<string, number>>
  /** Flavor id -> USD per hour, for each group of regions that shares a price list. */
  rackspace: {regions: string[]; prices: Record<string, number>}[]
}

/** Where a provider's size prices come from: its API, mc's bundled table, or nowhere. */
export type PriceOrigin = 'api' | 'table' | 'none'

const ORIGIN: Partial<Record<ProviderName, PriceOrigin>> = {ec2: 'table', rackspace: 'table', linode: 'api', openstack: 'none'}

export function priceOrigin(provider: ProviderName): PriceOrigin {
  return ORIGIN[provider] ?? 'api'
}

/** The bundled table, loaded on first use (~200 KB: only listings and plans of sizes pay for it). */
export async function priceTable(): Promise<PriceTable> {
  return (await import('./price-table.js')).PRICE_TABLE
}

/** Fill in the table's price where the cloud's API gave none; a size the table lacks stays unpriced. */
export async function withTablePrices(provider: ProviderName, region: string | undefined, sizes: Size[]): Promise<Size[]> {
  if (priceOrigin(provider) !== 'table' || !region) return sizes
  const table = await priceTable()
  const lookup = provider === 'ec2' ? (id: string) => table.ec2[id]?.[region] : (id: string) => table.rackspace.find((g) => g.regions.includes(region.toUpperCase()))?.prices[id]
  return sizes.map((size) => {
    const price = size.priceHourly ?? lookup(size.id)
    return price === undefined ? size : {...size, priceHourly: price}
  })
}

/** A total of hourly prices that says how many sizes had none, instead of counting them as free. */
export type CostTotal = {hourly: number; unpriced: number}

export function costTotal(items: {priceHourly?: number}[]): CostTotal {
  const priced = items.filter((i) => i.priceHourly !== undefined)
  return {hourly: Math.round(priced.reduce((sum, i) => sum + (i.priceHourly ?? 0), 0) * 10_000) / 10_000, unpriced: items.length - priced.length}
}
