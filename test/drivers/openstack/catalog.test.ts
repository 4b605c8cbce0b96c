import {describe, expect, it} from 'vitest'

import {ProviderError, ValidationError} from '../../../src/core/errors.js'
import {catalogRegions, parseV2Catalog, parseV3Catalog, selectEndpoint} from '../../../src/drivers/openstack/catalog.js'
import {fixture} from './fake-cloud.js'

const rax = parseV2Catalog((fixture('rackspace', '_v2_0__auth.json').access as {serviceCatalog: unknown}).serviceCatalog)
const raxLon = parseV2Catalog((fixture('rackspace', '_v2_0__auth_lon.json').access as {serviceCatalog: unknown}).serviceCatalog)
const v3 = parseV3Catalog((fixture('openstack', '_v3__auth.json').token as {catalog: unknown}).catalog)
const CLOUD_SERVERS = {type: 'compute', name: 'cloudServersOpenStack', source: 'Rackspace Identity (test)'} as const

describe('Keystone v2.0 catalogue (Rackspace)', () => {
  it.each([
    ['DFW', 'https://dfw.servers.api.rackspacecloud.com/v2/1337'],
    ['ORD', 'https://ord.servers.api.rackspacecloud.com/v2/1337'],
    ['IAD', 'https://iad.servers.api.rackspacecloud.com/v2/1337'],
    ['SYD', 'https://syd.servers.api.rackspacecloud.com/v2/1337'],
    ['HKG', 'https://hkg.servers.api.rackspacecloud.com/v2/1337'],
  ])('finds Cloud Servers in %s', (region, url) => {
    const endpoint = selectEndpoint(rax, {...CLOUD_SERVERS, region})
    expect(endpoint).toMatchObject({url, region, serviceName: 'cloudServersOpenStack', interface: 'public'})
  })

  it('finds Cloud Servers in LON from a UK account catalogue', () => {
    expect(selectEndpoint(raxLon, {...CLOUD_SERVERS, region: 'LON'}).url).toBe('https://lon.servers.api.rackspacecloud.com/v2/1337')
  })

  it('matches regions case-insensitively and reports the catalogue spelling', () => {
    for (const asked of ['ord', 'Ord', 'ORD']) expect(selectEndpoint(rax, {...CLOUD_SERVERS, region: asked}).region).toBe('ORD')
  })

  it('picks Cloud Servers by name, not the preprod or first-generation compute services', () => {
    // DFW also has cloudServersPreprod, and cloudServers (v1.0) has no region at all.
    expect(selectEndpoint(rax, {...CLOUD_SERVERS, region: 'DFW'}).url).toBe('https://dfw.servers.api.rackspacecloud.com/v2/1337')
    expect(catalogRegions(rax, CLOUD_SERVERS)).toEqual(['DFW', 'HKG', 'IAD', 'ORD', 'SYD'])
  })

  it('names the regions the catalogue offers when the asked one is missing', () => {
    expect(() => selectEndpoint(rax, {...CLOUD_SERVERS, region: 'LON'})).toThrow(ValidationError)
    expect(() => selectEndpoint(rax, {...CLOUD_SERVERS, region: 'LON'})).toThrow(
      'Region "LON" has no compute service "cloudServersOpenStack" in the catalogue from Rackspace Identity (test). Regions offered: DFW, HKG, IAD, ORD, SYD.',
    )
    expect(() => selectEndpoint(raxLon, {...CLOUD_SERVERS, region: 'ORD'})).toThrow('Regions offered: LON.')
  })

  it('asks for a region when several are offered and none is given', () => {
    expect(() => selectEndpoint(rax, CLOUD_SERVERS)).toThrow(/several regions; choose one with --region\. Regions offered: DFW, HKG, IAD, ORD, SYD/)
    // One region only: no need to ask.
    expect(selectEndpoint(raxLon, CLOUD_SERVERS).region).toBe('LON')
  })

  it('says so when the catalogue lacks the service, naming what it has', () => {
    expect(() => selectEndpoint(rax, {...CLOUD_SERVERS, name: 'cloudServersNextGen'})).toThrow(ProviderError)
    expect(() => selectEndpoint(rax, {...CLOUD_SERVERS, name: 'cloudServersNextGen'})).toThrow(
      /has no compute service "cloudServersNextGen"\. It has compute services named: cloudServers, nova, cloudServersOpenStack, cloudServersPreprod\./,
    )
  })

  it('refuses to guess between two compute services in one region', () => {
    expect(() => selectEndpoint(rax, {type: 'compute', region: 'DFW', source: 'x'})).toThrow(/several compute services in DFW: cloudServersOpenStack, cloudServersPreprod/)
    // Without the name, RegionOne has exactly one compute service (nova).
    expect(selectEndpoint(rax, {type: 'compute', region: 'regionone', source: 'x'})).toMatchObject({serviceName: 'nova', url: 'https://test_endpoint.com/v2/1337'})
  })

  it('reads internalURL as the internal interface', () => {
    const files = selectEndpoint(rax, {type: 'object-store', region: 'LON', interface: 'internal', source: 'x'})
    expect(files.url).toBe('https://snet-storage101.lon1.clouddrive.com/v1/MossoCloudFS_11111-111111111-1111111111-1111111')
  })

  it('parses the other recorded Rackspace catalogues the same way', () => {
    for (const file of ['dns__auth_2_0.json', 'lb___v2_0__auth.json']) {
      const catalog = parseV2Catalog((fixture('rackspace', file).access as {serviceCatalog: unknown}).serviceCatalog)
      expect(catalogRegions(catalog, CLOUD_SERVERS)).toEqual(['DFW', 'ORD'])
      expect(selectEndpoint(catalog, {...CLOUD_SERVERS, region: 'ord'}).url).toMatch(/^https:\/\/ord\.servers\.api\.rackspacecloud\.com\/v2\//)
    }
  })
})

describe('Keystone v3 catalogue', () => {
  it('picks the public interface by default, and internal or admin on request', () => {
    const q = {type: 'compute', region: 'RegionOne', source: 'Keystone v3 (test)'}
    expect(selectEndpoint(v3, q).url).toBe('http://192.168.18.100:8774/v2/9c4693dce56b493b9b83197d900f7fba')
    expect(selectEndpoint(v3, {...q, interface: 'internal'}).url).toBe('http://controller:8774/v2/9c4693dce56b493b9b83197d900f7fba')
    expect(selectEndpoint(v3, {...q, interface: 'admin'}).interface).toBe('admin')
  })

  it('uses the only region without being told', () => {
    expect(selectEndpoint(v3, {type: 'compute', source: 'x'}).region).toBe('regionOne')
  })

  it('lists its region when another is asked for', () => {
    expect(() => selectEndpoint(v3, {type: 'compute', region: 'RegionTwo', source: 'Keystone v3 (test)'})).toThrow('Regions offered: regionOne.')
  })

  it('ignores malformed entries instead of failing on them', () => {
    expect(parseV3Catalog([{type: 'compute', endpoints: [{url: 'http://x', interface: 'bogus'}, null, {interface: 'public'}]}, 'junk'])).toEqual([])
    expect(parseV2Catalog({not: 'a list'})).toEqual([])
  })
})
