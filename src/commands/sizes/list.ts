import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {ProviderFailure} from '../../core/errors.js'
import type {ProviderName, Size} from '../../core/model.js'
import {pricesFooter} from '../../output/cost.js'
import {sizeColumns} from '../../output/model-columns.js'
import {listSizes} from '../../services/catalog.js'
import {type PriceOrigin, priceOrigin} from '../../services/prices.js'
import {PRICE_TABLE_INFO} from '../../services/price-table-info.js'

export type SizesListResult = {
  sizes: Size[]
  errors: ProviderFailure[]
  /** Where each provider's prices come from; `priceTable` dates the bundled table. */
  prices: {provider: ProviderName; origin: PriceOrigin}[]
  priceTable: {asOf: string; source: string}
}

export default class SizesList extends McCommand<typeof SizesList> {
  static override summary = 'List node sizes (EC2 instance types, Nova flavors, Linode types) with vCPUs, memory and price.'
  static override description = `Prices are USD per hour. Linode's come from its API. EC2's (on-demand Linux, per region) and Rackspace's come from a price table bundled with mc, dated ${PRICE_TABLE_INFO.asOf} (${PRICE_TABLE_INFO.source}), as neither compute API publishes prices: check a cloud's own price list before relying on one. A size the table lacks, and every OpenStack flavor (OpenStack clouds publish no prices), shows "n/a" (absent in --json).`
  static override examples = ['<%= config.bin %> sizes list --provider linode', '<%= config.bin %> sizes list --provider all --csv']
  static override flags = {...cloudFlags, ...recordFlags([sizeColumns])}

  static override recordColumns = [sizeColumns]

  public async run(): Promise<SizesListResult> {
    const providers = await this.selectedProviders()
    const prices = providers.map((provider) => ({provider, origin: priceOrigin(provider)}))
    const listing = this.finishListing('sizes', await listSizes(providers, this.driverRequest()), sizeColumns)
    const footer = this.jsonEnabled() || this.flags.csv ? undefined : pricesFooter(prices, PRICE_TABLE_INFO.asOf)
    if (footer) this.logToStderr(footer)
    return {...listing, prices, priceTable: PRICE_TABLE_INFO}
  }
}
