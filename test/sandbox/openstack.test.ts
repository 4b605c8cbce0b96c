import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {http, keystoneToken, ManualClock, newKeyPair, openSandbox, rackspaceToken, type TestSandbox} from './helpers.js'

// Long enough that a loaded machine still sees BUILD and REBOOT before ACTIVE.
const BOOT_MS = 800
/** Boots happen when the test moves this clock, not after a sleep (see ManualClock). */
const clock = new ManualClock()

let box: TestSandbox

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: BOOT_MS, seedNodes: {openstack: 5}, clock})
})

afterAll(async () => {
  await box?.close()
})

describe('Keystone', () => {
  it('v3 password auth scoped to the project: 201, X-Subject-Token, catalogue with Nova in both regions', async () => {
    const c = box.handle.credentials.openstack
    const res = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {
      method: 'POST',
      json: {
        auth: {
          identity: {methods: ['password'], password: {user: {name: c.username, domain: {name: 'Default'}, password: c.password}}},
          scope: {project: {name: c.projectName, domain: {id: 'default'}}},
        },
      },
    })
    expect(res.status).toBe(201)
    expect(res.headers.get('x-subject-token')).toMatch(/^gAAAAA/)
    const {token} = res.body
    expect(token.methods).toEqual(['password'])
    expect(token.project).toEqual({id: c.projectId, name: c.projectName, domain: {id: 'default', name: 'Default'}})
    expect(Date.parse(token.expires_at)).toBeGreaterThan(Date.now())
    const compute = token.catalog.find((s: {type: string}) => s.type === 'compute')
    expect(compute.name).toBe('nova')
    const regions = new Set(compute.endpoints.map((e: {region: string}) => e.region))
    expect([...regions]).toEqual(['RegionOne', 'RegionTwo'])
    expect(compute.endpoints.map((e: {interface: string}) => e.interface)).toContain('public')
  })

  it('v3 refuses a wrong password with Keystone 401 JSON, and a malformed body with 400', async () => {
    const c = box.handle.credentials.openstack
    const wrong = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {
      method: 'POST',
      json: {auth: {identity: {methods: ['password'], password: {user: {name: c.username, domain: {name: 'Default'}, password: 'nope'}}}}},
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toEqual({error: {code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized'}})
    const malformed = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {method: 'POST', json: {auth: {}}})
    expect(malformed.status).toBe(400)
    expect(malformed.body.error.title).toBe('Bad Request')
  })

  it('v3 application credentials and unscoped tokens; v3 token validation', async () => {
    const c = box.handle.credentials.openstack
    const app = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {
      method: 'POST',
      json: {auth: {identity: {methods: ['application_credential'], application_credential: {id: c.applicationCredentialId, secret: c.applicationCredentialSecret}}}},
    })
    expect(app.status).toBe(201)
    expect(app.body.token.project.id).toBe(c.projectId)
    const unscoped = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {
      method: 'POST',
      json: {auth: {identity: {methods: ['password'], password: {user: {name: c.username, domain: {name: 'Default'}, password: c.password}}}}},
    })
    expect(unscoped.status).toBe(201)
    expect(unscoped.body.token.catalog).toBeUndefined()
    const validated = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {
      headers: {'x-auth-token': app.headers.get('x-subject-token')!, 'x-subject-token': unscoped.headers.get('x-subject-token')!},
    })
    expect(validated.status).toBe(200)
    expect(validated.body.token.user.name).toBe(c.username)
  })

  it('v2.0 passwordCredentials with a tenant, and the version documents', async () => {
    const c = box.handle.credentials.openstack
    const identity = box.handle.endpoints.openstack.replace(/\/v3$/, '')
    const res = await http(`${identity}/v2.0/tokens`, {
      method: 'POST',
      json: {auth: {passwordCredentials: {username: c.username, password: c.password}, tenantName: c.projectName}},
    })
    expect(res.status).toBe(200)
    expect(res.body.access.token.tenant.id).toBe(c.projectId)
    expect(res.body.access.serviceCatalog.find((s: {type: string}) => s.type === 'compute').endpoints[0]).toMatchObject({region: 'RegionOne'})
    const bad = await http(`${identity}/v2.0/tokens`, {method: 'POST', json: {auth: {passwordCredentials: {username: c.username, password: 'x'}}}})
    expect(bad.status).toBe(401)
    const versions = await http(identity)
    expect(versions.status).toBe(300)
    expect(versions.body.versions.values.map((v: {id: string}) => v.id)).toEqual(['v3.14', 'v2.0'])
  })
})

