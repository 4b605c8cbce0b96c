import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Ajv2020, type ErrorObject, type ValidateFunction} from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import {parse as parseYaml} from 'yaml'

/**
 * Nova 2.1 and Keystone v3 body schemas from the OpenStack OpenAPI specs (test/specs/openstack-*), for
 * ajv. The specs describe every microversion at once: a body is a `oneOf` over variants marked
 * `x-openstack: {min-ver, max-ver}`, and single fields carry such marks too. `narrow` keeps what holds at
 * 2.1: the variant whose range contains 2.1, and fields introduced later (or retired earlier) become
 * forbidden, so a body that uses them fails.
 */

type Schema = Record<string, unknown>

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const MICROVERSION = '2.1'

function specPath(name: string): string {
  return fileURLToPath(new URL(`../../specs/${name}`, import.meta.url))
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

function holdsAt(marks: unknown, version: string): boolean {
  if (!marks || typeof marks !== 'object') return true
  const {'min-ver': min, 'max-ver': max} = marks as Record<string, string | undefined>
  return (min === undefined || compare(version, min) >= 0) && (max === undefined || compare(version, max) <= 0)
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

class Spec {
  private readonly components: Record<string, Schema>
  constructor(readonly doc: Schema) {
    this.components = ((doc.components as Schema).schemas ?? {}) as Record<string, Schema>
  }

  resolve(ref: string): Schema {
    const name = ref.replace('#/components/schemas/', '')
    const schema = this.components[name]
    if (!schema) throw new Error(`No schema ${ref} in the spec`)
    return schema
  }

  /** The schema as it stands at `version`, with every $ref inlined. */
  narrow(schema: unknown, version: string, seen: string[] = []): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.narrow(s, version, seen))
    if (!isObject(schema)) return schema
    if (typeof schema.$ref === 'string') {
      if (seen.includes(schema.$ref)) throw new Error(`Recursive schema ${schema.$ref}`)
      return this.narrow(this.resolve(schema.$ref), version, [...seen, schema.$ref])
    }
    const marks = schema['x-openstack'] as Schema | undefined
    if (Array.isArray(schema.oneOf) && marks?.discriminator === 'microversion') {
      const variants = schema.oneOf.map((v) => (isObject(v) && typeof v.$ref === 'string' ? this.resolve(v.$ref) : v) as Schema)
      const fitting = variants.filter((v) => holdsAt(v['x-openstack'], version))
      if (fitting.length !== 1) throw new Error(`${fitting.length} variants hold at ${version}`)
      return this.narrow(fitting[0], version, seen)
    }
    const out: Schema = {}
    for (const [key, value] of Object.entries(schema)) {
      if (key === 'x-openstack' || key === 'description' || key === 'descripion' || key === 'summary' || key === 'readOnly') continue
      out[key] = (key === 'properties' || key === 'patternProperties') && isObject(value) ? Object.fromEntries(
          Object.entries(value).map(([name, prop]) => [name, isObject(prop) && !holdsAt(prop['x-openstack'], version) ? false : this.narrow(prop, version, seen)]),
        ) : this.narrow(value, version, seen);
    }
    // Draft-4 leftovers in the generated spec: `exclusiveMinimum: true` next to `minimum`.
    if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
      out.exclusiveMinimum = out.minimum
      delete out.minimum
    }
    return out
  }
}

let compute: Spec | undefined
let identity: Spec | undefined

function computeSpec(): Spec {
  compute ??= new Spec(parseYaml(readFileSync(specPath('openstack-compute-v2.96.yaml'), 'utf8')) as Schema)
  return compute
}

function identitySpec(): Spec {
  identity ??= new Spec(parseYaml(readFileSync(specPath('openstack-identity-v3.14.yaml'), 'utf8')) as Schema)
  return identity
}

