import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {ProviderFailure} from '../../core/errors.js'
import type {Size} from '../../core/model.js'
import {sizeColumns} from '../../output/model-columns.js'
import {listSizes} from '../../services/catalog.js'

export type SizesListResult = {sizes: Size[]; errors: ProviderFailure[]}

export default class SizesList extends McCommand<typeof SizesList> {
  static override summary = 'List node sizes (EC2 instance types, Nova flavors, Linode types) with vCPUs, memory and price.'
  static override examples = [
    '<%= config.bin %> sizes list --provider linode',
    '<%= config.bin %> sizes list --provider all --csv',
  ]
  static override flags = {...cloudFlags, ...recordFlags([sizeColumns])}

  static override recordColumns = [sizeColumns]

  public async run(): Promise<SizesListResult> {
    return this.finishListing('sizes', await listSizes(await this.selectedProviders(), this.driverRequest()), sizeColumns)
  }
}
