import {EC2_REGIONS, ec2Region} from '../catalog.js'
import {Ec2Error, filters, indexed} from './params.js'
import {type Action, applyFilters, type Call} from './shared.js'
import {el, list} from './xml.js'

/** DescribeRegions and DescribeAvailabilityZones, from the catalogue. */

/** The region's availability zone names. */
export function zones(region: string): string[] {
  const r = ec2Region(region)!
  return r.zones.map((z) => `${region}${z}`)
}

function describeRegions(call: Call): string {
  const wanted = indexed(call.params, 'RegionName')
  let regions = EC2_REGIONS.map((r) => r.name)
  if (wanted.length > 0) {
    const missing = wanted.filter((w) => !regions.includes(w))
    if (missing.length > 0) throw new Ec2Error('InvalidParameterValue', `Invalid region: ${missing[0]}`)
    regions = regions.filter((r) => wanted.includes(r))
  }
  regions = applyFilters(regions, filters(call.params), {'region-name': (r) => [r], endpoint: () => [call.host], 'opt-in-status': () => ['opt-in-not-required']}, () => ({}))
  return list('regionInfo', regions, (r) => el('regionName', r) + el('regionEndpoint', call.host) + el('optInStatus', 'opt-in-not-required'))
}

function describeAvailabilityZones(call: Call): string {
  const region = ec2Region(call.region)!
  const all = region.zones.map((z, i) => ({name: `${region.name}${z}`, id: `${region.zoneIdPrefix}-az${i + 1}`}))
  const names = indexed(call.params, 'ZoneName')
  const ids = indexed(call.params, 'ZoneId')
  for (const n of names) if (!all.some((z) => z.name === n)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone: [${n}]`)
  for (const n of ids) if (!all.some((z) => z.id === n)) throw new Ec2Error('InvalidParameterValue', `Invalid availability zone ID: [${n}]`)
  let chosen = all.filter((z) => (names.length === 0 && ids.length === 0) || names.includes(z.name) || ids.includes(z.id))
  chosen = applyFilters(
    chosen,
    filters(call.params),
    {
      'zone-name': (z) => [z.name],
      'zone-id': (z) => [z.id],
      state: () => ['available'],
      'region-name': () => [region.name],
      'zone-type': () => ['availability-zone'],
      'opt-in-status': () => ['opt-in-not-required'],
    },
    () => ({}),
  )
  return list(
    'availabilityZoneInfo',
    chosen,
    (z) =>
      el('zoneName', z.name) +
      el('zoneState', 'available') +
      el('regionName', region.name) +
      '<messageSet/>' +
      el('optInStatus', 'opt-in-not-required') +
      el('zoneId', z.id) +
      el('groupName', region.name) +
      el('networkBorderGroup', region.name) +
      el('zoneType', 'availability-zone'),
  )
}

export function regionActions(): Record<string, Action> {
  return {
    DescribeRegions: (c) => describeRegions(c),
    DescribeAvailabilityZones: (c) => describeAvailabilityZones(c),
  }
}
