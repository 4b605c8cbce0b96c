import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import AjvModule from 'ajv'
import addFormatsModule from 'ajv-formats'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {keystoneViolations, novaViolations} from '../drivers/openstack/spec.js'
import {beyondKnownGaps} from './spec-gaps.js'
import {http, keystoneToken, linodeHeaders, ManualClock, newKeyPair, openSandbox, type TestSandbox} from './helpers.js'

// The sandbox's bodies held to the published schemas: Nova 2.1 and Keystone v3 from the OpenStack
// OpenAPI specs (through the OpenStack driver tests' narrowing to 2.1), Linode v4 from Linode's own
// OpenAPI spec, which is authoritative for Linode shapes.

type Schema = Record<string, unknown>
const Ajv = AjvModule as unknown as typeof AjvModule.default
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

const linodeSpec = parseYaml(readFileSync(fileURLToPath(new URL('../../specs/linode-openapi.yaml', import.meta.url)), 'utf8')) as Schema

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** OpenAPI 3.0 to JSON Schema for ajv: $refs inlined, `nullable` as a null type, annotations dropped. */
function toJsonSchema(node: unknown, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, depth))
  if (!isObject(node)) return node
  if (typeof node.$ref === 'string') {
    let target: unknown = linodeSpec
    for (const key of node.$ref.slice(2).split('/')) target = (target as Schema)[key.replaceAll('~1', '/')]
    return depth > 40 ? {} : toJsonSchema(target, depth + 1)
  }
  const out: Schema = {}
  for (const [key, value] of Object.entries(node)) {
    if (key === 'example' || key === 'nullable' || key === 'readOnly' || key === 'writeOnly' || key === 'discriminator' || key.startsWith('x-')) continue
    out[key] = key === 'properties' && isObject(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, depth)])) : toJsonSchema(value, depth)
  }
  if (node.nullable === true) return {anyOf: [out, {type: 'null'}]}
  return out
}

const ajv = new Ajv({strict: false, allErrors: true})
addFormats(ajv)
ajv.addFormat('ssh-key', true)
ajv.addFormat('ipv6/128', true)
ajv.addFormat('ip/netmask', true)
ajv.addFormat('password', true)
// Linode's timestamps have no zone designator ("2018-01-01T00:01:01"), which ajv's date-time rejects.
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)

