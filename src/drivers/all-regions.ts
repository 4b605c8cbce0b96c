import {NotFoundError, PartialFailureError, ValidationError} from '../core/errors.js'
import type {Image, KeyPair, Location, Node, NodeFilter, Size, WaitOptions} from '../core/model.js'
import {DEFAULT_REGION_CONCURRENCY, listAcrossRegions, mapBounded} from './regions.js'
import type {Capability, CloudDriver} from './types.js'

/** `--region all` (any case) asks for every region. */
export function wantsAllRegions(region: string | undefined): boolean {
  return region?.toLowerCase() === 'all'
}

/** A driver bound to one region that can name the account's regions and open a driver for another. */
export interface RegionalDriver extends CloudDriver {
  listRegions(): Promise<string[]>
  /** A driver for `region` with the same credentials and endpoint; the caller closes it. */
  forRegion(region: string): CloudDriver | Promise<CloudDriver>
}

export interface AllRegionsOptions {
  /** The cloud's name in messages ("EC2", "Rackspace"). */
  label: string
  /** A region to suggest when one region is needed ("us-east-1", "DFW"). */
  exampleRegion: string
  concurrency?: number
}

/** What a driver can still do when it speaks for every region: calls about one node, never creation. */
const ACROSS_CAPABILITIES: Capability[] = ['destroyNode', 'rebootNode', 'startStopNode', 'allRegions']

/**
 * `--region all` for any cloud with regions (EC2, OpenStack, Rackspace): listings cover every region
 * the home driver names, a bounded number at once, each node tagged with its own region. A region that
 * fails never hides the others (PartialFailureError carrying what arrived). Calls about one node find
 * its region first; creating, importing keys and listing images or sizes need one region and say so.
 */
export class AllRegionsDriver implements CloudDriver {
  readonly region = 'all'
  readonly capabilities: ReadonlySet<Capability>
  readonly startNode?: (id: string) => Promise<void>
  readonly stopNode?: (id: string) => Promise<void>
  /** After a listing: the regions that answered, sorted. */
  regionsListed?: string[]

  constructor(
    protected readonly home: RegionalDriver,
    protected readonly options: AllRegionsOptions,
  ) {
    this.capabilities = new Set(ACROSS_CAPABILITIES.filter((c) => c === 'allRegions' || home.capabilities.has(c)))
    if (this.capabilities.has('startStopNode')) {
      this.startNode = (id) => this.onNode(id, (driver) => driver.startNode!(id))
      this.stopNode = (id) => this.onNode(id, (driver) => driver.stopNode!(id))
    }
  }

  get provider() {
    return this.home.provider
  }

  listRegions(): Promise<string[]> {
    return this.home.listRegions()
  }

  /** Throws PartialFailureError carrying the nodes that did arrive when some regions failed. */
  async listNodes(filter?: NodeFilter): Promise<Node[]> {
    return this.across((driver) => driver.listNodes(filter))
  }

  /** Every region of the account is known to the home driver. */
  async listLocations(): Promise<Location[]> {
    const locations = await this.home.listLocations()
    this.regionsListed = (await this.home.listRegions()).sort()
    return locations
  }

  async getNode(id: string): Promise<Node> {
    return this.onNode(id, async (_driver, node) => node)
  }

  async destroyNode(id: string): Promise<void> {
    await this.onNode(id, (driver) => driver.destroyNode(id))
  }

  async rebootNode(id: string, options?: {hard?: boolean}): Promise<void> {
    await this.onNode(id, (driver) => driver.rebootNode(id, options))
  }

  async waitUntilRunning(id: string, options?: WaitOptions): Promise<Node> {
    return this.onNode(id, (driver) => driver.waitUntilRunning(id, options))
  }

  listImages(): Promise<Image[]> {
    return this.needsOneRegion('list images')
  }

  listSizes(): Promise<Size[]> {
    return this.needsOneRegion('list sizes')
  }

  listKeyPairs(): Promise<KeyPair[]> {
    return this.needsOneRegion('list key pairs')
  }

  createNode(): Promise<Node> {
    return this.needsOneRegion('create a node')
  }

  importKeyPair(): Promise<KeyPair> {
    return this.needsOneRegion('import a key pair')
  }

  async close(): Promise<void> {
    await this.home.close?.()
  }

  private async needsOneRegion(what: string): Promise<never> {
    throw new ValidationError(`To ${what} on ${this.options.label}, pick one region (--region ${this.options.exampleRegion}, say) instead of --region all.`)
  }

  /** `list` in every region; records the regions that answered in `regionsListed`. */
  protected async across<T>(list: (driver: CloudDriver) => Promise<T[]>): Promise<T[]> {
    const concurrency = this.options.concurrency ?? DEFAULT_REGION_CONCURRENCY
    const result = await listAcrossRegions(this.home, async (region) => this.home.forRegion(region), list, concurrency)
    this.regionsListed = [...result.regions].sort()
    if (result.failures.length > 0) throw new PartialFailureError(result.failures, result.items)
    return result.items
  }

  /** Find the region that has node `id` (asking regions a bounded number at once), then act there. */
  private async onNode<T>(id: string, act: (driver: CloudDriver, node: Node) => Promise<T>): Promise<T> {
    const regions = await this.home.listRegions()
    const settled = await mapBounded(regions, this.options.concurrency ?? DEFAULT_REGION_CONCURRENCY, async (region) => {
      const driver = await this.home.forRegion(region)
      try {
        return await driver.getNode(id)
      } finally {
        await driver.close?.()
      }
    })
    const found = settled.findIndex((o) => o.status === 'fulfilled')
    if (found === -1) {
      const other = settled.find((o): o is PromiseRejectedResult => o.status === 'rejected' && !(o.reason instanceof NotFoundError))
      if (other) throw other.reason
      throw new NotFoundError(`No ${this.options.label} node "${id}" in any of ${regions.length} regions.`)
    }
    const driver = await this.home.forRegion(regions[found])
    try {
      return await act(driver, (settled[found] as PromiseFulfilledResult<Node>).value)
    } finally {
      await driver.close?.()
    }
  }
}
