import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {NotFoundError, PartialFailureError, ValidationError} from '../../../src/core/errors.js'
import {DEFAULT_REGION_CONCURRENCY, listAcrossRegions, mapBounded} from '../../../src/drivers/regions.js'
import {describeInstancesPage} from '../../fixtures/ec2/synthetic.js'
import {ec2Error, FixtureServer, type RecordedRequest} from './fixture-server.js'
import {closeDrivers, ec2Settings, openDriver, tempHome} from './helpers.js'

const server = new FixtureServer()
const {home, cleanup} = tempHome()
const REGIONS = [
  'ap-northeast-1',
  'ap-south-1',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
]

beforeAll(async () => {
  await server.start()
})
afterEach(async () => {
  server.reset()
  await closeDrivers()
})
afterAll(async () => {
  await server.stop()
  cleanup()
})

function regionOf(request: RecordedRequest): string {
  return /\/\d{8}\/([^/]+)\/ec2\/aws4_request/.exec(String(request.headers.authorization))![1]
}

const regionsBody = `<DescribeRegionsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><regionInfo>${REGIONS.map((r) => `<item><regionName>${r}</regionName><regionEndpoint>ec2.${r}.amazonaws.com</regionEndpoint></item>`).join('')}</regionInfo></DescribeRegionsResponse>`

/** One synthetic instance per region (instance i lives in REGIONS[i]). */
function serveRegions(fail: string[] = []): void {
  server.on((r) => (r.action === 'DescribeRegions' ? {body: regionsBody} : undefined))
  server.on((r) => {
    if (r.action !== 'DescribeInstances') return
    const region = regionOf(r)
    if (fail.includes(region)) return ec2Error('AuthFailure', `Not allowed in ${region}`, 401)
    const i = REGIONS.indexOf(region)
    return {body: describeInstancesPage(i, i + 1)}
  })
}

describe('mapBounded', () => {
  it('never runs more than the limit at once and keeps results in item order', async () => {
    let running = 0
    let peak = 0
    const results = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running++
      peak = Math.max(peak, running)
      await sleep(n * 3)
      running--
      if (n === 4) throw new Error('four')
      return n * 10
    })
    expect(peak).toBe(3)
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([50, 10, 'four', 20, 30, 0, 60])
  })
})

describe('ec2 --region all', () => {
  it('discovers regions with DescribeRegions and lists each one, nodes tagged with their region', async () => {
    serveRegions()
    server.delayMs = 30
    const driver = await openDriver(ec2Settings(server.url, home, {region: 'all'}))
    expect(driver.region).toBe('all')
    expect(driver.capabilities.has('allRegions')).toBe(true)
    const nodes = await driver.listNodes()
    expect(nodes.map((n) => [n.region, n.id])).toEqual(REGIONS.map((r, i) => [r, `i-${i.toString(16).padStart(17, '0')}`]))
    expect(regionOf(server.requests.find((r) => r.action === 'DescribeRegions')!)).toBe('us-east-1')
    expect(server.maxInFlight).toBeGreaterThan(1)
    expect(server.maxInFlight).toBeLessThanOrEqual(DEFAULT_REGION_CONCURRENCY)
  })

  it('a failing region never hides the others: PartialFailureError carries the nodes that arrived', async () => {
    serveRegions(['eu-west-2', 'sa-east-1'])
    const driver = await openDriver(ec2Settings(server.url, home, {region: 'all'}))
    const error = (await driver.listNodes().catch((error_: unknown) => error_)) as PartialFailureError<{length: number}>
    expect(error).toBeInstanceOf(PartialFailureError)
    expect(error.failures.map((f) => [f.provider, f.code])).toEqual([
      ['ec2 eu-west-2', 'AUTH'],
      ['ec2 sa-east-1', 'AUTH'],
    ])
    expect(error.result).toHaveLength(REGIONS.length - 2)
  })

  it("finds a node's region for calls about one node, and needs one region to create", async () => {
    serveRegions()
    server.on((r) => {
      if (r.action !== 'DescribeInstances' || !r.params.get('InstanceId.1')) return
      return regionOf(r) === 'eu-north-1' ? {body: describeInstancesPage(4, 5)} : ec2Error('InvalidInstanceID.NotFound', 'The instance ID does not exist')
    })
    const driver = await openDriver(ec2Settings(server.url, home, {region: 'all'}))
    const node = await driver.getNode('i-00000000000000004')
    expect(node.region).toBe('eu-north-1')
    server.requests.length = 0
    await driver.rebootNode('i-00000000000000004')
    const reboot = server.requests.find((r) => r.action === 'RebootInstances')!
    expect(regionOf(reboot)).toBe('eu-north-1')
    await expect(driver.createNode({name: 'n', image: 'ami-1', size: 't3.micro'})).rejects.toBeInstanceOf(ValidationError)
    server.reset()
    serveRegions()
    server.on((r) => (r.action === 'DescribeInstances' && r.params.get('InstanceId.1') ? ec2Error('InvalidInstanceID.NotFound', 'gone') : undefined))
    await expect(driver.getNode('i-gone')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('listAcrossRegions lets the service layer do the same with drivers it opens per region', async () => {
    serveRegions()
    const home1 = await openDriver(ec2Settings(server.url, home))
    const opened: string[] = []
    const result = await listAcrossRegions(
      home1,
      async (region) => {
        opened.push(region)
        return openDriver(ec2Settings(server.url, home, {region}))
      },
      (driver) => driver.listNodes(),
      2,
    )
    expect(opened.sort()).toEqual(REGIONS)
    expect(result.failures).toEqual([])
    expect(result.items.map((n) => n.region)).toEqual(REGIONS)
  })
})
