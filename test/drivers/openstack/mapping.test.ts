import {describe, expect, it} from 'vitest'

import {NODE_STATES} from '../../../src/core/model.js'
import {flavorToSize, imageToImage, keypairToKeyPair, nodeState, serverFault, serverToNode, splitAddresses} from '../../../src/drivers/openstack/mapping.js'
import {fixture} from './fake-cloud.js'

type Json = Record<string, unknown>

describe('Nova status -> NodeState', () => {
  it.each([
    ['ACTIVE', 'running'],
    ['BUILD', 'pending'],
    ['BUILDING', 'pending'],
    ['REBUILD', 'pending'],
    ['REBOOT', 'rebooting'],
    ['HARD_REBOOT', 'rebooting'],
    ['PASSWORD', 'running'],
    ['RESIZE', 'pending'],
    ['VERIFY_RESIZE', 'running'],
    ['REVERT_RESIZE', 'pending'],
    ['MIGRATING', 'running'],
    ['RESCUE', 'pending'],
    ['SHUTOFF', 'stopped'],
    ['SUSPENDED', 'stopped'],
    ['PAUSED', 'stopped'],
    ['SHELVED', 'stopped'],
    ['SHELVED_OFFLOADED', 'stopped'],
    ['STOPPED', 'stopped'],
    ['DELETED', 'terminated'],
    ['SOFT_DELETED', 'terminated'],
    ['ERROR', 'error'],
    ['UNKNOWN', 'unknown'],
    ['active', 'running'],
  ])('%s -> %s', (status, state) => {
    expect(nodeState(status)).toBe(state)
  })

  it('maps a status it has never seen, or none, to unknown without throwing', () => {
    for (const status of ['QUANTUM_TUNNELLING', '', undefined, null, 7, {}]) expect(nodeState(status)).toBe('unknown')
  })

  it('lets a task state that says more win: an ACTIVE server being deleted is stopping', () => {
    expect(nodeState('ACTIVE', 'deleting')).toBe('stopping')
    expect(nodeState('SHUTOFF', 'powering-on')).toBe('starting')
    expect(nodeState('ACTIVE', 'powering-off')).toBe('stopping')
    expect(nodeState('BUILD', 'spawning')).toBe('pending')
    for (const s of ['ACTIVE', 'BUILD', 'X']) expect(NODE_STATES).toContain(nodeState(s, 'deleting'))
  })
})

describe('addresses', () => {
  it("sorts the recorded server's networks into public and private, floating IPs public", () => {
    const [building] = fixture('openstack', '_servers_detail.json').servers as Json[]
    const {publicIps, privateIps} = splitAddresses(building.addresses, [])
    expect(publicIps.sort()).toEqual(['50.57.94.35', '2001:4801:7808:52:16:3eff:fe47:788a', '12.16.18.28', '192.168.3.3', '1.1.1.1', '2.2.2.2', '172.16.1.1'].sort())
    expect(privateIps.sort()).toEqual(['10.182.64.34', 'fec0:4801:7808:52:16:3eff:fe60:187d', '10.3.3.3'].sort())
  })

  it('counts accessIPv4/v6 as public, once', () => {
    const {publicIps, privateIps} = splitAddresses({public: [{version: 4, addr: '203.0.113.5'}]}, ['203.0.113.5', '2001:db8::5', '', 'not-an-ip'])
    expect(publicIps).toEqual(['203.0.113.5', '2001:db8::5'])
    expect(privateIps).toEqual([])
  })

  it('judges unlabelled networks by range, IPv4 and IPv6', () => {
    const {publicIps, privateIps} = splitAddresses(
      {
        tenant: [
          {version: 4, addr: '192.168.0.4'},
          {version: 4, addr: '100.64.1.1'},
          {version: 6, addr: 'fd00::4'},
          {version: 4, addr: '8.8.4.4'},
          {version: 6, addr: '2001:db8::1'},
        ],
      },
      [],
    )
    expect(privateIps).toEqual(['192.168.0.4', '100.64.1.1', 'fd00::4'])
    expect(publicIps).toEqual(['8.8.4.4', '2001:db8::1'])
  })

  it('skips garbage entries', () => {
    expect(splitAddresses({public: [null, {addr: 5}, {addr: 'x'}], private: 'no'}, [])).toEqual({publicIps: [], privateIps: []})
  })
})

