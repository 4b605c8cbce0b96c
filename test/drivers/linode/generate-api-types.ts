/**
 * Generates src/drivers/linode/api-types.ts — the wire types of the Linode driver — from Linode's
 * OpenAPI spec, for the operations the driver calls. Run after replacing the spec:
 *
 *   npx tsx test/drivers/linode/generate-api-types.ts
 *
 * api-types.test.ts fails when the committed file no longer matches what this produces.
 * It lives under test/ because it is a development tool and must not ship in dist/.
 */
import {readFileSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {parse} from 'yaml'

interface Schema {
  type?: string
  properties?: Record<string, Schema>
  required?: string[]
  items?: Schema
  enum?: unknown[]
  nullable?: boolean
  allOf?: Schema[]
  oneOf?: Schema[]
  anyOf?: Schema[]
  additionalProperties?: boolean | Schema
  readOnly?: boolean
  writeOnly?: boolean
}

interface Operation {
  operationId?: string
  requestBody?: {content?: Record<string, {schema?: Schema}>}
  responses?: Record<string, {content?: Record<string, {schema?: Schema}>}>
}

/** Request types leave out read-only fields; response types leave out write-only ones. */
type Direction = 'request' | 'response'

type Pick = 'request' | 'response' | 'responseItems' | 'errorResponse'

interface Target {
  name: string
  operationId: string
  pick: Pick
  /** Another operation that must yield the very same type (a list and its single-item get). */
  sameAs?: {operationId: string; pick: Pick}
}

const TARGETS: Target[] = [
  {
    name: 'LinodeInstance',
    operationId: 'get-linode-instance',
    pick: 'response',
    sameAs: {operationId: 'get-linode-instances', pick: 'responseItems'},
  },
  {name: 'LinodeType', operationId: 'get-linode-types', pick: 'responseItems'},
  {name: 'LinodeImage', operationId: 'get-images', pick: 'responseItems'},
  {name: 'LinodeRegion', operationId: 'get-regions', pick: 'responseItems'},
  {name: 'LinodeSshKey', operationId: 'get-ssh-keys', pick: 'responseItems'},
  {name: 'CreateLinodeRequest', operationId: 'post-linode-instance', pick: 'request'},
  {name: 'AddSshKeyRequest', operationId: 'post-add-ssh-key', pick: 'request'},
  {name: 'RebootLinodeRequest', operationId: 'post-reboot-linode-instance', pick: 'request'},
  {name: 'LinodeErrorResponse', operationId: 'get-linode-instance', pick: 'errorResponse'},
]

const here = dirname(fileURLToPath(import.meta.url))
export const SPEC_PATH = join(here, '../../../specs/linode-openapi.yaml')
export const OUTPUT_PATH = join(here, '../../../src/drivers/linode/api-types.ts')

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

function quote(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", String.raw`\'`)}'`
}

function propertyName(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name)
}

function literal(value: unknown): string {
  return typeof value === 'string' ? quote(value) : JSON.stringify(value)
}

/** allOf of object schemas, merged into one object (Linode's request bodies use this). */
function mergeAllOf(parts: Schema[]): Schema {
  const merged: Schema = {type: 'object', properties: {}, required: []}
  for (const part of parts) {
    const flat = part.allOf ? mergeAllOf(part.allOf) : part
    if (flat.type !== undefined && flat.type !== 'object') throw new Error(`allOf with a non-object part (${flat.type})`)
    Object.assign(merged.properties!, flat.properties)
    merged.required!.push(...(flat.required ?? []))
  }
  return merged
}

function emit(schema: Schema, direction: Direction, indent: string): string {
  if (schema.allOf?.length === 1 && !schema.required) return withNull(emit(schema.allOf[0], direction, indent), schema)
  if (schema.allOf) {
    const merged = mergeAllOf(schema.allOf)
    merged.required!.push(...(schema.required ?? []))
    return withNull(emit(merged, direction, indent), schema)
  }
  const variants = schema.oneOf ?? schema.anyOf
  if (variants) return withNull([...new Set(variants.map((v) => emit(v, direction, indent)))].join(' | '), schema)
  if (schema.enum) return withNull(schema.enum.map((v) => literal(v)).join(' | '), schema)
  if (schema.type === 'array') {
    const item = schema.items ? emit(schema.items, direction, indent) : 'unknown'
    const bracketed = item.startsWith('{') && item.endsWith('}')
    return withNull(!bracketed && item.includes(' | ') ? `(${item})[]` : `${item}[]`, schema)
  }
  if (schema.type === 'object' || schema.properties) return withNull(emitObject(schema, direction, indent), schema)
  const scalar = {string: 'string', integer: 'number', number: 'number', boolean: 'boolean'}[schema.type ?? '']
  return withNull(scalar ?? 'unknown', schema)
}

