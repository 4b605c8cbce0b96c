import {describe, expect, it} from 'vitest'

import type {Verdict} from '../../src/analysis/types.js'
import type {Hop} from '../../src/checks/types.js'
import {lossColor, pathPicture} from '../../src/output/html-report/path-picture.js'

const hop = (index: number, host: string, lossPct = 0): Hop => ({hop: index, host, lossPct, sent: 10, lastMs: index, avgMs: index, bestMs: index, worstMs: index, stdevMs: 0})

function verdict(over: Partial<Verdict>): Verdict {
  return {target: '192.0.2.80', kind: 'healthy', explanation: '', affected: [], healthy: [], vantages: [], missing: [], ...over}
}

/** The <g> of one node, found by its address. */
function nodeOf(svg: string, address: string): string {
  const found = svg.match(new RegExp(`<g class="([^"]*)" data-address="${address.replaceAll('.', String.raw`\.`)}">`))
  if (!found) throw new Error(`no node for ${address} in ${svg}`)
  return found[1]
}

describe('path picture', () => {
  it('colours a link by the loss that persists: a rate-limited router is marked, its line stays green', () => {
    const svg = pathPicture(verdict({vantages: [{vantage: 'a', status: 'healthy', rateLimitedHops: [{index: 2, address: '10.0.0.2', lossPct: 60}]}]}), [
      {vantage: 'a', hops: [hop(1, '10.0.0.1'), hop(2, '10.0.0.2', 60), hop(3, '192.0.2.80')]},
    ])
    expect(nodeOf(svg, '10.0.0.2')).toBe('node hop rate-limited')
    expect(svg).toContain('>rate-limited</text>')
    const into = svg.match(/<line[^>]*stroke="([^"]+)"[^>]*><title>10\.0\.0\.1 to 10\.0\.0\.2: 0 % loss persists \(60 % measured\) from a</)
    expect(into?.[1]).toBe(lossColor(0))
    expect(svg).not.toContain('class="node hop fault"')
  })

  it('merges a shared router, splits a link whose loss differs per vantage point, and dashes a path that never reached the target', () => {
    const svg = pathPicture(verdict({kind: 'shared-path', faultHop: {index: 2, address: '198.51.100.1', lossPct: 30}}), [
      {vantage: 'a', hops: [hop(1, '10.0.0.1'), hop(2, '198.51.100.1', 30), hop(3, '192.0.2.80', 30)]},
      {vantage: 'b', hops: [hop(1, '10.1.0.1'), hop(2, '198.51.100.1', 30), hop(3, '192.0.2.80', 30)]},
      {vantage: 'c', hops: [hop(1, '10.2.0.1'), hop(2, '???', 100), hop(3, '???', 100)]},
    ])
    expect(svg.match(/data-address="198\.51\.100\.1"/g)).toHaveLength(1)
    expect(nodeOf(svg, '198.51.100.1')).toBe('node hop fault')
    expect(svg).toMatch(/<g class="node hop fault" data-address="198\.51\.100\.1"><title>[^<]*<\/title><circle [^>]*fill="#b42318"/)
    // One red line from the shared router to the target, crossed by both vantage points.
    expect(svg).toMatch(/stroke="#b42318"[^>]*><title>198\.51\.100\.1 to 192\.0\.2\.80: 30 % loss persists \(30 % measured\) from a, b</)
    // c's two silent hops are its own (never merged), and its path ends in a dashed line to the target.
    expect(svg.match(/class="node silent"/g)).toHaveLength(2)
    expect(svg).toMatch(/class="link unreached"[^>]*stroke-dasharray/)
    expect(svg).toContain('no answer past ?')
  })

  it('a target given by name is the commonest last hop; a blamed silent hop is found by its TTL', () => {
    const svg = pathPicture(verdict({target: 'api.example.net', kind: 'target-side', faultHop: {index: 2, lossPct: 100}}), [
      {vantage: 'a', hops: [hop(1, '10.0.0.1'), hop(2, '???', 100), hop(3, '203.0.113.9', 40)]},
      {vantage: 'b', hops: [hop(1, '10.1.0.1'), hop(2, '203.0.113.9', 40)]},
    ])
    expect(nodeOf(svg, '203.0.113.9')).toBe('node target')
    expect(svg.match(/class="node silent fault"/g)).toHaveLength(1)
    expect(svg).not.toContain('link unreached')
  })

  it('routers sharing the load at one TTL (ECMP) are one node, shared by the paths that balance over them', () => {
    const ecmp = {...hop(2, '10.9.0.1'), hosts: ['10.9.0.1', '10.9.0.2']}
    const svg = pathPicture(verdict({}), [
      {vantage: 'a', hops: [hop(1, '10.0.0.1'), ecmp, hop(3, '192.0.2.80')]},
      {vantage: 'b', hops: [hop(1, '10.1.0.1'), ecmp, hop(3, '192.0.2.80')]},
    ])
    expect(nodeOf(svg, '10.9.0.1|10.9.0.2')).toBe('node hop')
    expect(svg).not.toContain('data-address="10.9.0.1"')
    expect(svg).toContain('crossed by a, b')
  })

  it('draws nothing without a path', () => {
    expect(pathPicture(verdict({}), [])).toBe('')
    expect(pathPicture(verdict({}), [{vantage: 'a', hops: []}])).toBe('')
  })
})
