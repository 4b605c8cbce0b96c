import {AMAZON_OWNER_ID, type Ec2Image, ec2Images, PROBE_READY_KEY, PROBE_READY_VALUE, stableHex} from '../catalog.js'
import {Ec2Error, filters, indexed, maxResults, page} from './params.js'
import {type Action, applyFilters, type Call, ROOT_DEVICE, rootDeviceMapping} from './shared.js'
import {el, list, tagSet} from './xml.js'

/** DescribeImages: the catalogue's images of the region. */

function imageXml(image: Ec2Image): string {
  return (
    el('imageId', image.id) +
    el('imageLocation', `${image.ownerId}/${image.name}`) +
    el('imageState', 'available') +
    el('imageOwnerId', image.ownerId) +
    el('creationDate', image.creationDate) +
    el('isPublic', true) +
    el('architecture', image.architecture) +
    el('imageType', 'machine') +
    el('sriovNetSupport', 'simple') +
    (image.ownerId === AMAZON_OWNER_ID ? el('imageOwnerAlias', 'amazon') : '') +
    el('name', image.name) +
    el('description', image.description) +
    el('rootDeviceType', 'ebs') +
    el('rootDeviceName', ROOT_DEVICE) +
    rootDeviceMapping(
      el('snapshotId', `snap-${stableHex(`${image.id}/snap`, 17)}`) +
        el('volumeSize', 8) +
        el('deleteOnTermination', true) +
        el('volumeType', 'gp3') +
        el('iops', 3000) +
        el('throughput', 125) +
        el('encrypted', false),
    ) +
    el('virtualizationType', 'hvm') +
    tagSet({[PROBE_READY_KEY]: PROBE_READY_VALUE}) +
    el('hypervisor', 'xen') +
    el('enaSupport', true) +
    el('platformDetails', image.platformDetails) +
    el('usageOperation', 'RunInstances') +
    el('bootMode', 'uefi-preferred') +
    el('imdsSupport', 'v2.0') +
    el('deprecationTime', new Date(Date.parse(image.creationDate) + 2 * 365 * 86_400_000).toISOString())
  )
}

function describeImages(call: Call): string {
  const {params, region} = call
  const ids = indexed(params, 'ImageId')
  const owners = indexed(params, 'Owner')
  let images = ec2Images(region)
  if (ids.length > 0) {
    const missing = ids.filter((id) => !images.some((i) => i.id === id))
    if (missing.length > 0) throw new Ec2Error('InvalidAMIID.NotFound', `The image id '[${missing.join(', ')}]' does not exist`)
    images = images.filter((i) => ids.includes(i.id))
  }
  if (owners.length > 0) {
    images = images.filter((i) => owners.some((o) => o === i.ownerId || (o === 'amazon' && i.ownerId === AMAZON_OWNER_ID)))
  }
  images = applyFilters(
    images,
    filters(params),
    {
      name: (i) => [i.name],
      'image-id': (i) => [i.id],
      architecture: (i) => [i.architecture],
      'owner-id': (i) => [i.ownerId],
      'owner-alias': (i) => (i.ownerId === AMAZON_OWNER_ID ? ['amazon'] : []),
      state: () => ['available'],
      'is-public': () => ['true'],
      'image-type': () => ['machine'],
      'root-device-type': () => ['ebs'],
      'virtualization-type': () => ['hvm'],
      description: (i) => [i.description],
      'platform-details': (i) => [i.platformDetails],
    },
    () => ({[PROBE_READY_KEY]: PROBE_READY_VALUE}),
  )
  const {items, nextToken} = page(
    images.map((item, position) => ({item, position})),
    params,
    maxResults(params, 5, 1000),
  )
  return list('imagesSet', items, (i) => imageXml(i)) + el('nextToken', nextToken)
}

export function imageActions(): Record<string, Action> {
  return {
    DescribeImages: (c) => describeImages(c),
  }
}
