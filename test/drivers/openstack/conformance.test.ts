import {describe, expect, it} from 'vitest'

import {fixture} from './fake-cloud.js'
import {keystoneViolations, novaSchema, novaViolations} from './spec.js'

/**
 * Which of libcloud's recordings hold to the Nova 2.1 / Keystone v3 schemas, and how the others break
 * them. They predate the schemas (integer ids, `""` for unset access IPs, `null` key names), so the
 * driver is validated on the requests it sends and the bodies the fake cloud constructs instead (see the
 * `violations` checks in the other tests); this file pins down the recordings' deviations so a change to
 * either the data or the schema narrowing shows up.
 */

/** Violations with array indexes folded, so each kind of deviation is listed once. */
function kinds(violations: string[]): string[] {
  return [...new Set(violations.map((v) => v.replaceAll(/\/\d+(?=\/| )/g, '/*').replace(/ \{.*\}$/, '')))].sort()
}

const CONFORMING: [file: string, schema: string][] = [
  ['_servers_detail_EMPTY.json', 'ServersDetailResponse'],
  ['_servers.json', 'ServerShowResponse'],
  ['_servers_create.json', 'ServersCreateResponse'],
  ['_images_detail.json', 'ImagesDetailResponse'],
  ['_images_13.json', 'ImageShowResponse'],
  ['_os_keypairs.json', 'Os_KeypairsListResponse'],
  ['_os_keypairs_create_import.json', 'Os_KeypairsCreateResponse'],
]

const NON_CONFORMING: [file: string, schema: string, deviations: string[]][] = [
  [
    '_servers_detail.json',
    'ServersDetailResponse',
    [
      '/servers/*/accessIPv4 must match format "ipv4"',
      '/servers/*/accessIPv6 must match format "ipv6"',
      '/servers/*/fault must NOT have additional properties',
      '/servers/*/fault/code must be integer',
      '/servers/*/id must be string',
      '/servers/*/image/id must match format "uuid"',
      '/servers/*/key_name must be string',
      '/servers/*/tenant_id must match format "uuid"',
    ],
  ],
  [
    '_servers_detail_ERROR_STATE.json',
    'ServersDetailResponse',
    [
      '/servers/*/OS-EXT-STS:task_state must be string',
      '/servers/*/OS-SRV-USG:launched_at must be string',
      '/servers/*/OS-SRV-USG:terminated_at must be string',
      '/servers/*/accessIPv4 must match format "ipv4"',
      '/servers/*/accessIPv6 must match format "ipv6"',
      '/servers/*/image must be object',
    ],
  ],
  [
    '_servers_12064.json',
    'ServerShowResponse',
    [
      '/server/accessIPv4 must match format "ipv4"',
      '/server/accessIPv6 must match format "ipv6"',
      '/server/id must be string',
      '/server/image/id must match format "uuid"',
      '/server/key_name must be string',
      '/server/tenant_id must match format "uuid"',
    ],
  ],
  [
    '_servers_26f7fbee_8ce1_4c28_887a_bfe8e4bb10fe.json',
    'ServerShowResponse',
    [
      '/server/accessIPv4 must match format "ipv4"',
      '/server/accessIPv6 must match format "ipv6"',
      '/server/progress must be integer',
      '/server/tenant_id must match format "uuid"',
    ],
  ],
  ['_flavors_detail.json', 'FlavorsDetailResponse', ['/flavors/* must NOT have additional properties', '/flavors/*/id must be string']],
]

describe('libcloud recordings against the Nova 2.1 schema', () => {
  it.each(CONFORMING)('%s conforms to %s', (file, schema) => {
    expect(novaViolations(schema, fixture('openstack', file))).toEqual([])
  })

  it.each(NON_CONFORMING)('%s breaks %s, in these ways only', (file, schema, deviations) => {
    expect(kinds(novaViolations(schema, fixture('openstack', file)))).toEqual(deviations)
  })

  it('the recorded v3 token breaks the identity schema only by the "default" domain id, which is not a UUID', () => {
    expect(kinds(keystoneViolations('AuthTokensPostResponse', fixture('openstack', '_v3__auth.json')))).toEqual(['/token/user/domain/id must match format "uuid"'])
  })
})

describe('the 2.1 narrowing itself', () => {
  it('picks the 2.1 create-server variant: no description (2.19), no tags (2.52), no "auto" networks (2.37)', () => {
    const base = {name: 'n', imageRef: '4b4b4ac8-4b61-4f5b-9c49-4c7a2f4f3a10', flavorRef: '1'}
    expect(novaViolations('ServersCreateRequest', {server: base})).toEqual([])
    expect(novaViolations('ServersCreateRequest', {server: {...base, description: 'd'}})).not.toEqual([])
    expect(novaViolations('ServersCreateRequest', {server: {...base, tags: ['a']}})).not.toEqual([])
    expect(novaViolations('ServersCreateRequest', {server: {...base, networks: 'auto'}})).not.toEqual([])
    expect(novaViolations('ServersCreateRequest', {server: {...base, imageRef: '13'}})).not.toEqual([])
  })

  it('forbids response fields introduced after 2.1, such as the embedded flavor of 2.47', () => {
    const server = {id: '4b4b4ac8-4b61-4f5b-9c49-4c7a2f4f3a10', name: 'n', status: 'ACTIVE'}
    expect(novaViolations('ServerShowResponse', {server: {...server, flavor: {id: '1'}}})).toEqual([])
    expect(novaViolations('ServerShowResponse', {server: {...server, flavor: {vcpus: 1, ram: 512, original_name: 'm1.tiny'}}})).not.toEqual([])
    expect(novaViolations('ServerShowResponse', {server: {...server, locked: false}})).not.toEqual([])
  })

  it('picks the 2.1 key pair variant: no key type (2.2) or user id (2.10)', () => {
    expect(novaSchema('Os_KeypairsCreateRequest')).toMatchObject({properties: {keypair: {required: ['name']}}})
    expect(novaViolations('Os_KeypairsCreateRequest', {keypair: {name: 'k', public_key: 'ssh-ed25519 AAAA'}})).toEqual([])
    expect(novaViolations('Os_KeypairsCreateRequest', {keypair: {name: 'k', type: 'ssh'}})).not.toEqual([])
    expect(novaViolations('Os_KeypairsCreateRequest', {keypair: {name: 'k/../x'}})).not.toEqual([])
  })
})
