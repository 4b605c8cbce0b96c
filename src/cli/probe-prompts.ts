import {ValidationError} from '../core/errors.js'
import type {ProviderName} from '../core/model.js'
import {type DriverRequest, withDriver} from '../services/drivers.js'
import {chooseSize, type ProbeSite} from '../services/probe-plan.js'
import {withTablePrices} from '../services/prices.js'

/**
 * Ask a person at a terminal where to put probes: clouds (those with credentials), then regions
 * of each, showing the hourly cost of the size mc would pick there.
 */
export async function chooseSites(providers: ProviderName[], request: DriverRequest): Promise<ProbeSite[]> {
  const {checkbox} = await import('@inquirer/prompts')
  const chosen = await checkbox<ProviderName>(
    {message: 'Clouds to deploy probes in', choices: providers.map((p) => ({name: p, value: p, checked: true})), required: true},
    {output: process.stderr},
  )
  const sites: ProbeSite[] = []
  for (const provider of chosen) {
    const choices = await withDriver(provider, request, async (driver) => {
      const [locations, sizes] = await Promise.all([driver.listLocations(), driver.listSizes()])
      const size = chooseSize(await withTablePrices(provider, driver.region, sizes))
      const cost = size?.priceHourly === undefined ? '' : ` (${size.id}, $${size.priceHourly}/hour)`
      return locations.filter((l) => l.kind === 'region').map((l) => ({name: `${l.id} ${l.name === l.id ? '' : l.name}${cost}`, value: l.id}))
    })
    if (choices.length === 0) throw new ValidationError(`${provider} lists no regions.`)
    const regions = await checkbox<string>({message: `${provider}: regions`, choices, required: true}, {output: process.stderr})
    for (const region of regions) sites.push({provider, region})
  }

  return sites
}