describe('Nova 2.1', () => {
  let token: string
  let nova: string
  let novaTwo: string
  const headers = () => ({'x-auth-token': token})

  beforeAll(async () => {
    const auth = await keystoneToken(box.handle)
    token = auth.token
    nova = auth.nova()
    novaTwo = auth.nova('RegionTwo')
  })

  it('creates a server: 202 with adminPass, BUILD then ACTIVE, SSH port in metadata, addresses with 127.0.0.1', async () => {
    const images = await http(`${nova}/images/detail`, {headers: headers()})
    const debian = images.body.images.find((i: {name: string}) => i.name.startsWith('debian-12'))
    expect(debian.metadata['mc-probe-ready']).toBe('true')
    expect(images.body.images.some((i: {name: string}) => i.name.startsWith('ubuntu-24.04'))).toBe(true)
    const key = newKeyPair()
    const kp = await http(`${nova}/os-keypairs`, {method: 'POST', headers: headers(), json: {keypair: {name: 'probe', public_key: key.publicKey}}})
    expect(kp.status).toBe(200)
    expect(kp.body.keypair.fingerprint).toMatch(/^([0-9a-f]{2}:){15}[0-9a-f]{2}$/)
    const created = await http(`${nova}/servers`, {
      method: 'POST',
      headers: headers(),
      json: {server: {name: 'probe-os-1', imageRef: debian.id, flavorRef: '2', key_name: 'probe', metadata: {role: 'probe'}}},
    })
    expect(created.status).toBe(202)
    expect(created.body.server.adminPass).toMatch(/^.{8,}$/)
    expect(created.headers.get('location')).toBe(`${nova}/servers/${created.body.server.id}`)
    const {id} = created.body.server
    const building = await http(`${nova}/servers/${id}`, {headers: headers()})
    expect(building.body.server.status).toBe('BUILD')
    expect(building.body.server['OS-EXT-STS:vm_state']).toBe('building')
    clock.advance(BOOT_MS + 50)
    const active = (await http(`${nova}/servers/${id}`, {headers: headers()})).body.server
    expect(active.status).toBe('ACTIVE')
    expect(active['OS-EXT-STS:power_state']).toBe(1)
    expect(active.key_name).toBe('probe')
    expect(active.metadata.role).toBe('probe')
    expect(Number(active.metadata['mc-ssh-port'])).toBeGreaterThan(0)
    expect(active.addresses.public[0].addr).toBe('127.0.0.1')
    expect(active.flavor.id).toBe('2')
    expect(active.image.id).toBe(debian.id)
    expect(building.headers.get('openstack-api-version')).toBe('compute 2.1')
    expect(building.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/)

    const reboot = await http(`${nova}/servers/${id}/action`, {method: 'POST', headers: headers(), json: {reboot: {type: 'SOFT'}}})
    expect(reboot.status).toBe(202)
    expect((await http(`${nova}/servers/${id}`, {headers: headers()})).body.server.status).toBe('REBOOT')
    const busy = await http(`${nova}/servers/${id}/action`, {method: 'POST', headers: headers(), json: {'os-stop': null}})
    expect(busy.status).toBe(409)
    expect(busy.body.conflictingRequest.code).toBe(409)
    clock.advance(BOOT_MS + 50)
    await http(`${nova}/servers/${id}/metadata/owner`, {method: 'PUT', headers: headers(), json: {meta: {owner: 'ops'}}})
    expect((await http(`${nova}/servers/${id}/metadata`, {headers: headers()})).body.metadata).toMatchObject({owner: 'ops', role: 'probe'})

    expect((await http(`${nova}/servers/${id}`, {method: 'DELETE', headers: headers()})).status).toBe(204)
    const gone = await http(`${nova}/servers/${id}`, {headers: headers()})
    expect(gone.status).toBe(404)
    expect(gone.body).toEqual({itemNotFound: {code: 404, message: `Instance ${id} could not be found.`}})
  })

  it('validates create requests with Nova 400 bodies', async () => {
    const image = (await http(`${nova}/images`, {headers: headers()})).body.images[0].id
    const noFlavor = await http(`${nova}/servers`, {method: 'POST', headers: headers(), json: {server: {name: 'x', imageRef: image, flavorRef: '999'}}})
    expect(noFlavor.status).toBe(400)
    expect(noFlavor.body.badRequest.message).toBe('Flavor 999 could not be found.')
    const noKey = await http(`${nova}/servers`, {method: 'POST', headers: headers(), json: {server: {name: 'x', imageRef: image, flavorRef: '2', key_name: 'missing'}}})
    expect(noKey.body.badRequest.message).toBe('Invalid key_name provided.')
    const noName = await http(`${nova}/servers`, {method: 'POST', headers: headers(), json: {server: {imageRef: image, flavorRef: '2'}}})
    expect(noName.body.badRequest.message).toContain("'name' is a required property")
  })

  it('pages servers with limit/marker and servers_links, as Nova does', async () => {
    const seen: string[] = []
    let url: string | undefined = `${nova}/servers/detail?limit=2`
    let pages = 0
    while (url) {
      const page = await http(url, {headers: headers()})
      expect(page.status).toBe(200)
      seen.push(...page.body.servers.map((s: {id: string}) => s.id))
      url = page.body.servers_links?.find((l: {rel: string}) => l.rel === 'next')?.href
      pages++
    }
    expect(seen).toHaveLength(5)
    expect(new Set(seen).size).toBe(5)
    // 5 servers in pages of 2: a full third page would have had a link; 2+2+1 ends without one.
    expect(pages).toBe(3)
    const badMarker = await http(`${nova}/servers?marker=00000000-0000-0000-0000-000000000000`, {headers: headers()})
    expect(badMarker.status).toBe(400)
    expect(badMarker.body.badRequest.message).toBe('marker [00000000-0000-0000-0000-000000000000] not found')
    const badLimit = await http(`${nova}/servers?limit=-1`, {headers: headers()})
    expect(badLimit.status).toBe(400)
    expect((await http(`${novaTwo}/servers`, {headers: headers()})).body.servers).toEqual([])
  })

  it('refuses missing or unknown tokens with 401 and a Keystone challenge; microversions beyond 2.96 with 406', async () => {
    const none = await http(`${nova}/servers`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toMatch(/^Keystone uri=/)
    expect((await http(`${nova}/servers`, {headers: {'x-auth-token': 'bogus'}})).status).toBe(401)
    const newer = await http(`${nova}/servers`, {headers: {...headers(), 'openstack-api-version': 'compute 2.97'}})
    expect(newer.status).toBe(406)
    expect(newer.body.computeFault.message).toBe('Version 2.97 is not supported by the API. Minimum is 2.1 and maximum is 2.96.')
    expect((await http(`${nova}/servers`, {headers: {...headers(), 'x-openstack-nova-api-version': '2.1'}})).status).toBe(200)
  })

  it('lists flavors with sizes and keypairs, and answers 404 for unknown ones', async () => {
    const {flavors} = (await http(`${nova}/flavors/detail`, {headers: headers()})).body
    expect(flavors.find((f: {id: string}) => f.id === '2')).toMatchObject({name: 'm1.small', vcpus: 1, ram: 2048, disk: 20})
    expect((await http(`${nova}/flavors/nope`, {headers: headers()})).status).toBe(404)
    const pairs = (await http(`${nova}/os-keypairs`, {headers: headers()})).body.keypairs
    expect(pairs.map((p: {keypair: {name: string}}) => p.keypair.name)).toContain('probe')
    const missing = await http(`${nova}/os-keypairs/none`, {headers: headers()})
    expect(missing.status).toBe(404)
    expect(missing.body.itemNotFound).toBeDefined()
  })
})

describe('Rackspace Identity and Cloud Servers', () => {
  it('authenticates with an API key; the catalogue has cloudServersOpenStack in every region', async () => {
    const c = box.handle.credentials.rackspace
    const res = await http(`${box.handle.endpoints.rackspace}/v2.0/tokens`, {
      method: 'POST',
      json: {auth: {'RAX-KSKEY:apiKeyCredentials': {username: c.username, apiKey: c.apiKey}}},
    })
    expect(res.status).toBe(200)
    expect(res.body.access.token.tenant.id).toBe(c.tenantId)
    expect(res.body.access.token['RAX-AUTH:authenticatedBy']).toEqual(['APIKEY'])
    expect(res.body.access.user['RAX-AUTH:defaultRegion']).toBe('DFW')
    const servers = res.body.access.serviceCatalog.find((s: {name: string}) => s.name === 'cloudServersOpenStack')
    expect(servers.type).toBe('compute')
    expect(servers.endpoints.map((e: {region: string}) => e.region)).toEqual(['DFW', 'ORD', 'IAD', 'LON', 'SYD', 'HKG'])
    expect(servers.endpoints[0].publicURL).toBe(`${box.handle.endpoints.rackspace}/servers/dfw/v2/${c.tenantId}`)
  })

  it('refuses a wrong API key with Rackspace 401 JSON; passwords work too', async () => {
    const c = box.handle.credentials.rackspace
    const wrong = await http(`${box.handle.endpoints.rackspace}/v2.0/tokens`, {
      method: 'POST',
      json: {auth: {'RAX-KSKEY:apiKeyCredentials': {username: c.username, apiKey: 'nope'}}},
    })
    expect(wrong.status).toBe(401)
    expect(wrong.body).toEqual({unauthorized: {code: 401, message: 'Username or api key is invalid.'}})
    const password = await http(`${box.handle.endpoints.rackspace}/v2.0/tokens`, {
      method: 'POST',
      json: {auth: {passwordCredentials: {username: c.username, password: c.password}}},
    })
    expect(password.status).toBe(200)
  })

  it('creates and deletes a server in ORD; tokens of one cloud do not open the other', async () => {
    const {token, nova} = await rackspaceToken(box.handle)
    const ord = nova('ORD')
    const headers = {'x-auth-token': token}
    const {images} = (await http(`${ord}/images/detail`, {headers})).body
    const ubuntu = images.find((i: {name: string}) => i.name.startsWith('Ubuntu 24.04'))
    const created = await http(`${ord}/servers`, {method: 'POST', headers, json: {server: {name: 'rax-1', imageRef: ubuntu.id, flavorRef: 'general1-1'}}})
    expect(created.status).toBe(202)
    clock.advance(BOOT_MS + 50)
    const {server} = (await http(`${ord}/servers/${created.body.server.id}`, {headers})).body
    expect(server.status).toBe('ACTIVE')
    expect(server.accessIPv4).toBe('127.0.0.1')
    expect(server.addresses.public.map((a: {version: number}) => a.version)).toEqual([4, 6])
    expect((await http(`${nova('DFW')}/servers`, {headers})).body.servers).toEqual([])
    expect((await http(`${ord}/servers/${created.body.server.id}`, {method: 'DELETE', headers})).status).toBe(204)

    const openstackToken = (await keystoneToken(box.handle)).token
    const crossed = await http(`${ord}/servers`, {headers: {'x-auth-token': openstackToken}})
    expect(crossed.status).toBe(401)
    expect(crossed.body.unauthorized.code).toBe(401)
  })
})
