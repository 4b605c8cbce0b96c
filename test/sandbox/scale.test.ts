import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SANDBOX_CLOUDS} from '../../src/sandbox/clouds.js'
import {http, keystoneToken, linodeHeaders, openSandbox, signedV2, type TestSandbox} from './helpers.js'

// 5,000 nodes per cloud: every cloud's listing is complete and correctly paged at benchmark scale.
// How fast is the benchmarks' business (bench/, "Listing 10,000 nodes per cloud"), not a timed test's:
// the times are printed for the record only.
const NODES = 5000
let box: TestSandbox
let seedMs: number

beforeAll(async () => {
  const started = performance.now()
  box = await openSandbox({seedNodes: NODES, ssh: false})
  seedMs = performance.now() - started
}, 120_000)

afterAll(async () => {
  await box?.close()
})

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const value = await fn()
  return [value, performance.now() - started]
}

async function listEc2(): Promise<{status: number; text: string}> {
  const res = await fetch(signedV2(box, {Action: 'DescribeInstances'}))
  return {status: res.status, text: await res.text()}
}

describe(`${NODES} seeded nodes per cloud`, () => {
  it('seeds them without SSH servers and counts them', () => {
    expect(box.handle.counts()).toEqual(Object.fromEntries(SANDBOX_CLOUDS.map((cloud) => [cloud, NODES])))
    process.stderr.write(`sandbox scale: seeding ${4 * NODES} nodes and starting took ${seedMs.toFixed(0)} ms\n`)
  })

  it('EC2 DescribeInstances returns all of them in one answer, and the same document again from the render cache', async () => {
    const [cold, coldMs] = await timed(listEc2)
    expect(cold.status).toBe(200)
    expect(cold.text.match(/<instanceId>/g)).toHaveLength(NODES)
    const [warm, warmMs] = await timed(listEc2)
    // Same document but for its requestId.
    expect(warm.text.length).toBe(cold.text.length)
    process.stderr.write(
      `sandbox scale: EC2 DescribeInstances, ${NODES} instances, ${(cold.text.length / 1e6).toFixed(1)} MB: first ${coldMs.toFixed(0)} ms, again ${warmMs.toFixed(0)} ms\n`,
    )
  })

  it('Nova lists them in pages of 1000 (max_limit) with servers_links', async () => {
    const {token, nova} = await keystoneToken(box.handle)
    let url: string | undefined = `${nova()}/servers/detail`
    let count = 0
    let pages = 0
    const [, ms] = await timed(async () => {
      while (url) {
        const page = await http(url, {headers: {'x-auth-token': token}})
        count += page.body.servers.length
        pages++
        url = page.body.servers_links?.[0]?.href
      }
    })
    expect(count).toBe(NODES)
    // Exactly 5 full pages, and Nova links a sixth (empty) page after a full one.
    expect(pages).toBe(6)
    process.stderr.write(`sandbox scale: Nova servers/detail, ${NODES} servers in ${pages} pages, ${ms.toFixed(0)} ms\n`)
  })

  it('Linode lists them in pages of 500', async () => {
    let page = 1
    let pages = 1
    let count = 0
    const [, ms] = await timed(async () => {
      while (page <= pages) {
        const res = await http(`${box.handle.endpoints.linode}/v4/linode/instances?page=${page}&page_size=500`, {headers: linodeHeaders(box.handle)})
        count += res.body.data.length
        pages = res.body.pages
        page++
      }
    })
    expect(pages).toBe(NODES / 500)
    expect(count).toBe(NODES)
    process.stderr.write(`sandbox scale: Linode instances, ${NODES} in ${pages} pages, ${ms.toFixed(0)} ms\n`)
  })
})
