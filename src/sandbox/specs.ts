import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import type {Ajv2020 as Ajv2020Type, ErrorObject, ValidateFunction} from 'ajv/dist/2020.js'

/**
 * Request bodies checked against the APIs' own OpenAPI specs (specs/ at the package root): Nova 2.1-2.96
 * and Keystone v3 from OpenStack's generated specs, Linode v4 from Linode's. The specs describe every
 * Nova microversion at once: a body is a `oneOf` over variants marked `x-openstack: {min-ver, max-ver}`,
 * and single fields carry such marks too. `narrow` keeps what holds at one microversion: the variant whose
 * range contains it, fields introduced later (or retired earlier) become forbidden. Linode's spec is
 * OpenAPI 3.0: `nullable` becomes a null type and `allOf` parts (each closed with
 * `additionalProperties: false`) merge into one object, as the API means them.
 *
 * Nothing here runs at sandbox start: a spec is read (the JSON the build writes to dist/specs, else the
 * YAML) on the first body sent to its API, and each operation's schema is compiled on its first use.
 */

type Schema = Record<string, unknown>

/** A file in specs/ without its extension, e.g. 'linode-openapi'. */
export type SpecName = string

/** One failed check: where in the body (property names), the value there, and jsonschema's wording. */
export interface Violation {
  path: string[]
  value: unknown
  message: string
  /** The property a `required` check missed. */
  missing?: string
  /** The property an `additionalProperties: false` (or a field outside the microversion) refused. */
  unexpected?: string
}

const ROOT = new URL('../../', import.meta.url)

function loadDoc(name: SpecName): Schema {
  const built = fileURLToPath(new URL(`dist/specs/${name}.json`, ROOT))
  if (existsSync(built)) return JSON.parse(readFileSync(built, 'utf8')) as Schema
  // Running from the sources without a build: parse the YAML (seconds for Linode's 3.6 MB).
  return parseYamlSync(readFileSync(fileURLToPath(new URL(`specs/${name}.yaml`, ROOT)), 'utf8'))
}

let yamlParse: ((text: string) => unknown) | undefined
function parseYamlSync(text: string): Schema {
  if (!yamlParse) throw new Error('yaml not loaded')
  return yamlParse(text) as Schema
}

function versionKey(v: string): [number, number] {
  const [major, minor] = v.split('.').map(Number)
  return [major, minor ?? 0]
}

function compare(a: string, b: string): number {
  const [am, an] = versionKey(a)
  const [bm, bn] = versionKey(b)
  return am === bm ? an - bn : am - bm
}

