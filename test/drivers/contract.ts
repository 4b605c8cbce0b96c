import {isIP} from 'node:net'
import {describe, expect, it} from 'vitest'

import {NotFoundError} from '../../src/core/errors.js'
import {NODE_STATES, type Node, type NodeExtra} from '../../src/core/model.js'
import type {CloudDriver} from '../../src/drivers/types.js'

/**
 * The shared driver contract: every driver, fed recorded or emulated responses, must satisfy it.
 * `open` returns a ready driver (its HTTP already pointed at a fixture server or the sandbox) and
 * `missingNodeId` an id the backend does not know.
 */
export interface ContractSubject {
  name: string
  extraKey: keyof NodeExtra
  open(): Promise<CloudDriver>
  missingNodeId: string
  /** At least this many nodes are in the backend. */
  minNodes?: number
}

const CAMEL = /^[a-z][a-zA-Z0-9]*$/

function expectCamelKeys(value: unknown, path: string): void {
  if (Array.isArray(value)) for (const [i, v] of value.entries()) expectCamelKeys(v, `${path}[${i}]`)
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      // Tag and metadata maps are user data: their keys are whatever the user chose.
      if (path.endsWith('.metadata') || path.endsWith('.tags')) continue
      expect(key, `key at ${path}`).toMatch(CAMEL)
      expectCamelKeys(v, `${path}.${key}`)
    }
  }
}

export function expectNodeShape(node: Node, subject: Pick<ContractSubject, 'extraKey'>): void {
  expect(typeof node.id).toBe('string')
  expect(node.id).not.toBe('')
  expect(typeof node.name).toBe('string')
  expect(NODE_STATES).toContain(node.state)
  expect(typeof node.providerState).toBe('string')
  expect(typeof node.image, 'image is an id').toBe('string')
  expect(typeof node.size, 'size is an id').toBe('string')
  expect(typeof node.region).toBe('string')
  for (const ip of [...node.publicIps, ...node.privateIps]) expect(isIP(ip), `${ip} is an IP`).toBeGreaterThan(0)
  for (const [k, v] of Object.entries(node.tags)) {
    expect(typeof k).toBe('string')
    expect(typeof v).toBe('string')
  }
  expect(Object.keys(node.extra)).toEqual([subject.extraKey])
  expectCamelKeys(node.extra, 'extra')
  if (node.createdAt) expect(Number.isNaN(Date.parse(node.createdAt))).toBe(false)
}

export function describeDriverContract(subject: ContractSubject): void {
  describe(`driver contract: ${subject.name}`, () => {
    it('declares its capabilities as a set', async () => {
      const driver = await subject.open()
      expect(driver.capabilities).toBeInstanceOf(Set)
    })

    it('lists nodes in the unified shape', async () => {
      const driver = await subject.open()
      const nodes = await driver.listNodes()
      expect(nodes.length).toBeGreaterThanOrEqual(subject.minNodes ?? 1)
      for (const node of nodes) expectNodeShape(node, subject)
    })

    it('gets one node by id, the same as listed', async () => {
      const driver = await subject.open()
      const [first] = await driver.listNodes()
      const node = await driver.getNode(first.id)
      expect(node.id).toBe(first.id)
      expect(node.state).toBe(first.state)
      expectNodeShape(node, subject)
    })

    it('reports a missing node as NotFoundError', async () => {
      const driver = await subject.open()
      await expect(driver.getNode(subject.missingNodeId)).rejects.toBeInstanceOf(NotFoundError)
    })

    it('lists sizes with vCPUs and memory', async () => {
      const driver = await subject.open()
      const sizes = await driver.listSizes()
      expect(sizes.length).toBeGreaterThan(0)
      for (const size of sizes) {
        expect(size.id).not.toBe('')
        expect(size.vcpus).toBeGreaterThan(0)
        expect(size.memoryMb).toBeGreaterThan(0)
        if (size.priceHourly !== undefined) expect(size.priceHourly).toBeGreaterThanOrEqual(0)
      }
    })

    it('lists images with ids and names', async () => {
      const driver = await subject.open()
      const images = await driver.listImages()
      expect(images.length).toBeGreaterThan(0)
      for (const image of images) {
        expect(image.id).not.toBe('')
        expect(typeof image.name).toBe('string')
      }
    })

    it('lists locations as regions or zones', async () => {
      const driver = await subject.open()
      const locations = await driver.listLocations()
      expect(locations.length).toBeGreaterThan(0)
      for (const location of locations) expect(['region', 'zone']).toContain(location.kind)
    })

    it('lists key pairs by name', async () => {
      const driver = await subject.open()
      for (const key of await driver.listKeyPairs()) expect(key.name).not.toBe('')
    })
  })
}
