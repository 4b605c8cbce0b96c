import type {Location} from '../../core/model.js'
import {AllRegionsDriver} from '../all-regions.js'
import type {Ec2Driver} from './driver.js'

/**
 * EC2's `--region all`: regions are the ones the account has enabled (DescribeRegions, asked in the
 * home region); locations add every region's availability zones, which only that region names.
 */
export class AllRegionsEc2Driver extends AllRegionsDriver {
  constructor(home: Ec2Driver, concurrency?: number) {
    super(home, {label: 'EC2', exampleRegion: 'us-east-1', concurrency})
  }

  override async listLocations(): Promise<Location[]> {
    const zones = await this.across(async (driver) => (await driver.listLocations()).filter((l) => l.kind === 'zone'))
    const regions = (await this.home.listLocations()).filter((l) => l.kind === 'region')
    return [...regions, ...zones]
  }
}
