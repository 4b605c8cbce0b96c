import {readFileSync} from 'node:fs'
import {beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'

import {LABEL_PATTERN} from '../../../src/drivers/linode/driver.js'
import {nodeState} from '../../../src/drivers/linode/mapping.js'
import {generateApiTypes, OUTPUT_PATH, SPEC_PATH} from './generate-api-types.js'

interface SchemaNode {
  properties?: Record<string, SchemaNode>
  allOf?: SchemaNode[]
  enum?: string[]
  pattern?: string
  minLength?: number
  maxLength?: number
}
type Body = {content: Record<string, {schema: SchemaNode}>}
type Spec = {paths: Record<string, Record<string, {requestBody: Body; responses: Record<string, Body>}>>}

/** Ties the driver's wire types and rules to the copy of Linode's spec the tests run Prism on. */
describe('linode spec and driver agree', () => {
  let specText: string
  let spec: Spec
  beforeAll(() => {
    specText = readFileSync(SPEC_PATH, 'utf8')
    spec = parse(specText) as Spec
  })

  it('api-types.ts is what the generator makes from the spec (regenerate: npx tsx test/drivers/linode/generate-api-types.ts)', () => {
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(generateApiTypes(specText))
  })

  it('maps every instance status in the spec to a known state', () => {
    const item = spec.paths['/{apiVersion}/linode/instances/{linodeId}'].get.responses['200'].content['application/json'].schema
    const statuses = item.properties!.status.enum!
    expect(statuses.length).toBeGreaterThan(10)
    expect(statuses.filter((s) => nodeState(s) === 'unknown')).toEqual([])
  })

  it("checks labels with the spec's own pattern and length", () => {
    const create = spec.paths['/{apiVersion}/linode/instances'].post.requestBody.content['application/json'].schema
    const label = create.allOf!.map((part) => part.properties?.label).find(Boolean)!
    expect(LABEL_PATTERN.source).toBe(label.pattern)
    expect([label.minLength, label.maxLength]).toEqual([3, 64])
  })
})