function holdsAt(marks: unknown, version: string | undefined): boolean {
  if (version === undefined || !marks || typeof marks !== 'object') return true
  const {'min-ver': min, 'max-ver': max} = marks as Record<string, string | undefined>
  return (min === undefined || compare(version, min) >= 0) && (max === undefined || compare(version, max) <= 0)
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const DROPPED = new Set([
  'x-openstack',
  'description',
  'descripion',
  'summary',
  'readOnly',
  'writeOnly',
  'example',
  'examples',
  'x-linode-cli-display',
  'x-linode-filterable',
  'x-linode-cli-format',
  'x-linode-grant',
  'x-linode-ref-name',
  'x-linode-cli-color',
  'x-linode-redoc-load-ids',
])

/** One parsed spec: its schemas, and the request body schema of each path and method. */
export class Spec {
  private readonly components: Record<string, Schema>
  private templates?: {regex: RegExp; path: string}[]

  constructor(readonly doc: Schema) {
    this.components = ((doc.components as Schema | undefined)?.schemas ?? {}) as Record<string, Schema>
  }

  /** `#/components/schemas/Name`, or any JSON pointer into the document (bundled specs point into paths). */
  resolve(ref: string): Schema {
    if (ref.startsWith('#/components/schemas/')) {
      const schema = this.components[ref.slice('#/components/schemas/'.length)]
      if (!schema) throw new Error(`No schema ${ref} in the spec`)
      return schema
    }
    let at: unknown = this.doc
    for (const token of ref.replace(/^#\//, '').split('/')) {
      const key = decodeURIComponent(token).replaceAll('~1', '/').replaceAll('~0', '~')
      at = isObject(at) || Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined
    }
    if (!isObject(at)) throw new Error(`No schema ${ref} in the spec`)
    return at
  }

  /** The schema as it stands at `version` (all of it when undefined), with every $ref inlined. */
  narrow(schema: unknown, version?: string, seen: string[] = []): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.narrow(s, version, seen))
    if (!isObject(schema)) return schema
    if (typeof schema.$ref === 'string') {
      if (seen.includes(schema.$ref)) return {}
      return this.narrow(this.resolve(schema.$ref), version, [...seen, schema.$ref])
    }
    const marks = schema['x-openstack'] as Schema | undefined
    if (Array.isArray(schema.oneOf) && marks?.discriminator === 'microversion' && version !== undefined) {
      const variants = schema.oneOf.map((v) => (isObject(v) && typeof v.$ref === 'string' ? this.resolve(v.$ref) : v) as Schema)
      const fitting = variants.filter((v) => holdsAt(v['x-openstack'], version))
      if (fitting.length !== 1) throw new Error(`${fitting.length} variants hold at ${version}`)
      return this.narrow(fitting[0], version, seen)
    }
    const out: Schema = {}
    for (const [key, value] of Object.entries(schema)) {
      if (DROPPED.has(key)) continue
      out[key] =
        (key === 'properties' || key === 'patternProperties') && isObject(value)
          ? Object.fromEntries(
              Object.entries(value).map(([name, prop]) => [name, isObject(prop) && !holdsAt(prop['x-openstack'], version) ? false : this.narrow(prop, version, seen)]),
            )
          : this.narrow(value, version, seen)
    }
    if (typeof out.pattern === 'string') out.pattern = jsPattern(out.pattern)
    if (isObject(out.patternProperties)) out.patternProperties = Object.fromEntries(Object.entries(out.patternProperties).map(([k, v]) => [jsPattern(k), v]))
    // Draft-4 leftovers in the generated spec: `exclusiveMinimum: true` next to `minimum`.
    if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
      out.exclusiveMinimum = out.minimum
      delete out.minimum
    }
    // OpenAPI 3.0's `nullable`.
    if (out.nullable === true) {
      delete out.nullable
      if (typeof out.type === 'string') out.type = [out.type, 'null']
      if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null]
    }
    return mergeAllOf(out)
  }

  /** The JSON request body schema (unnarrowed, $refs kept) of a concrete path, e.g. `/v2.1/servers/x/action`. */
  requestSchema(path: string, method: string): {template: string; schema: unknown} | undefined {
    this.templates ??= Object.keys((this.doc.paths ?? {}) as Schema)
      .map((p) => ({
        path: p,
        literal: p.split('/').filter((s) => s !== '' && !s.startsWith('{')).length,
        regex: new RegExp(
          `^${p
            .split('/')
            .map((s) => (s.startsWith('{') ? '[^/]+' : s.replaceAll(/[.*+?^$()|[\]\\]/g, String.raw`\$&`)))
            .join('/')}/?$`,
        ),
      }))
      .sort((a, b) => b.literal - a.literal)
    for (const {regex, path: template} of this.templates) {
      if (!regex.test(path)) continue
      const operation = (this.doc.paths as Record<string, Schema>)[template][method.toLowerCase()] as Schema | undefined
      const content = (operation?.requestBody as Schema | undefined)?.content as Record<string, Schema> | undefined
      const schema = content?.['application/json']?.schema
      return schema === undefined ? undefined : {template, schema}
    }
    return undefined
  }
}

/**
 * Python's regular expressions as JavaScript's unicode mode takes them: Nova's printable-name patterns
 * escape characters that need no escape (`\ `, `\~`), which the `u` flag refuses, and they need that
 * flag for their ranges beyond the BMP.
 */
function jsPattern(pattern: string): string {
  return pattern.replaceAll(/\\([^\w\\^$.*+?()[\]{}|/-])/g, '$1')
}

