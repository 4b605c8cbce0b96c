import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {Size} from '../../src/core/model.js'
import {renderMarkdownReport} from '../../src/output/markdown-report.js'
import type {ReportData} from '../../src/services/report.js'
import {mc, openTestCloud, type TestCloud} from '../probes/helpers.js'

/**
 * Issue 16: every cloud's sizes show a price or "n/a" against the sandbox, the listing dates the
 * bundled table, and a plan with an unpriced size says so instead of under-counting.
 */

let cloud: TestCloud
beforeAll(async () => {
  cloud = await openTestCloud(50)
})
afterAll(async () => {
  await cloud?.close()
})

describe('sizes list', () => {
  it('prices EC2 and Rackspace sizes from the bundled table, Linode from its API, OpenStack n/a, and dates the table', async () => {
    const table = await mc(['sizes', 'list', '--provider', 'all'], cloud.env)
    expect(table.code).toBe(0)
    const row = (provider: string, id: string) => table.stdout.split('\n').find((l) => new RegExp(`^${provider}\\s+${id.replaceAll('.', String.raw`\.`)}\\s`).test(l))
    expect(row('ec2', 't3.micro')).toMatch(/\s0\.0104\s/)
    expect(row('ec2', 't3.nano')).toMatch(/\sn\/a\s/)
    expect(row('rackspace', 'performance1-1')).toMatch(/\s0\.04\s*$/)
    expect(row('openstack', '1')).toMatch(/\sn\/a\s*$/)
    expect(row('linode', 'g6-nanode-1')).toMatch(/\s0\.0075(\s|$)/)
    expect(row('digitalocean', 's-1vcpu-1gb')).toMatch(/\s0\.00893(\s|$)/)
    expect(table.stderr).toContain(
      "prices: ec2, rackspace from mc's bundled price table (on-demand Linux, as of 2023-08-06); linode, digitalocean from the cloud's API; openstack: none published (n/a).",
    )

    const json = (await mc(['sizes', 'list', '--provider', 'ec2,openstack', '--json'], cloud.env)).json<{sizes: Size[]; prices: unknown; priceTable: {asOf: string}}>()
    expect(json.sizes.find((s) => s.id === 'm1.small' && s.provider === 'ec2')?.priceHourly).toBe(0.044)
    expect(json.sizes.filter((s) => s.provider === 'openstack').every((s) => s.priceHourly === undefined)).toBe(true)
    expect(json.prices).toEqual([
      {provider: 'ec2', origin: 'table'},
      {provider: 'openstack', origin: 'none'},
    ])
    expect(json.priceTable.asOf).toBe('2023-08-06')
  })

  it('names the table date in its help', async () => {
    const help = await mc(['sizes', 'list', '--help'], cloud.env)
    expect(help.stdout.replaceAll(/\s+/g, ' ')).toContain('a price table bundled with mc, dated 2023-08-06')
  })
})

describe('probe deploy --dry-run', () => {
  it('adds what has a price and counts what has none', async () => {
    const run = await mc(['probe', 'deploy', '--fleet', 'cost', '--at', 'ec2:us-east-1', '--at', 'openstack:RegionOne', '--at', 'linode:us-west', '--dry-run'], cloud.env)
    expect(run.code).toBe(0)
    // t3.micro (0.0104, the cheapest priced x86 size with 512 MB) + g6-nanode-1 (0.0075); the OpenStack flavor has no price.
    expect(run.stdout).toContain('estimated cost: $0.0179/hour + 1 size without a price')
    expect(run.stdout).toMatch(/cost-openstack-regionone\s+planned.*\sn\/a/)
  })
})

describe('the report', () => {
  it('says how many cloud probes have no price beside the total', () => {
    const data = {
      generatedAt: '2026-01-01T00:00:00Z',
      since: '2026-01-01T00:00:00Z',
      until: '2026-01-01T01:00:00Z',
      vantages: [],
      targets: [],
      matrix: [],
      fleet: {
        probes: [
          {name: 'a', kind: 'cloud', provider: 'linode', region: 'us-west', state: 'ready', priceHourly: 0.01},
          {name: 'b', kind: 'cloud', provider: 'openstack', region: 'RegionOne', state: 'ready'},
        ],
        hourlyCost: 0.01,
        monthlyCost: 7.3,
        unpriced: 1,
      },
    } as unknown as ReportData
    const markdown = renderMarkdownReport(data)
    expect(markdown).toContain('Total **$0.0100/hour + 1 size without a price**, about $7.30/month + 1 size without a price.')
    expect(markdown).toMatch(/\| b \| openstack \| RegionOne \|.*\| n\/a \|/)
  })
})
