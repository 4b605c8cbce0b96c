import {NotFoundError, PartialFailureError, ValidationError} from '../../core/errors.js'
import type {Image, KeyPair, Location, Node, NodeFilter, Size, WaitOptions} from '../../core/model.js'
import type {Capability, CloudDriver} from '../types.js'
import type {Ec2Driver} from './driver.js'
import {DEFAULT_REGION_CONCURRENCY, listAcrossRegions, mapBounded} from './regions.js'

/**
 * `--region all`: listings cover every region the account has enabled (DescribeRegions, asked in
 * the home region), a bounded number at once, each node tagged with its own region. Calls about one
 * node find its region first; creating needs one region and says so.
 */
export class AllRegionsEc2Driver implements CloudDriver {
  readonly provider = 'ec2' as const
  readonly region = 'all'
  readonly capabilities: ReadonlySet<Capability> = new Set<Capability>(['destroyNode', 'rebootNode', 'startStopNode', 'allRegions'])

  constructor(
    private readonly home: Ec2Driver,
    private readonly concurrency = DEFAULT_REGION_CONCURRENCY,
  ) {}

  listRegions(): Promise<string[]> {
    return this.home.listRegions()
  }

  /** Throws PartialFailureError carrying the nodes that did arrive when some regions failed. */
  async listNodes(filter?: NodeFilter): Promise<Node[]> {
    return this.across((driver) => driver.listNodes(filter))
  }

  async listLocations(): Promise<Location[]> {
    const zones = await this.across(async (driver) => (await driver.listLocations()).filter((l) => l.kind === 'zone'))
    const regions = (await this.home.listLocations()).filter((l) => l.kind === 'region')
    return [...regions, ...zones]
  }

  async getNode(id: string): Promise<Node> {
    return this.onNode(id, async (_driver, node) => node)
  }

  async destroyNode(id: string): Promise<void> {
    await this.onNode(id, (driver) => driver.destroyNode(id))
  }

  async rebootNode(id: string): Promise<void> {
    await this.onNode(id, (driver) => driver.rebootNode(id))
  }

  async startNode(id: string): Promise<void> {
    await this.onNode(id, (driver) => driver.startNode(id))
  }

  async stopNode(id: string): Promise<void> {
    await this.onNode(id, (driver) => driver.stopNode(id))
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

  close(): Promise<void> {
    return this.home.close()
  }

  private async needsOneRegion(what: string): Promise<never> {
    throw new ValidationError(`To ${what} on EC2, pick one region (--region us-east-1, say) instead of --region all.`)
  }

  private async across<T>(list: (driver: CloudDriver) => Promise<T[]>): Promise<T[]> {
    const result = await listAcrossRegions(this.home, async (region) => this.home.forRegion(region), list, this.concurrency)
    if (result.failures.length > 0) throw new PartialFailureError(result.failures, result.items)
    return result.items
  }

  /** Find the region that has node `id` (asking regions a bounded number at once), then act there. */
  private async onNode<T>(id: string, act: (driver: Ec2Driver, node: Node) => Promise<T>): Promise<T> {
    const regions = await this.home.listRegions()
    const settled = await mapBounded(regions, this.concurrency, async (region) => {
      const driver = this.home.forRegion(region)
      try {
        return await driver.getNode(id)
      } finally {
        await driver.close()
      }
    })
    const found = settled.findIndex((o) => o.status === 'fulfilled')
    if (found === -1) {
      const other = settled.find((o): o is PromiseRejectedResult => o.status === 'rejected' && !(o.reason instanceof NotFoundError))
      if (other) throw other.reason
      throw new NotFoundError(`No EC2 instance "${id}" in any of ${regions.length} regions.`)
    }
    const driver = this.home.forRegion(regions[found])
    try {
      return await act(driver, (settled[found] as PromiseFulfilledResult<Node>).value)
    } finally {
      await driver.close()
    }
  }
}