function withNull(type: string, schema: Schema): string {
  return schema.nullable ? `${type} | null` : type
}

function emitObject(schema: Schema, direction: Direction, indent: string): string {
  const skip = direction === 'request' ? 'readOnly' : 'writeOnly'
  const entries = Object.entries(schema.properties ?? {}).filter(([, s]) => !s[skip])
  if (entries.length === 0) {
    const extra = schema.additionalProperties
    if (extra && typeof extra === 'object') return `Record<string, ${emit(extra, direction, indent)}>`
    return schema.additionalProperties === false ? 'Record<string, never>' : 'Record<string, unknown>'
  }
  const required = new Set(schema.required ?? [])
  const inner = `${indent}  `
  const lines = entries.sort(([a], [b]) => a.localeCompare(b)).map(([name, s]) => `${inner}${propertyName(name)}${required.has(name) ? '' : '?'}: ${emit(s, direction, inner)}`)
  return `{\n${lines.join('\n')}\n${indent}}`
}

function findOperation(paths: Record<string, Record<string, Operation>>, operationId: string): Operation {
  for (const methods of Object.values(paths)) {
    for (const op of Object.values(methods)) if (op && typeof op === 'object' && op.operationId === operationId) return op
  }
  throw new Error(`operation ${operationId} is not in the spec`)
}

function jsonSchema(container: {content?: Record<string, {schema?: Schema}>} | undefined, what: string): Schema {
  const schema = container?.content?.['application/json']?.schema
  if (!schema) throw new Error(`${what} has no application/json schema`)
  return schema
}

/** Every Linode collection is the same envelope; check it rather than assume it. */
function pageItems(envelope: Schema, operationId: string): Schema {
  const props = envelope.properties ?? {}
  for (const field of ['page', 'pages', 'results']) {
    if (props[field]?.type !== 'integer') throw new Error(`${operationId}: the page envelope lacks integer "${field}"`)
  }
  if (props.data?.type !== 'array' || !props.data.items) throw new Error(`${operationId}: the page envelope lacks a "data" array`)
  return props.data.items
}

function targetSchema(op: Operation, pick: Pick, operationId: string): {schema: Schema; direction: Direction} {
  switch (pick) {
    case 'request': {
      return {schema: jsonSchema(op.requestBody, `${operationId} request`), direction: 'request'}
    }
    case 'response': {
      return {schema: jsonSchema(op.responses?.['200'], `${operationId} 200`), direction: 'response'}
    }
    case 'responseItems': {
      return {schema: pageItems(jsonSchema(op.responses?.['200'], `${operationId} 200`), operationId), direction: 'response'}
    }
    case 'errorResponse': {
      return {schema: jsonSchema(op.responses?.default, `${operationId} default`), direction: 'response'}
    }
  }
}

export function generateApiTypes(specText: string): string {
  const spec = parse(specText) as {info: {version: string}; paths: Record<string, Record<string, Operation>>}
  const out = [
    '// Generated by test/drivers/linode/generate-api-types.ts from specs/linode-openapi.yaml',
    `// (Linode API v4 ${spec.info.version}). Do not edit: change the generator or the spec and rerun it.`,
    '',
    '/** The envelope of every paginated Linode collection (checked for each list operation below). */',
    'export interface Page<T> {',
    '  data?: T[]',
    '  page?: number',
    '  pages?: number',
    '  results?: number',
    '}',
  ]
  const typeOf = (operationId: string, pick: Pick) => {
    const {schema, direction} = targetSchema(findOperation(spec.paths, operationId), pick, operationId)
    return emit(schema, direction, '')
  }
  for (const target of TARGETS) {
    const type = typeOf(target.operationId, target.pick)
    if (target.sameAs && typeOf(target.sameAs.operationId, target.sameAs.pick) !== type) {
      throw new Error(`${target.sameAs.operationId} no longer returns the same ${target.name} as ${target.operationId}`)
    }
    out.push('', `/** ${target.pick} of ${target.operationId} */`, type.startsWith('{') ? `export interface ${target.name} ${type}` : `export type ${target.name} = ${type}`)
  }
  return `${out.join('\n')}\n`
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(OUTPUT_PATH, generateApiTypes(readFileSync(SPEC_PATH, 'utf8')))
  console.log(`wrote ${OUTPUT_PATH}`)
}