/** `allOf` of plain object schemas as the one object they describe (each part may close itself). */
function mergeAllOf(schema: Schema): Schema {
  const parts = schema.allOf
  if (!Array.isArray(parts) || !parts.every((p) => isObject(p) && (p.type === undefined || p.type === 'object') && !p.oneOf && !p.anyOf && !p.allOf)) return schema
  const merged: Schema = {type: 'object', properties: {}}
  const required = new Set<string>()
  let closed = false
  for (const part of parts as Schema[]) {
    Object.assign(merged.properties as Schema, part.properties ?? {})
    for (const r of (part.required as string[] | undefined) ?? []) required.add(r)
    if (part.additionalProperties === false) closed = true
  }
  if (closed) merged.additionalProperties = false
  if (required.size > 0) merged.required = [...required]
  const rest = {...schema}
  delete rest.allOf
  return {...rest, ...merged}
}

/** Nova's names: non-empty, no control characters. */
function printable(s: string): boolean {
  return s.length > 0 && [...s].every((c) => c.codePointAt(0)! >= 0x20 && c.codePointAt(0) !== 0x7f)
}

/** Nova's own format checkers (nova/api/validation/validators.py), which the specs name. */
export function addOpenStackFormats(ajv: Ajv2020Type): void {
  ajv.addFormat('name', (s: string) => printable(s) && s.trim() === s)
  ajv.addFormat('name_with_leading_trailing_spaces', (s: string) => printable(s) && s.trim() !== '')
  ajv.addFormat('az_name', (s: string) => printable(s) && s.trim() === s && !s.includes(':'))
  ajv.addFormat('az_name_with_leading_trailing_spaces', (s: string) => printable(s) && !s.includes(':'))
  ajv.addFormat('keypair_name_20', /^[a-zA-Z0-9 _-]+$/)
  ajv.addFormat('keypair_name_292', /^[a-zA-Z0-9 @._-]+$/)
  ajv.addFormat('base64', (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0)
  // oslo's is_uuid_like, which Nova uses: the dashes are optional, as in Keystone's 32-hex ids.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i)
  for (const name of ['password', 'secret', 'xml', 'float', 'cidr', 'ip']) ajv.addFormat(name, true)
}

let ajvPromise: Promise<Ajv2020Type> | undefined

/** ajv, ajv-formats (and yaml for an unbuilt tree) load on the first body checked, not at start. */
async function loadAjv(): Promise<Ajv2020Type> {
  ajvPromise ??= (async () => {
    const [{Ajv2020}, formats, yaml] = await Promise.all([import('ajv/dist/2020.js'), import('ajv-formats'), import('yaml')])
    yamlParse = yaml.parse
    const ajv = new Ajv2020({strict: false, allErrors: false, validateSchema: false, logger: false})
    // ajv-formats is CommonJS: its function is the default export's `default` under Node's ESM loader.
    const module = formats.default as unknown as {default?: (a: Ajv2020Type) => void} & ((a: Ajv2020Type) => void)
    ;(module.default ?? module)(ajv)
    addOpenStackFormats(ajv)
    return ajv
  })()
  return ajvPromise
}

const specs = new Map<SpecName, Spec>()

/** A spec, parsed once per process. */
export async function spec(name: SpecName): Promise<Spec> {
  await loadAjv()
  let loaded = specs.get(name)
  if (!loaded) {
    loaded = new Spec(loadDoc(name))
    specs.set(name, loaded)
  }
  return loaded
}

const compiled = new Map<string, ValidateFunction | null>()

function valueAt(body: unknown, path: string[]): unknown {
  let at = body
  for (const key of path) at = isObject(at) || Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined
  return at
}

function repr(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value)
}