function linodeViolations(path: string, body: unknown): string[] {
  const operation = ((linodeSpec.paths as Schema)[path] as Schema).get as Schema
  const response = toJsonSchema((operation.responses as Schema)['200']) as Schema
  const schema = ((response.content as Schema)['application/json'] as Schema).schema as Schema
  const validate = ajv.compile(schema)
  return validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`)
}

/** Boots happen when the test moves this clock, not after a sleep (see ManualClock). */
const clock = new ManualClock()

let box: TestSandbox

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: 100, seedNodes: {openstack: 2, linode: 2}, clock})
})

afterAll(async () => {
  await box?.close()
})

describe('Nova 2.1 bodies', () => {
  it('servers, flavors, images and keypairs conform to the Nova 2.1 schemas', async () => {
    const {token, nova} = await keystoneToken(box.handle)
    const headers = {'x-auth-token': token}
    const base = nova()
    await http(`${base}/os-keypairs`, {method: 'POST', headers, json: {keypair: {name: 'schema', public_key: newKeyPair().publicKey}}})
    const images = await http(`${base}/images/detail`, {headers})
    expect(beyondKnownGaps(novaViolations('ImagesDetailResponse', images.body))).toEqual([])
    const created = await http(`${base}/servers`, {
      method: 'POST',
      headers,
      json: {server: {name: 'schema', imageRef: images.body.images[0].id, flavorRef: '3', key_name: 'schema'}},
    })
    expect(beyondKnownGaps(novaViolations('ServersCreateResponse', created.body))).toEqual([])
    const building = await http(`${base}/servers/${created.body.server.id}`, {headers})
    expect(beyondKnownGaps(novaViolations('ServerShowResponse', building.body))).toEqual([])
    clock.advance(150)
    expect(beyondKnownGaps(novaViolations('ServersDetailResponse', (await http(`${base}/servers/detail?limit=2`, {headers})).body))).toEqual([])
    expect(beyondKnownGaps(novaViolations('ServersListResponse', (await http(`${base}/servers`, {headers})).body))).toEqual([])
    expect(beyondKnownGaps(novaViolations('ServerShowResponse', (await http(`${base}/servers/${created.body.server.id}`, {headers})).body))).toEqual([])
    expect(beyondKnownGaps(novaViolations('FlavorsDetailResponse', (await http(`${base}/flavors/detail`, {headers})).body))).toEqual([])
    expect(beyondKnownGaps(novaViolations('Os_KeypairsListResponse', (await http(`${base}/os-keypairs`, {headers})).body))).toEqual([])
    expect(beyondKnownGaps(novaViolations('Os_KeypairShowResponse', (await http(`${base}/os-keypairs/schema`, {headers})).body))).toEqual([])
  })

  it('a Keystone v3 token conforms to the identity schema', async () => {
    const c = box.handle.credentials.openstack
    const res = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {
      method: 'POST',
      json: {
        auth: {
          identity: {methods: ['password'], password: {user: {name: c.username, domain: {name: 'Default'}, password: c.password}}},
          scope: {project: {name: c.projectName, domain: {name: 'Default'}}},
        },
      },
    })
    expect(beyondKnownGaps(keystoneViolations('AuthTokensPostResponse', res.body))).toEqual([])
  })
})

describe('Linode v4 bodies', () => {
  it("instances, types, regions, images and SSH keys conform to Linode's OpenAPI spec", async () => {
    const api = `${box.handle.endpoints.linode}/v4`
    const headers = linodeHeaders(box.handle)
    const created = await http(`${api}/linode/instances`, {
      method: 'POST',
      headers,
      json: {region: 'eu-central', type: 'g6-standard-2', image: 'linode/ubuntu24.04', root_pass: 'c0rrect-Horse-battery', private_ip: true, tags: ['schema-check']},
    })
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/linode/instances/{linodeId}', created.body))).toEqual([])
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/linode/instances', (await http(`${api}/linode/instances`, {headers})).body))).toEqual([])
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/linode/types', (await http(`${api}/linode/types`)).body))).toEqual([])
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/regions', (await http(`${api}/regions`)).body))).toEqual([])
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/images', (await http(`${api}/images`)).body))).toEqual([])
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/images/{imageId}', (await http(`${api}/images/linode/debian12`)).body))).toEqual([])
    await http(`${api}/profile/sshkeys`, {method: 'POST', headers, json: {label: 'schema', ssh_key: newKeyPair().publicKey}})
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/profile/sshkeys', (await http(`${api}/profile/sshkeys`, {headers})).body))).toEqual([])
  })

  it("the account, a Linode's disks and configs, and volumes conform to Linode's OpenAPI spec", async () => {
    const api = `${box.handle.endpoints.linode}/v4`
    const headers = linodeHeaders(box.handle)
    const [linode] = (await http(`${api}/linode/instances`, {headers})).body.data
    const of = `${api}/linode/instances/${linode.id}`
    expect(linodeViolations('/{apiVersion}/account', (await http(`${api}/account`, {headers})).body)).toEqual([])
    const disks = (await http(`${of}/disks`, {headers})).body
    expect(linodeViolations('/{apiVersion}/linode/instances/{linodeId}/disks', disks)).toEqual([])
    expect(disks.data.map((d: {filesystem: string}) => d.filesystem)).toEqual(['ext4', 'swap'])
    expect(disks.data[0].size + disks.data[1].size).toBe(linode.specs.disk)
    expect(linodeViolations('/{apiVersion}/linode/instances/{linodeId}/disks/{diskId}', (await http(`${of}/disks/${disks.data[0].id}`, {headers})).body)).toEqual([])
    const configs = (await http(`${of}/configs`, {headers})).body
    expect(beyondKnownGaps(linodeViolations('/{apiVersion}/linode/instances/{linodeId}/configs', configs))).toEqual([])
    expect(configs.data[0].devices.sda.disk_id).toBe(disks.data[0].id)
    expect(linodeViolations('/{apiVersion}/volumes', (await http(`${api}/volumes`, {headers})).body)).toEqual([])
    expect((await http(`${api}/volumes`, {headers})).body).toEqual({data: [], page: 1, pages: 1, results: 0})
    const missing = await http(`${api}/volumes/12345`, {headers})
    expect(missing.status).toBe(404)
    expect(missing.body).toEqual({errors: [{reason: 'Not found'}]})
    expect((await http(`${of}/disks/1`, {headers})).status).toBe(404)
  })
})
