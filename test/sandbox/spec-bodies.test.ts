import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {http, keystoneToken, linodeHeaders, newKeyPair, openSandbox, rackspaceToken, type TestSandbox} from './helpers.js'

// The sandbox checks request bodies against the APIs' own specs (specs/ at the package root) and refuses a
// wrong one with the API's real error shape, naming the field.

let box: TestSandbox

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: 50})
})

afterAll(async () => {
  await box?.close()
})

describe('Nova request bodies against openstack-compute-v2.96.yaml', () => {
  let nova: string
  let headers: Record<string, string>
  let serverId: string

  beforeAll(async () => {
    const auth = await keystoneToken(box.handle)
    nova = auth.nova()
    headers = {'x-auth-token': auth.token}
    const images = await http(`${nova}/images`, {headers})
    const flavors = await http(`${nova}/flavors/detail`, {headers})
    const biggest = [...flavors.body.flavors].sort((a: {disk: number}, b: {disk: number}) => b.disk - a.disk)[0]
    const created = await http(`${nova}/servers`, {method: 'POST', headers, json: {server: {name: 'spec-ok', imageRef: images.body.images[0].id, flavorRef: biggest.id}}})
    expect(created.status).toBe(202)
    serverId = created.body.server.id
  })

  it('server create: an unknown field is refused with badRequest naming the object', async () => {
    const res = await http(`${nova}/servers`, {method: 'POST', headers, json: {server: {name: 'x', flavorRef: '1', colour: 'blue'}}})
    expect(res.status).toBe(400)
    expect(res.body).toEqual({
      badRequest: {
        code: 400,
        message: `Invalid input for field/attribute server. Value: {"name":"x","flavorRef":"1","colour":"blue"}. Additional properties are not allowed ('colour' was unexpected)`,
      },
    })
  })

  it('server create: a wrongly typed field is refused naming that field', async () => {
    const res = await http(`${nova}/servers`, {method: 'POST', headers, json: {server: {name: 'x', flavorRef: '1', metadata: {a: 1}}}})
    expect(res.status).toBe(400)
    expect(res.body.badRequest.message).toBe("Invalid input for field/attribute a. Value: 1. 1 is not of type 'string'")
  })

  it('a field newer than the negotiated microversion is refused; at that microversion it is accepted', async () => {
    // `description` on a server arrived in 2.19.
    const old = await http(`${nova}/servers/${serverId}`, {method: 'PUT', headers, json: {server: {description: 'probe'}}})
    expect(old.status).toBe(400)
    expect(old.body.badRequest.message).toContain("('description' was unexpected)")
    const newer = await http(`${nova}/servers/${serverId}`, {method: 'PUT', headers: {...headers, 'openstack-api-version': 'compute 2.19'}, json: {server: {description: 'probe'}}})
    expect(newer.status).toBe(200)
  })

  it('server actions are checked against the schema of their action', async () => {
    const res = await http(`${nova}/servers/${serverId}/action`, {method: 'POST', headers, json: {reboot: {type: 'GENTLE'}}})
    expect(res.status).toBe(400)
    expect(res.body.badRequest.message).toBe(`Invalid input for field/attribute type. Value: "GENTLE". 'GENTLE' is not one of ["HARD","Hard","hard","SOFT","Soft","soft"]`)
  })

  it("a field only a newer microversion's pattern checks (server description at 2.79) is checked there", async () => {
    const res = await http(`${nova}/servers/${serverId}`, {
      method: 'PUT',
      headers: {...headers, 'openstack-api-version': 'compute 2.79'},
      json: {server: {description: 'tab\there'}},
    })
    expect(res.status).toBe(400)
    expect(res.body.badRequest.message).toMatch(/^Invalid input for field\/attribute description\. Value: "tab\\there"\. 'tab\there' does not match /)
  })

  it('keypair create: a name with a character 2.1 does not allow', async () => {
    const res = await http(`${nova}/os-keypairs`, {method: 'POST', headers, json: {keypair: {name: 'a@b', public_key: newKeyPair().publicKey}}})
    expect(res.status).toBe(400)
    expect(res.body.badRequest.message).toMatch(/^Invalid input for field\/attribute name\. Value: "a@b"\. 'a@b' is not a 'keypair_name_20'$/)
    // 2.92 allows '@'.
    const modern = await http(`${nova}/os-keypairs`, {
      method: 'POST',
      headers: {...headers, 'openstack-api-version': 'compute 2.92'},
      json: {keypair: {name: 'a@b', public_key: newKeyPair().publicKey}},
    })
    expect(modern.body.keypair.name).toBe('a@b')
  })

  it('Rackspace Cloud Servers speaks 2.1 and is checked the same way', async () => {
    const auth = await rackspaceToken(box.handle)
    const res = await http(`${auth.nova()}/servers`, {method: 'POST', headers: {'x-auth-token': auth.token}, json: {server: {name: 7, flavorRef: '2'}}})
    expect(res.status).toBe(400)
    expect(res.body.badRequest.message).toBe("Invalid input for field/attribute name. Value: 7. 7 is not of type 'string'")
  })
})

describe('Keystone v3 auth bodies against openstack-identity-v3.14.yaml', () => {
  it("refuses a wrongly typed method list with Keystone's SchemaValidationError", async () => {
    const res = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {method: 'POST', json: {auth: {identity: {methods: 'password'}}}})
    expect(res.status).toBe(400)
    expect(res.body).toEqual({error: {code: 400, title: 'Bad Request', message: "Invalid input for field 'auth/identity/methods': 'password' is not of type 'array'"}})
  })
})

function post(path: string, json: unknown) {
  return http(`${box.handle.endpoints.linode}/v4${path}`, {method: 'POST', headers: linodeHeaders(box.handle), json})
}

describe('Linode request bodies against linode-openapi.yaml', () => {
  it("instance create: an unknown field is refused with Linode's errors list naming it", async () => {
    const res = await post('/linode/instances', {region: 'us-east', type: 'g6-nanode-1', colour: 'blue'})
    expect(res.status).toBe(400)
    expect(res.body).toEqual({errors: [{field: 'colour', reason: "Additional properties are not allowed ('colour' was unexpected)"}]})
  })

  it('instance create: a wrongly typed field is refused naming the field', async () => {
    const res = await post('/linode/instances', {region: 'us-east', type: 'g6-nanode-1', booted: 'yes'})
    expect(res.status).toBe(400)
    expect(res.body).toEqual({errors: [{field: 'booted', reason: "'yes' is not of type 'boolean'"}]})
  })

  it('a nested field is named with dots, as Linode does', async () => {
    const res = await post('/linode/instances', {region: 'us-east', type: 'g6-nanode-1', metadata: {user_data: 5}})
    expect(res.status).toBe(400)
    expect(res.body.errors[0].field).toBe('metadata.user_data')
  })

  it('a missing required field is named', async () => {
    const res = await post('/linode/instances', {region: 'us-east'})
    expect(res.status).toBe(400)
    expect(res.body).toEqual({errors: [{field: 'type', reason: 'type is required'}]})
  })
})