function toViolation(error: ErrorObject, body: unknown): Violation {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
  const value = valueAt(body, path)
  const p = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'required': {
      return {path, value, missing: String(p.missingProperty), message: `'${String(p.missingProperty)}' is a required property`}
    }
    case 'additionalProperties': {
      return {path, value, unexpected: String(p.additionalProperty), message: `Additional properties are not allowed ('${String(p.additionalProperty)}' was unexpected)`}
    }
    case 'false schema': {
      const parent = path.slice(0, -1)
      return {path: parent, value: valueAt(body, parent), unexpected: path.at(-1), message: `Additional properties are not allowed ('${path.at(-1)}' was unexpected)`}
    }
    case 'type': {
      return {
        path,
        value,
        message: `${repr(value)} is not of type ${[p.type]
          .flat()
          .map((t) => `'${String(t)}'`)
          .join(', ')}`,
      }
    }
    case 'enum': {
      return {path, value, message: `${repr(value)} is not one of ${JSON.stringify(p.allowedValues)}`}
    }
    case 'minLength':
    case 'minItems': {
      return {path, value, message: `${repr(value)} is too short`}
    }
    case 'maxLength':
    case 'maxItems': {
      return {path, value, message: `${repr(value)} is too long`}
    }
    case 'pattern': {
      return {path, value, message: `${repr(value)} does not match '${String(p.pattern)}'`}
    }
    case 'format': {
      return {path, value, message: `${repr(value)} is not a '${String(p.format)}'`}
    }
    case 'minimum':
    case 'exclusiveMinimum': {
      return {path, value, message: `${repr(value)} is less than the minimum of ${String(p.limit)}`}
    }
    case 'maximum':
    case 'exclusiveMaximum': {
      return {path, value, message: `${repr(value)} is greater than the maximum of ${String(p.limit)}`}
    }
    default: {
      return {path, value, message: `${repr(value)} ${error.message ?? 'is not valid'}`}
    }
  }
}

/** The most telling error: a concrete check, not the combinator that gave up, the deepest first. */
function pick(errors: ErrorObject[]): ErrorObject {
  const concrete = errors.filter((e) => !['oneOf', 'anyOf', 'allOf', 'if', 'not'].includes(e.keyword))
  const pool = concrete.length > 0 ? concrete : errors
  let best = pool[0]
  for (const e of pool) if (e.instancePath.length > best.instancePath.length) best = e
  return best
}

export interface BodyCheck {
  spec: SpecName
  /** The request's path as the spec spells its paths (`/v2.1/servers/abc/action`, `/{apiVersion}` as `/v4`). */
  path: string
  method: string
  body: unknown
  /** Nova's microversion (`2.x`); variants and fields outside it are refused. */
  version?: string
  /** Chooses one variant of an unmarked `oneOf` (Nova's server actions, by the body's key); undefined skips the check. */
  variant?: (variants: {ref: string; schema: Schema}[], body: unknown) => string | undefined
}

/**
 * The first way `body` breaks the spec's request schema for this path and method, or undefined when it
 * conforms (or the spec has no schema there, or one the sandbox cannot narrow: then it checks nothing).
 */
export async function bodyViolation(check: BodyCheck): Promise<Violation | undefined> {
  const doc = await spec(check.spec)
  const ajv = await loadAjv()
  const found = doc.requestSchema(check.path, check.method)
  if (!found) return undefined
  let {schema} = found
  let variantRef = ''
  if (isObject(schema) && Array.isArray(schema.oneOf) && (schema['x-openstack'] as Schema | undefined)?.discriminator !== 'microversion') {
    if (!check.variant) return undefined
    // An inline variant is named by its place in the oneOf: "#0", "#1".
    const variants = (schema.oneOf as Schema[]).map((v, i) => ({ref: typeof v.$ref === 'string' ? v.$ref : `#${i}`, schema: typeof v.$ref === 'string' ? doc.resolve(v.$ref) : v}))
    const chosen = check.variant(variants, check.body)
    if (chosen === undefined) return undefined
    variantRef = chosen
    schema = variants.find((v) => v.ref === chosen)?.schema ?? {$ref: chosen}
  }
  const key = `${check.spec} ${check.method} ${found.template} ${check.version ?? ''} ${variantRef}`
  let validate = compiled.get(key)
  if (validate === undefined) {
    try {
      validate = ajv.compile(doc.narrow(schema, check.version) as Schema)
    } catch {
      validate = null
    }
    compiled.set(key, validate)
  }
  if (!validate || validate(check.body)) return undefined
  return toViolation(pick(validate.errors ?? []), check.body)
}
