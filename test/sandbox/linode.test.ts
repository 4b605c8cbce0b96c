import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {http, linodeHeaders, ManualClock, newKeyPair, openSandbox, type TestSandbox} from './helpers.js'

// provisioning for the first half of the boot delay, then booting (the test's clock steps into each half).
const BOOT_MS = 1000
/** Boots happen when the test moves this clock, not after a sleep (see ManualClock). */
const clock = new ManualClock()

let box: TestSandbox
let api: string

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: BOOT_MS, seedNodes: {linode: 60}, clock})
  api = `${box.handle.endpoints.linode}/v4`
})

afterAll(async () => {
  await box?.close()
})

function post(json: unknown) {
  return http(`${api}/linode/instances`, {method: 'POST', headers: linodeHeaders(box.handle), json})
}

describe('Linode API v4', () => {
  it('creates a Linode: provisioning, booting, running; tags carry the SSH port; 127.0.0.1 public IPv4', async () => {
    const key = newKeyPair()
    const res = await http(`${api}/linode/instances`, {
      method: 'POST',
      headers: linodeHeaders(box.handle),
      json: {
        region: 'us-west',
        type: 'g6-nanode-1',
        image: 'linode/debian12',
        label: 'probe-fremont',
        root_pass: 'c0rrect-Horse-battery',
        authorized_keys: [key.publicKey],
        tags: ['mc-fleet'],
        private_ip: true,
      },
    })
    expect(res.status).toBe(200)
    const linode = res.body
    expect(linode).toMatchObject({label: 'probe-fremont', region: 'us-west', type: 'g6-nanode-1', image: 'linode/debian12', status: 'provisioning', hypervisor: 'kvm'})
    expect(Number.isInteger(linode.id)).toBe(true)
    expect(linode.ipv4[0]).toBe('127.0.0.1')
    expect(linode.ipv4[1]).toMatch(/^192\.168\./)
    expect(linode.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/)
    expect(linode.specs).toEqual({disk: 25_600, memory: 1024, vcpus: 1, gpus: 0, transfer: 1000})
    const portTag = linode.tags.find((t: string) => t.startsWith('mc-ssh-port='))
    expect(Number(portTag.split('=')[1])).toBeGreaterThan(0)
    expect(linode.tags).toContain('mc-fleet')
    clock.advance(BOOT_MS * 0.6)
    expect((await http(`${api}/linode/instances/${linode.id}`, {headers: linodeHeaders(box.handle)})).body.status).toBe('booting')
    clock.advance(BOOT_MS * 0.45)
    expect((await http(`${api}/linode/instances/${linode.id}`, {headers: linodeHeaders(box.handle)})).body.status).toBe('running')

    expect((await http(`${api}/linode/instances/${linode.id}/reboot`, {method: 'POST', headers: linodeHeaders(box.handle)})).body).toEqual({})
    expect((await http(`${api}/linode/instances/${linode.id}`, {headers: linodeHeaders(box.handle)})).body.status).toBe('rebooting')
    const busy = await http(`${api}/linode/instances/${linode.id}/shutdown`, {method: 'POST', headers: linodeHeaders(box.handle)})
    expect(busy.status).toBe(400)
    expect(busy.body).toEqual({errors: [{reason: 'Linode busy.'}]})
    clock.advance(BOOT_MS + 50)
    const renamed = await http(`${api}/linode/instances/${linode.id}`, {
      method: 'PUT',
      headers: linodeHeaders(box.handle),
      json: {label: 'probe-renamed', tags: [...linode.tags, 'extra-tag']},
    })
    expect(renamed.body.label).toBe('probe-renamed')
    expect(renamed.body.tags).toContain('extra-tag')

    expect((await http(`${api}/linode/instances/${linode.id}`, {method: 'DELETE', headers: linodeHeaders(box.handle)})).body).toEqual({})
    const gone = await http(`${api}/linode/instances/${linode.id}`, {headers: linodeHeaders(box.handle)})
    expect(gone.status).toBe(404)
    expect(gone.body).toEqual({errors: [{reason: 'Not found'}]})
  })

  it('validates creates with field errors', async () => {
    expect((await post({type: 'g6-nanode-1'})).body).toEqual({errors: [{reason: 'region is required', field: 'region'}]})
    expect((await post({region: 'mars-1', type: 'g6-nanode-1'})).body.errors[0].field).toBe('region')
    expect((await post({region: 'us-east', type: 'g6-nanode-1', image: 'linode/debian12'})).body.errors[0].field).toBe('root_pass')
    expect((await post({region: 'us-east', type: 'g6-nanode-1', image: 'linode/debian12', root_pass: 'aaaaaaaaaa'})).body.errors[0].reason).toBe(
      'Password does not meet strength requirement.',
    )
    expect((await post({region: 'us-east', type: 'g6-nanode-1', label: '-bad-'})).body.errors[0].field).toBe('label')
    const first = await post({region: 'us-east', type: 'g6-nanode-1', label: 'twin'})
    expect(first.status).toBe(200)
    expect(first.body.status).toBe('provisioning')
    const twin = await post({region: 'us-east', type: 'g6-nanode-1', label: 'twin'})
    expect(twin.status).toBe(400)
    expect(twin.body.errors[0]).toEqual({reason: 'Label must be unique among your linodes', field: 'label'})
  })

  it('pages instances with page, pages, results and page_size (25..500)', async () => {
    const first = await http(`${api}/linode/instances?page_size=25`, {headers: linodeHeaders(box.handle)})
    expect(first.body.page).toBe(1)
    expect(first.body.results).toBeGreaterThanOrEqual(60)
    expect(first.body.pages).toBe(Math.ceil(first.body.results / 25))
    expect(first.body.data).toHaveLength(25)
    const ids = new Set<number>()
    for (let page = 1; page <= first.body.pages; page++) {
      const res = await http(`${api}/linode/instances?page=${page}&page_size=25`, {headers: linodeHeaders(box.handle)})
      for (const l of res.body.data) ids.add(l.id)
    }
    expect(ids.size).toBe(first.body.results)
    const defaults = await http(`${api}/linode/instances`, {headers: linodeHeaders(box.handle)})
    expect(defaults.body.data.length).toBe(Math.min(100, first.body.results))
    const tooSmall = await http(`${api}/linode/instances?page_size=10`, {headers: linodeHeaders(box.handle)})
    expect(tooSmall.status).toBe(400)
    expect(tooSmall.body.errors[0].field).toBe('page_size')
  })

  it('filters with X-Filter, including tag membership and +or', async () => {
    const seeded = await http(`${api}/linode/instances`, {headers: linodeHeaders(box.handle, {'x-filter': JSON.stringify({tags: 'mc-seeded'})})})
    expect(seeded.body.results).toBe(60)
    const two = await http(`${api}/linode/instances`, {
      headers: linodeHeaders(box.handle, {'x-filter': JSON.stringify({'+or': [{label: 'seed-00001'}, {label: 'seed-00002'}]})}),
    })
    expect(two.body.data.map((l: {label: string}) => l.label)).toEqual(['seed-00001', 'seed-00002'])
    const types = await http(`${api}/linode/types`, {headers: {'x-filter': JSON.stringify({class: 'dedicated'})}})
    expect(types.body.data.every((t: {class: string}) => t.class === 'dedicated')).toBe(true)
  })

  it('serves types with prices, regions and images (Debian 12, Ubuntu 24.04) without a token', async () => {
    const types = await http(`${api}/linode/types`)
    expect(types.status).toBe(200)
    expect(types.body.data.find((t: {id: string}) => t.id === 'g6-nanode-1')).toMatchObject({vcpus: 1, memory: 1024, price: {hourly: 0.0075, monthly: 5}})
    const regions = await http(`${api}/regions`)
    expect(regions.body.data.map((r: {id: string}) => r.id)).toEqual(expect.arrayContaining(['us-east', 'us-west', 'eu-west', 'ap-south']))
    const image = await http(`${api}/images/linode/ubuntu24.04`)
    expect(image.body).toMatchObject({id: 'linode/ubuntu24.04', label: 'Ubuntu 24.04 LTS', is_public: true, status: 'available', tags: ['mc-probe-ready=true']})
    expect((await http(`${api}/images/linode/debian12`)).body.vendor).toBe('Debian')
    expect((await http(`${api}/images/linode/nothing`)).status).toBe(404)
  })

  it('answers a bad or missing token with 401 Invalid Token', async () => {
    const bad = await http(`${api}/linode/instances`, {headers: {authorization: 'Bearer not-a-token'}})
    expect(bad.status).toBe(401)
    expect(bad.body).toEqual({errors: [{reason: 'Invalid Token'}]})
    expect((await http(`${api}/linode/instances`)).status).toBe(401)
    expect((await http(`${api}/regions`, {headers: {authorization: 'Bearer not-a-token'}})).status).toBe(401)
  })

  it('manages profile SSH keys and answers the profile', async () => {
    const key = newKeyPair()
    const added = await http(`${api}/profile/sshkeys`, {method: 'POST', headers: linodeHeaders(box.handle), json: {label: 'mc', ssh_key: key.publicKey}})
    expect(added.status).toBe(200)
    expect(added.body).toMatchObject({label: 'mc', ssh_key: key.publicKey})
    const list = await http(`${api}/profile/sshkeys`, {headers: linodeHeaders(box.handle)})
    expect(list.body.data.map((k: {id: number}) => k.id)).toContain(added.body.id)
    const bad = await http(`${api}/profile/sshkeys`, {method: 'POST', headers: linodeHeaders(box.handle), json: {label: 'x', ssh_key: 'not a key'}})
    expect(bad.status).toBe(400)
    expect(bad.body.errors[0].field).toBe('ssh_key')
    const profile = await http(`${api}/profile`, {headers: linodeHeaders(box.handle)})
    expect(profile.body.username).toBe('sandbox')
    expect((await http(`${api}/profile/sshkeys/${added.body.id}`, {method: 'DELETE', headers: linodeHeaders(box.handle)})).body).toEqual({})
  })
})
