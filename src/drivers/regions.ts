import {describeFailure, type ProviderFailure, toMcError} from '../core/errors.js'
import type {CloudDriver} from './types.js'

/** How many regions are listed at once: EC2 throttles per account (~30 regions); Rackspace has six, a private OpenStack a few. */
export const DEFAULT_REGION_CONCURRENCY = 6

/** Run `task` for every item with at most `limit` running at once; results keep the items' order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = Array.from({length: items.length})
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      try {
        results[index] = {status: 'fulfilled', value: await task(items[index])}
      } catch (error) {
        results[index] = {status: 'rejected', reason: error}
      }
    }
  }
  await Promise.all(Array.from({length: Math.min(Math.max(1, limit), items.length)}, () => worker()))
  return results
}

export interface AcrossRegionsResult<T> {
  items: T[]
  /** The regions that answered, in the order they were asked. */
  regions: string[]
  /** One entry per region that failed, `provider` naming the region (e.g. "ec2 eu-west-3"). */
  failures: ProviderFailure[]
}

/**
 * List something in every region `driver` can use (capability 'allRegions'), a bounded number of
 * regions at once. `open` gives a driver for one region; `list` runs on it. A region that fails is
 * reported in `failures` and never hides the others; if every region fails, the first error is thrown.
 *
 *   const all = await listAcrossRegions(driver, (region) => openDriver('ec2', {...request, region}), (d) => d.listNodes(filter))
 */
export async function listAcrossRegions<T>(
  driver: CloudDriver,
  open: (region: string) => Promise<CloudDriver>,
  list: (regional: CloudDriver) => Promise<T[]>,
  concurrency = DEFAULT_REGION_CONCURRENCY,
): Promise<AcrossRegionsResult<T>> {
  if (!driver.listRegions) throw new TypeError(`${driver.provider} cannot list regions`)
  const regions = await driver.listRegions()
  const settled = await mapBounded(regions, concurrency, async (region) => {
    const regional = await open(region)
    try {
      return await list(regional)
    } finally {
      await regional.close?.()
    }
  })
  const result: AcrossRegionsResult<T> = {items: [], regions: [], failures: []}
  for (const [i, outcome] of settled.entries()) {
    if (outcome.status === 'fulfilled') {
      result.items.push(...outcome.value)
      result.regions.push(regions[i])
    } else result.failures.push(describeFailure(`${driver.provider} ${regions[i]}`, outcome.reason))
  }
  if (regions.length > 0 && result.failures.length === regions.length) {
    throw toMcError((settled[0] as PromiseRejectedResult).reason)
  }
  return result
}
