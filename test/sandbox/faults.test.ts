import {DescribeImagesCommand, DescribeInstancesCommand, EC2ServiceException, RunInstancesCommand} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SANDBOX_CLOUDS} from '../../src/sandbox/clouds.js'
import {FaultSyntaxError, parseFaults} from '../../src/sandbox/faults.js'
import {ec2Client, http, keystoneToken, linodeHeaders, ManualClock, newKeyPair, openSandbox, type TestSandbox, waitUntil} from './helpers.js'

/** The same value for every emulated cloud. */
function every(value: number): Record<string, number> {
  return Object.fromEntries(SANDBOX_CLOUDS.map((cloud) => [cloud, value]))
}

describe('fault grammar', () => {
  it('parses throttle, latency and fail, for all APIs or named ones', () => {
    const faults = parseFaults(['throttle=0.2', 'throttle=linode:0.5', 'latency=200ms', 'latency=ec2:1.5s', 'fail=openstack,rackspace'])
    expect(faults.throttle).toEqual({...every(0.2), linode: 0.5})
    expect(faults.latencyMs).toEqual({...every(200), ec2: 1500})
    expect([...faults.fail].sort()).toEqual(['openstack', 'rackspace'])
  })

  it('rejects what it does not understand, naming the fault', () => {
    expect(() => parseFaults(['throttle=2'])).toThrow(FaultSyntaxError)
    expect(() => parseFaults(['latency=fast'])).toThrow(/Bad duration/)
    expect(() => parseFaults(['fail=gcp'])).toThrow(/Unknown API "gcp"/)
    expect(() => parseFaults(['explode=1'])).toThrow(/Unknown fault "explode"/)
    expect(() => parseFaults(['throttle'])).toThrow(/expected name=value/)
    expect(() => parseFaults(['hold=reboot'])).toThrow(/use hold=boot, hold=create, or either with :CLOUD/)
    expect(() => parseFaults(['hold=constructor'])).toThrow(FaultSyntaxError)
    expect(() => parseFaults(['hold=boot:gcp'])).toThrow(/Unknown API "gcp"/)
  })

  it('parses hold=boot and hold=create for every API or the named ones', () => {
    expect([...parseFaults(['hold=boot']).holdBoot].sort()).toEqual([...SANDBOX_CLOUDS].sort())
    expect([...parseFaults(['hold=boot:linode']).holdBoot]).toEqual(['linode'])
    expect(parseFaults(['fail=linode']).holdBoot.size).toBe(0)
    const create = parseFaults(['hold=create:linode,ec2'])
    expect([...create.holdCreate].sort()).toEqual(['ec2', 'linode'])
    expect(create.holdBoot.size).toBe(0)
    expect([...parseFaults(['hold=create']).holdCreate].sort()).toEqual([...SANDBOX_CLOUDS].sort())
  })

  it('parses fail=CLOUD/REGION as one region of that cloud, beside whole clouds', () => {
    const faults = parseFaults(['fail=rackspace/SYD,openstack/RegionTwo,linode'])
    expect([...faults.fail]).toEqual(['linode'])
    expect(Object.fromEntries(Object.entries(faults.failRegions).map(([cloud, regions]) => [cloud, [...regions]]))).toEqual({rackspace: ['syd'], openstack: ['regiontwo']})
    expect(() => parseFaults(['fail=rackspace/'])).toThrow(/fail=CLOUD\/REGION/)
  })
})

