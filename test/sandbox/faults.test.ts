import {DescribeInstancesCommand, EC2ServiceException} from '@aws-sdk/client-ec2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {FaultSyntaxError, parseFaults} from '../../src/sandbox/faults.js'
import {ec2Client, http, keystoneToken, linodeHeaders, openSandbox, type TestSandbox} from './helpers.js'

describe('fault grammar', () => {
  it('parses throttle, latency and fail, for all APIs or named ones', () => {
    const faults = parseFaults(['throttle=0.2', 'throttle=linode:0.5', 'latency=200ms', 'latency=ec2:1.5s', 'fail=openstack,rackspace'])
    expect(faults.throttle).toEqual({ec2: 0.2, rackspace: 0.2, openstack: 0.2, linode: 0.5})
    expect(faults.latencyMs).toEqual({ec2: 1500, rackspace: 200, openstack: 200, linode: 200})
    expect([...faults.fail].sort()).toEqual(['openstack', 'rackspace'])
  })

  it('rejects what it does not understand, naming the fault', () => {
    expect(() => parseFaults(['throttle=2'])).toThrow(FaultSyntaxError)
    expect(() => parseFaults(['latency=fast'])).toThrow(/Bad duration/)
    expect(() => parseFaults(['fail=gcp'])).toThrow(/Unknown API "gcp"/)
    expect(() => parseFaults(['explode=1'])).toThrow(/Unknown fault "explode"/)
    expect(() => parseFaults(['throttle'])).toThrow(/expected name=value/)
  })
})

describe('injected faults answer with each API\'s own errors', () => {
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
