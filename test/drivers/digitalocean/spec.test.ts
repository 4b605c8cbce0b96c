import {Ajv2020, type ValidateFunction} from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateEd25519KeyPair} from '../../../src/sandbox/keys.js'
import {spec} from '../../../src/sandbox/specs.js'
import {openSandbox, type TestSandbox} from '../../sandbox/helpers.js'

/**
 * The sandbox's DigitalOcean emulator against DigitalOcean's OpenAPI description (specs/digitalocean-public.v2.yaml):
 * it refuses request bodies the description refuses (so every request the driver sends in the lifecycle
 * contract was checked), and its answers fit the description's response schemas.
 */

type Schema = Record<string, unknown>
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default

let box: TestSandbox
let ajv: Ajv2020

beforeAll(async () => {
  box = await openSandbox({ssh: false})
  ajv = new Ajv2020({strict: false, allErrors: true})
  addFormats(ajv)
})

afterAll(async () => {
  await box?.close()
})

async function call(method: string, path: string, body?: unknown): Promise<{status: number; json: unknown; headers: Headers}> {
  const res = await fetch(`${box.handle.endpoints.digitalocean}${path}`, {
    method,
    headers: {authorization: `Bearer ${box.handle.credentials.digitalocean.token}`, ...(body === undefined ? {} : {'content-type': 'application/json'})},
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return {status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers}
}

const validators = new Map<string, ValidateFunction>()

/** The response schema of an operation in the description, narrowed (refs inlined, nullable as null) and compiled. */
async function responseValidator(template: string, method: string, status: number): Promise<ValidateFunction> {
  const key = `${method} ${template} ${status}`
  let validate = validators.get(key)
  if (!validate) {
    const doc = await spec('digitalocean-public.v2')
    const operation = (doc.doc.paths as Record<string, Schema>)[template][method.toLowerCase()] as Schema
    const response = (operation.responses as Record<string, Schema>)[String(status)]
    expect(response, `${key} is described`).toBeDefined()
    const schema = ((response.content as Record<string, Schema> | undefined)?.['application/json']?.schema ?? {}) as Schema
    validate = ajv.compile(doc.narrow(schema) as Schema)
    validators.set(key, validate)
  }
  return validate
}

async function expectFits(template: string, method: string, answer: {status: number; json: unknown}): Promise<void> {
  const validate = await responseValidator(template, method, answer.status)
  expect(validate(answer.json), `${method} ${template} ${answer.status}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true)
}

describe('digitalocean emulator and the OpenAPI description', () => {
  it('refuses a Droplet create body the description refuses, naming the field', async () => {
    const wrongType = await call('POST', '/v2/droplets', {name: 'bad-size', size: 5, image: 'debian-12-x64'})
    expect(wrongType.status).toBe(422)
    expect(wrongType.json).toMatchObject({id: 'unprocessable_entity', message: expect.stringContaining('size')})
    const missing = await call('POST', '/v2/droplets', {name: 'no-image', size: 's-1vcpu-1gb'})
    expect(missing.status).toBe(422)
    expect(missing.json).toMatchObject({message: expect.stringContaining('image')})
    const badRule = await call('POST', '/v2/firewalls', {name: 'fw', inbound_rules: [{protocol: 'sctp', ports: '22', sources: {}}]})
    expect(badRule.status).toBe(422)
  })

  it('answers the requests mc sends with bodies that fit the response schemas, and RateLimit headers', async () => {
    const key = await generateEd25519KeyPair('mc@spec')
    const created = await call('POST', '/v2/account/keys', {name: 'spec-key', public_key: key.publicKey})
    expect(created.status).toBe(201)
    await expectFits('/v2/account/keys', 'POST', created)
    const keyId = (created.json as {ssh_key: {id: number}}).ssh_key.id

    const firewall = await call('POST', '/v2/firewalls', {
      name: 'mc-probes-ssh-icmp',
      inbound_rules: [
        {protocol: 'tcp', ports: '22', sources: {addresses: ['0.0.0.0/0', '::/0']}},
        {protocol: 'icmp', ports: '0', sources: {addresses: ['0.0.0.0/0']}},
      ],
      outbound_rules: [{protocol: 'tcp', ports: 'all', destinations: {addresses: ['0.0.0.0/0']}}],
    })
    expect(firewall.status).toBe(202)
    await expectFits('/v2/firewalls', 'POST', firewall)

    const droplet = await call('POST', '/v2/droplets', {
      name: 'spec-node',
      region: 'nyc3',
      size: 's-1vcpu-1gb',
      image: 'debian-12-x64',
      ssh_keys: [keyId],
      tags: ['mc-fleet:spec'],
      user_data: '#!/bin/sh\n',
      ipv6: true,
    })
    expect(droplet.status).toBe(202)
    expect(droplet.headers.get('ratelimit-limit')).toBe('5000')
    expect(Number(droplet.headers.get('ratelimit-remaining'))).toBeLessThan(5000)
    await expectFits('/v2/droplets', 'POST', droplet)
    const {id} = (droplet.json as {droplet: {id: number}}).droplet

    const attach = await call('POST', `/v2/firewalls/${(firewall.json as {firewall: {id: string}}).firewall.id}/droplets`, {droplet_ids: [id]})
    expect(attach.status).toBe(204)

    await expectFits('/v2/droplets', 'GET', await call('GET', '/v2/droplets?per_page=200'))
    await expectFits('/v2/droplets/{droplet_id}', 'GET', await call('GET', `/v2/droplets/${id}`))
    await expectFits('/v2/sizes', 'GET', await call('GET', '/v2/sizes?per_page=200'))
    await expectFits('/v2/regions', 'GET', await call('GET', '/v2/regions?per_page=200'))
    await expectFits('/v2/images', 'GET', await call('GET', '/v2/images?per_page=200'))
    await expectFits('/v2/account/keys', 'GET', await call('GET', '/v2/account/keys?per_page=200'))
    await expectFits('/v2/firewalls', 'GET', await call('GET', '/v2/firewalls?per_page=200'))
    // The check can fail: a Droplet whose id is not a number does not fit.
    const broken = structuredClone(droplet.json) as {droplet: Record<string, unknown>}
    broken.droplet.id = 'not-a-number'
    expect((await responseValidator('/v2/droplets/{droplet_id}', 'GET', 200))(broken)).toBe(false)
    const missing = await call('GET', '/v2/droplets/1')
    expect(missing.status).toBe(404)
    await expectFits('/v2/droplets/{droplet_id}', 'GET', missing)
  })

  it('pages with links.pages and meta.total', async () => {
    const first = await call('GET', '/v2/sizes?per_page=3')
    const body = first.json as {sizes: unknown[]; links: {pages: Record<string, string>}; meta: {total: number}}
    expect(body.sizes).toHaveLength(3)
    expect(body.meta.total).toBeGreaterThan(3)
    expect(body.links.pages.next).toBe('https://api.digitalocean.com/v2/sizes?per_page=3&page=2')
    const last = await call('GET', new URL(body.links.pages.last).pathname + new URL(body.links.pages.last).search)
    expect((last.json as {links: {pages: Record<string, string>}}).links.pages.next).toBeUndefined()
  })
})
