import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {ProviderFailure} from '../../core/errors.js'
import type {Location} from '../../core/model.js'
import {locationColumns} from '../../output/model-columns.js'
import {listLocations} from '../../services/catalog.js'

export type LocationsListResult = {locations: Location[]; errors: ProviderFailure[]}

export default class LocationsList extends McCommand<typeof LocationsList> {
  static override summary = 'List the regions and zones a cloud offers.'
  static override examples = ['<%= config.bin %> locations list --provider ec2 --region us-east-1', '<%= config.bin %> locations list --provider all --json']
  static override flags = {...cloudFlags, ...recordFlags([locationColumns])}

  static override recordColumns = [locationColumns]

  public async run(): Promise<LocationsListResult> {
    return this.finishListing('locations', await listLocations(await this.selectedProviders(), this.driverRequest()), locationColumns)
  }
}
