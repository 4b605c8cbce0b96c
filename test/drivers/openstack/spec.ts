import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {Ajv2020, type ErrorObject, type ValidateFunction} from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import {parse as parseYaml} from 'yaml'

import {addOpenStackFormats, Spec} from '../../../src/sandbox/specs.js'

/**
 * Nova 2.1 and Keystone v3 body schemas from the OpenStack OpenAPI specs (specs/openstack-*), for
 * ajv. The specs describe every microversion at once: a body is a `oneOf` over variants marked
 * `x-openstack: {min-ver, max-ver}`, and single fields carry such marks too. `narrow` keeps what holds at
 * 2.1: the variant whose range contains 2.1, and fields introduced later (or retired earlier) become
 * forbidden, so a body that uses them fails.
 */

type Schema = Record<string, unknown>

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default
const MICROVERSION = '2.1'

function specPath(name: string): string {
  return fileURLToPath(new URL(`../../../specs/${name}`, import.meta.url))
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

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({strict: false, allErrors: true})
  addFormats(ajv)
  addOpenStackFormats(ajv)
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
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length !== 1) return ['/ an action body has exactly one key']
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