describe('server -> Node', () => {
  it('maps the recorded ACTIVE server: string ids, image and flavor ids, dates, extra', () => {
    const server = fixture('openstack', '_servers_12064.json').server as Json
    const node = serverToNode(server, 'rackspace', 'ORD')
    expect(node).toEqual({
      id: '12064',
      name: 'lc-test',
      provider: 'rackspace',
      region: 'ORD',
      state: 'running',
      providerState: 'ACTIVE',
      publicIps: ['50.57.94.30', '2001:4801:7808:52:16:3eff:fe77:32e3'],
      privateIps: ['10.182.64.29', 'fec0:4801:7808:52:16:3eff:fe6e:b7e2'],
      image: '7',
      size: '2',
      createdAt: '2011-10-11T00:45:02.000Z',
      tags: {},
      extra: {openstack: {tenantId: 'rs-reach-project', userId: 'rs-reach', hostId: 'a024053a6201e6c6c12660aab3d8fd879e332e663a5e1fdbc02a0307', metadata: {}}},
    })
  })

  it('turns metadata into tags and keeps key name, task and power state in extra', () => {
    const server = fixture('openstack', '_servers_26f7fbee_8ce1_4c28_887a_bfe8e4bb10fe.json').server as Json
    const node = serverToNode(
      {...server, 'OS-EXT-STS:task_state': 'spawning', 'OS-EXT-STS:power_state': 0, metadata: {...(server.metadata as Json), 'mc-ssh-port': 2222}},
      'openstack',
      'RegionOne',
    )
    expect(node.tags).toEqual({'My Server Name': 'Apache1', 'mc-ssh-port': '2222'})
    expect(node.extra.openstack).toMatchObject({keyName: 'devstack', taskState: 'spawning', powerState: 0, metadata: node.tags})
    expect(node.state).toBe('pending')
    expect(node.publicIps).toEqual([])
  })

  it('a server in ERROR booted from a volume has no image id and reports its fault', () => {
    const [server] = fixture('openstack', '_servers_detail_ERROR_STATE.json').servers as Json[]
    const node = serverToNode(server, 'openstack', 'RegionOne')
    expect(node).toMatchObject({id: '2d05bd68-3fbb-4b47-9f38-c690a5d93e45', state: 'error', image: '', size: '4', privateIps: ['192.168.3.4']})
    expect(serverFault(server)).toMatch(/^The server has either erred or is incapable of performing the requested operation/)
  })

  it('keeps accessIPv4/v6 from the create-time body', () => {
    const server = fixture('openstack', '_servers.json').server as Json
    const node = serverToNode(server, 'openstack', 'r')
    expect(node.publicIps).toEqual(['67.23.10.138', '::babe:67.23.10.138'])
    expect(node.extra.openstack).toMatchObject({accessIPv4: '67.23.10.138', accessIPv6: '::babe:67.23.10.138'})
  })

  it('survives a server body with almost nothing in it', () => {
    const node = serverToNode({id: 'x'}, 'openstack', 'r')
    expect(node).toMatchObject({id: 'x', name: '', state: 'unknown', providerState: '', image: '', size: '', tags: {}, publicIps: [], privateIps: []})
  })
})

describe('flavors, images, key pairs', () => {
  it('maps every recorded flavor with vCPUs, memory, disk and its extras', () => {
    const sizes = (fixture('openstack', '_flavors_detail.json').flavors as Json[]).map((f) => flavorToSize(f, 'rackspace'))
    expect(sizes).toHaveLength(8)
    expect(sizes.find((s) => s.id === '1')).toEqual({
      id: '1',
      name: '256 slice',
      provider: 'rackspace',
      vcpus: 1,
      memoryMb: 256,
      diskGb: 10,
      extra: {swapMb: 0, ephemeralGb: 40, disabled: false, extraSpecs: {policy_class: 'standard_flavor', class: 'standard1', disk_io_index: '2', number_of_data_disks: '0'}},
    })
    expect(sizes.find((s) => s.id === '7')).toMatchObject({vcpus: 8, memoryMb: 16_384, diskGb: 620})
  })

  it('maps recorded images, OS from metadata, Rackspace base/snapshot as public', () => {
    const images = (fixture('openstack', '_images_detail.json').images as Json[]).map((i) => imageToImage(i, 'openstack', 'RegionOne'))
    expect(images.length).toBeGreaterThan(10)
    expect(images[0]).toMatchObject({id: '13', name: 'Windows 2008 SP2 x86 (B24)', os: 'windows', createdAt: '2011-08-06T18:13:11.000Z', region: 'RegionOne'})
    expect(images[0]).toMatchObject({minDiskGb: 0})
    expect(images[0].extra).toMatchObject({status: 'ACTIVE', serverId: '52415800-8b69-11e0-9b19-734f335aa7b3'})
    expect(images.every((i) => i.probeReady === false)).toBe(true)
    expect(imageToImage({id: 'p', name: 'probe', metadata: {'mc-probe-ready': 'true'}}, 'openstack', 'r').probeReady).toBe(true)
    expect(imageToImage({id: 'a', name: 'x', metadata: {image_type: 'snapshot', 'org.openstack__1__os_distro': 'org.debian'}}, 'rackspace', 'ORD')).toMatchObject({
      public: false,
      os: 'org.debian',
    })
    // The recorded single image has minDisk as a string.
    expect(imageToImage(fixture('openstack', '_images_13.json').image as Json, 'openstack', 'r')).toMatchObject({minDiskGb: 5, minMemoryMb: 256})
  })

  it('maps key pairs without the trailing newline Nova keeps', () => {
    const [first] = fixture('openstack', '_os_keypairs.json').keypairs as {keypair: Json}[]
    const key = keypairToKeyPair(first.keypair, 'openstack')
    expect(key).toMatchObject({name: 'key1', provider: 'openstack', fingerprint: '22:0e:d6:f7:bd:5e:ee:49:cf:1f:10:d5:9c:a8:35:64'})
    expect(key.publicKey).toMatch(/^ssh-rsa \S+ Generated by Nova$/)
  })
})