describe("injected faults answer with each API's own errors", () => {
  let box: TestSandbox

  beforeAll(async () => {
    box = await openSandbox({ssh: false})
  })

  afterAll(async () => {
    await box?.close()
  })

  it('throttle=1: EC2 RequestLimitExceeded 503, Nova 429 overLimit with Retry-After, Linode 429; Keystone still answers', async () => {
    const {token, nova} = await keystoneToken(box.handle)
    box.handle.setFaults(['throttle=1'])
    try {
      const ec2 = ec2Client(box.handle)
      const error = await ec2.send(new DescribeInstancesCommand({})).catch((error_: unknown) => error_)
      expect(error).toBeInstanceOf(EC2ServiceException)
      expect((error as EC2ServiceException).name).toBe('RequestLimitExceeded')
      expect((error as EC2ServiceException).$metadata.httpStatusCode).toBe(503)
      ec2.destroy()

      const novaRes = await http(`${nova()}/servers`, {headers: {'x-auth-token': token}})
      expect(novaRes.status).toBe(429)
      expect(novaRes.headers.get('retry-after')).toBe('1')
      expect(novaRes.body.overLimit).toMatchObject({code: 429, retryAfter: '1'})

      const linode = await http(`${box.handle.endpoints.linode}/v4/linode/instances`, {headers: linodeHeaders(box.handle)})
      expect(linode.status).toBe(429)
      expect(linode.body).toEqual({errors: [{reason: 'Too many requests'}]})

      expect((await keystoneToken(box.handle)).token).toBeTruthy()
    } finally {
      box.handle.setFaults([])
    }
  })

  it('throttle=0.5 throttles about half the requests', async () => {
    box.handle.setFaults(['throttle=linode:0.5'])
    try {
      const statuses = await Promise.all(Array.from({length: 200}, () => http(`${box.handle.endpoints.linode}/v4/regions`).then((r) => r.status)))
      const throttled = statuses.filter((s) => s === 429).length
      expect(throttled).toBeGreaterThan(60)
      expect(throttled).toBeLessThan(140)
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true)
    } finally {
      box.handle.setFaults([])
    }
  })

  it('fail=linode: Linode answers 500 while the other APIs work', async () => {
    box.handle.setFaults(['fail=linode'])
    try {
      const down = await http(`${box.handle.endpoints.linode}/v4/linode/instances`, {headers: linodeHeaders(box.handle)})
      expect(down.status).toBe(500)
      expect(down.body.errors[0].reason).toMatch(/unexpected error/)
      const ec2 = ec2Client(box.handle)
      expect((await ec2.send(new DescribeInstancesCommand({}))).Reservations).toEqual([])
      ec2.destroy()
    } finally {
      box.handle.setFaults([])
    }
    box.handle.setFaults(['fail=ec2,openstack'])
    try {
      const ec2 = ec2Client(box.handle)
      const error = (await ec2.send(new DescribeInstancesCommand({})).catch((error_: unknown) => error_)) as EC2ServiceException
      expect(error.name).toBe('Unavailable')
      expect(error.$metadata.httpStatusCode).toBe(503)
      ec2.destroy()
      const keystone = await http(`${box.handle.endpoints.openstack}/auth/tokens`, {method: 'POST', json: {}})
      expect(keystone.status).toBe(503)
    } finally {
      box.handle.setFaults([])
    }
  })

  it('latency=150ms delays every answer', async () => {
    box.handle.setFaults(['latency=linode:150ms'])
    try {
      const started = performance.now()
      expect((await http(`${box.handle.endpoints.linode}/v4/regions`)).status).toBe(200)
      expect(performance.now() - started).toBeGreaterThanOrEqual(145)
      const fast = performance.now()
      await http(`${box.handle.endpoints.openstack.replace(/\/v3$/, '')}`)
      expect(performance.now() - fast).toBeLessThan(140)
    } finally {
      box.handle.setFaults([])
    }
  })

  it('faults given at start apply from the first request', async () => {
    const failing = await openSandbox({ssh: false, faults: ['fail=rackspace']})
    try {
      const res = await http(`${failing.handle.endpoints.rackspace}/v2.0/tokens`, {method: 'POST', json: {}})
      expect(res.status).toBe(503)
      expect(res.body.serviceUnavailable.code).toBe(503)
    } finally {
      await failing.close()
    }
  })
})

describe('hold=boot keeps nodes booting until the test lets go', () => {
  it('a held Linode stays booting past its boot delay; released, it runs at once; EC2 was never held', async () => {
    const clock = new ManualClock()
    const box = await openSandbox({bootDelayMs: 200, faults: ['hold=boot:linode'], clock})
    try {
      const api = `${box.handle.endpoints.linode}/v4`
      const key = newKeyPair()
      const created = await http(`${api}/linode/instances`, {
        method: 'POST',
        headers: linodeHeaders(box.handle),
        json: {region: 'us-west', type: 'g6-nanode-1', image: 'linode/debian12', label: 'held-1', root_pass: 'c0rrect-Horse-battery', authorized_keys: [key.publicKey]},
      })
      expect(created.status).toBe(200)
      const ec2 = ec2Client(box.handle)
      const images = await ec2.send(new DescribeImagesCommand({Owners: ['amazon']}))
      const run = await ec2.send(new RunInstancesCommand({ImageId: images.Images![0].ImageId!, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1}))
      const instanceId = run.Instances![0].InstanceId!

      // Ten boot delays later the Linode is still where the hold keeps it.
      clock.advance(2000)
      const linode = () => http(`${api}/linode/instances/${created.body.id}`, {headers: linodeHeaders(box.handle)})
      expect((await linode()).body.status).not.toBe('running')
      const ec2State = await ec2.send(new DescribeInstancesCommand({InstanceIds: [instanceId]}))
      expect(ec2State.Reservations![0].Instances![0].State!.Name).toBe('running')

      box.handle.setFaults([])
      expect((await linode()).body.status).toBe('running')
      ec2.destroy()
    } finally {
      await box.close()
    }
  })
})