/** Nova's names: non-empty, no control characters. */
function printable(s: string): boolean {
  return s.length > 0 && [...s].every((c) => c.codePointAt(0)! >= 0x20 && c.codePointAt(0) !== 0x7F)
}

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({strict: false, allErrors: true})
  addFormats(ajv)
  // Nova's own format checkers (nova/api/validation/validators.py), which the spec names.
  ajv.addFormat('name', (s: string) => printable(s) && s.trim() === s)
  ajv.addFormat('name_with_leading_trailing_spaces', (s: string) => printable(s) && s.trim() !== '')
  ajv.addFormat('az_name', (s: string) => printable(s) && s.trim() === s && !s.includes(':'))
  ajv.addFormat('az_name_with_leading_trailing_spaces', (s: string) => printable(s) && !s.includes(':'))
  ajv.addFormat('keypair_name_20', /^[a-zA-Z0-9 _-]+$/)
  ajv.addFormat('keypair_name_292', /^[a-zA-Z0-9 @._-]+$/)
  ajv.addFormat('base64', (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0)
  // oslo's is_uuid_like, which Nova uses: the dashes are optional, as in Keystone's 32-hex ids.
  ajv.addFormat('uuid', /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i)
  for (const name of ['password', 'secret', 'xml', 'float']) ajv.addFormat(name, true)
  return ajv
}

const ajv = makeAjv()
const cache = new Map<string, ValidateFunction>()

function compiled(key: string, make: () => unknown): ValidateFunction {
  let fn = cache.get(key)
  if (!fn) {
    fn = ajv.compile(make() as Schema)
    cache.set(key, fn)
  }
  return fn
}

/** A Nova component schema (`ServersCreateRequest`, `ServerShowResponse`, ...) at 2.1 or another microversion. */
export function novaSchema(name: string, version = MICROVERSION): unknown {
  const spec = computeSpec()
  return spec.narrow({$ref: `#/components/schemas/${name}`}, version)
}

/** The newest microversion the compute spec describes (its `info.version`). */
export function novaSpecMaxVersion(): string {
  return String((computeSpec().doc.info as Schema).version)
}

/**
 * `ServersCreateResponse` is a `oneOf` without a microversion mark: `{server}` normally, `{reservation_id}`
 * only when the request asked for `return_reservation_id`. Both variants are open objects, so ajv's oneOf
 * would reject every body that matches both; the normal variant is the one meant here.
 */
const UNMARKED_ONE_OF: Record<string, number> = {ServersCreateResponse: 0}

function novaValidator(name: string, version: string): ValidateFunction {
  return compiled(`nova:${name}@${version}`, () => {
    const schema = novaSchema(name, version) as Schema
    const pick = UNMARKED_ONE_OF[name]
    return pick === undefined ? schema : (schema.oneOf as Schema[])[pick]
  })
}

function keystoneValidator(name: string): ValidateFunction {
  return compiled(`keystone:${name}`, () => identitySpec().narrow({$ref: `#/components/schemas/${name}`}, '3.14'))
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : ''}`)
}

/** Schema violations of a body (empty when it conforms). */
export function novaViolations(schemaName: string, body: unknown, version = MICROVERSION): string[] {
  const validate = novaValidator(schemaName, version)
  return validate(body) ? [] : describe(validate.errors)
}

export function keystoneViolations(schemaName: string, body: unknown): string[] {
  const validate = keystoneValidator(schemaName)
  return validate(body) ? [] : describe(validate.errors)
}

/** The Nova server action at 2.1 whose `x-openstack.action-name` matches the body's single key. */
export function novaActionViolations(body: unknown): string[] {
  if (!isObject(body) || Object.keys(body).length !== 1) return ['/ an action body has exactly one key']
  const action = Object.keys(body)[0]
  const request = computeSpec().doc as Schema
  const paths = request.paths as Record<string, Record<string, Schema>>
  const content = (paths['/v2.1/servers/{id}/action'].post.requestBody as Schema).content as Record<string, Schema>
  const variants = ((content['application/json'].schema as Schema).oneOf as Schema[]).map((v) => v.$ref as string)
  for (const ref of variants) {
    const schema = computeSpec().resolve(ref)
    const keys = Object.keys((schema.properties as Schema | undefined) ?? {})
    const marked = (schema['x-openstack'] as Schema | undefined)?.['action-name']
    if (marked === action || (keys.length === 1 && keys[0] === action && !marked)) {
      return novaViolations(ref.replace('#/components/schemas/', ''), body)
    }
  }
  return [`/ no 2.1 action schema for "${action}"`]
}
