import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import type {ProviderName, Size} from '../../src/core/model.js'
import {costText, priceCell, pricesFooter} from '../../src/output/cost.js'
import {PRICE_TABLE_INFO} from '../../src/services/price-table-info.js'
import {costTotal, withTablePrices} from '../../src/services/prices.js'
// @ts-expect-error: a plain .mjs script without types; generateTable returns the two files' text.
import {generateTable} from '../../scripts/prices.mjs'

/** Issue 16: a bundled, dated price table for EC2 and Rackspace; unknown prices said, never counted as free. */

const root = new URL('../../', import.meta.url)
const size = (provider: ProviderName, id: string, priceHourly?: number): Size => ({id, name: id, provider, vcpus: 1, memoryMb: 1024, priceHourly, extra: {}})

describe('the bundled price table', () => {
  it('is what scripts/prices.mjs generates from the recorded libcloud file (regenerate with `node scripts/prices.mjs generate`)', () => {
    const files = generateTable(readFileSync(new URL('data/prices/libcloud-pricing.json', root), 'utf8')) as {table: string; info: string}
    expect(readFileSync(new URL('src/services/price-table.ts', root), 'utf8')).toBe(files.table)
    expect(readFileSync(new URL('src/services/price-table-info.ts', root), 'utf8')).toBe(files.info)
    expect(PRICE_TABLE_INFO.asOf).toBe('2023-08-06')
  })

  it('prices EC2 types per region and Rackspace flavors per region group', async () => {
    const ec2 = await withTablePrices('ec2', 'us-east-1', [size('ec2', 't3.micro'), size('ec2', 'm1.small'), size('ec2', 'no-such.type')])
    expect(ec2.map((s) => s.priceHourly)).toEqual([0.0104, 0.044, undefined])
    expect((await withTablePrices('ec2', 'sa-east-1', [size('ec2', 't3.micro')]))[0].priceHourly).toBe(0.0177)
    const rackspace = async (region: string) => (await withTablePrices('rackspace', region, [size('rackspace', '2')]))[0].priceHourly
    expect([await rackspace('DFW'), await rackspace('ord'), await rackspace('LON'), await rackspace('SYD'), await rackspace('HKG')]).toEqual([
      0.022,
      0.022,
      0.032,
      0.026,
      undefined,
    ])
  })

  it("treats libcloud's 0.0 as unknown, never as free", async () => {
    // libcloud's scrape recorded t3.nano in us-east-1 as 0.0.
    expect((await withTablePrices('ec2', 'us-east-1', [size('ec2', 't3.nano')]))[0].priceHourly).toBeUndefined()
  })

  it('leaves prices from a cloud API, and clouds without a table, alone', async () => {
    expect((await withTablePrices('ec2', 'us-east-1', [size('ec2', 't3.micro', 0.5)]))[0].priceHourly).toBe(0.5)
    expect((await withTablePrices('openstack', 'RegionOne', [size('openstack', 'performance1-1')]))[0].priceHourly).toBeUndefined()
    expect((await withTablePrices('linode', 'us-east', [size('linode', 'g6-nanode-1', 0.0075)]))[0].priceHourly).toBe(0.0075)
  })
})

describe('totals that say what they do not know', () => {
  it('counts unpriced sizes instead of adding them as $0', () => {
    const total = costTotal([{priceHourly: 0.0075}, {priceHourly: 0.024}, {}])
    expect(total).toEqual({hourly: 0.0315, unpriced: 1})
    expect(costText(total.hourly, total.unpriced)).toBe('$0.0315/hour + 1 size without a price')
    expect(costText(0.0315, 0)).toBe('$0.0315/hour')
    expect(costText(0, 2)).toBe('unknown (2 sizes without a price)')
    expect(costText(23, 3, 'month', 2)).toBe('$23.00/month + 3 sizes without a price')
  })

  it('shows n/a for a size without a price, never a blank', () => {
    expect(priceCell(undefined as number | undefined)).toBe('n/a')
    expect(priceCell(0.0104)).toBe(0.0104)
    expect(
      pricesFooter(
        [
          {provider: 'ec2', origin: 'table'},
          {provider: 'openstack', origin: 'none'},
        ],
        '2023-08-06',
      ),
    ).toBe("prices: ec2 from mc's bundled price table (on-demand Linux, as of 2023-08-06); openstack: none published (n/a).")
  })
})