function linodeCreate(box: TestSandbox, label: string) {
  return http(`${box.handle.endpoints.linode}/v4/linode/instances`, {
    method: 'POST',
    headers: linodeHeaders(box.handle),
    json: {region: 'us-west', type: 'g6-nanode-1', image: 'linode/debian12', label, root_pass: 'c0rrect-Horse-battery', authorized_keys: [newKeyPair().publicKey]},
  })
}

async function linodes(box: TestSandbox): Promise<{id: number; label: string}[]> {
  return (await http(`${box.handle.endpoints.linode}/v4/linode/instances`, {headers: linodeHeaders(box.handle)})).body.data
}

describe('hold=create keeps the answer to a create back until the test lets go', () => {
  it('the node exists while its create is unanswered; lifting the hold sends the answer; other requests and clouds go on', async () => {
    const box = await openSandbox({ssh: false, faults: ['hold=create:linode']})
    try {
      let answered = false
      const create = linodeCreate(box, 'held-create').then((res) => {
        answered = true
        return res
      })
      await waitUntil('the sandbox to hold the Linode create', () => (box.handle.heldCreates().linode === 1 ? true : undefined))
      // The cloud has made the node; the client has heard nothing.
      const listed = await linodes(box)
      expect(listed.map((l) => l.label)).toEqual(['held-create'])
      expect(answered).toBe(false)

      // EC2's creates are not held.
      const ec2 = ec2Client(box.handle)
      const images = await ec2.send(new DescribeImagesCommand({Owners: ['amazon']}))
      const run = await ec2.send(new RunInstancesCommand({ImageId: images.Images![0].ImageId!, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1}))
      expect(run.Instances).toHaveLength(1)
      ec2.destroy()
      expect(box.handle.heldCreates()).toEqual({linode: 1})
      expect(answered).toBe(false)

      box.handle.setFaults([])
      const res = await create
      expect(res.status).toBe(200)
      expect(res.body.id).toBe(listed[0].id)
      expect(box.handle.heldCreates()).toEqual({})
    } finally {
      await box.close()
    }
  })

  it('holds EC2 RunInstances and Nova POST /servers the same way, and stopping the sandbox lets every held answer go', async () => {
    const box = await openSandbox({ssh: false, faults: ['hold=create:ec2,openstack']})
    const ec2 = ec2Client(box.handle)
    try {
      const images = await ec2.send(new DescribeImagesCommand({Owners: ['amazon']}))
      const run = ec2.send(new RunInstancesCommand({ImageId: images.Images![0].ImageId!, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1}))
      const {token, nova} = await keystoneToken(box.handle)
      const server = http(`${nova()}/servers`, {
        method: 'POST',
        headers: {'x-auth-token': token},
        json: {server: {name: 'held-nova', imageRef: (await http(`${nova()}/images`, {headers: {'x-auth-token': token}})).body.images[0].id, flavorRef: '2'}},
      })
      await waitUntil('both creates to be held', () => (box.handle.heldCreates().ec2 === 1 && box.handle.heldCreates().openstack === 1 ? true : undefined))
      const described = await ec2.send(new DescribeInstancesCommand({}))
      expect(described.Reservations!.flatMap((r) => r.Instances!)).toHaveLength(1)

      box.handle.setFaults(['hold=create:openstack'])
      expect((await run).Instances).toHaveLength(1)
      expect(box.handle.heldCreates()).toEqual({openstack: 1})

      await box.handle.stop()
      expect((await server).status).toBe(202)
    } finally {
      ec2.destroy()
      await box.close()
    }
  })
})
