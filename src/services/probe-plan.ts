import {ValidationError} from '../core/errors.js'
import type {Image, Location, ProviderName, Size} from '../core/model.js'
import {isProviderName, unknownProvider} from '../drivers/registry.js'
import {describeValue, fieldError, readYamlDocument, record} from './file-schema.js'

/** Where one probe goes: `provider:region`, optionally with a size or image chosen by hand. */
export type ProbeSite = {provider: ProviderName; region: string; size?: string; image?: string}

export type ProbePlan = {
  name: string
  fleet: string
  provider: ProviderName
  region: string
  size: string
  image: string
  imageName: string
  probeReady: boolean
  priceHourly?: number
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/

export function validateFleetName(fleet: string): string {
  if (!NAME.test(fleet)) throw new ValidationError(`Fleet name "${fleet}" must be lower-case letters, digits and "-" (at most 63).`)
  return fleet
}

export function parseSite(value: string): ProbeSite {
  const [provider, region, ...rest] = value.split(':')
  if (!provider || !region || rest.length > 0) {
    throw new ValidationError(`--at "${value}" must look like provider:region, e.g. ec2:us-east-1, rackspace:ORD, linode:us-west.`)
  }
  const name = provider.toLowerCase()
  if (!isProviderName(name)) throw unknownProvider(provider)
  return {provider: name, region}
}

/** A fleet file: `fleet: edge` and `probes: [{at: ec2:us-east-1, size?: t3.micro, image?: ami-...}]`. */
export function readFleetFile(path: string): {fleet?: string; sites: ProbeSite[]} {
  const doc = readYamlDocument(path, 'fleet file')
  const bad = fieldError(`Fleet file ${path}`)
  const file = record(doc ?? {}, '', bad, ['fleet', 'probes'])
  if (!Array.isArray(file.probes) || file.probes.length === 0) {
    throw bad('probes', 'needs a "probes" list, e.g. probes: [{at: "linode:us-west"}]')
  }

  if (file.fleet !== undefined && typeof file.fleet !== 'string') throw bad('fleet', `must be a name, not ${describeValue(file.fleet)}`)
  const sites = file.probes.map((entry: unknown, i: number) => {
    const at = `probes[${i}]`
    const item = record(typeof entry === 'string' ? {at: entry} : entry, at, bad, ['at', 'size', 'image'])
    if (typeof item.at !== 'string') throw bad(`${at}.at`, 'is required: provider:region')
    for (const key of ['size', 'image']) {
      if (item[key] !== undefined && typeof item[key] !== 'string') throw bad(`${at}.${key}`, `must be an id, not ${describeValue(item[key])}`)
    }

    try {
      return {...parseSite(item.at), size: optionalString(item.size), image: optionalString(item.image)}
    } catch (error) {
      throw bad(`${at}.at`, (error as Error).message)
    }
  })
  return {fleet: optionalString(file.fleet), sites}
}

/**
 * Refuse a region the cloud does not list (`linode:nowhere`), before a dry run plans it. A cloud that
 * lists no locations at all is not second-guessed.
 */
export function checkRegion(site: ProbeSite, locations: Location[]): void {
  if (locations.length === 0) return
  const wanted = site.region.toLowerCase()
  const known = locations.filter((l) => l.kind === 'region' || !l.region)
  if (locations.some((l) => l.id.toLowerCase() === wanted || l.region?.toLowerCase() === wanted)) return
  throw new ValidationError(
    `${site.provider} has no region "${site.region}". Regions: ${known
      .map((l) => l.id)
      .sort()
      .join(', ')} ("mc locations list --provider ${site.provider}").`,
  )
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

export function probeName(fleet: string, site: ProbeSite): string {
  return `${fleet}-${site.provider}-${site.region}`.toLowerCase().replaceAll(/[^a-z0-9-]/g, '-')
}

/** A probe runs ping, mtr and curl: the smallest size with 1 vCPU and 512 MB is plenty. */
const MIN_MEMORY_MB = 512

/**
 * The cheapest size that fits the probe and the image (its minimum disk and memory, where the cloud
 * says); sizes without a price come last, then the smallest memory wins. A size with disk 0 boots
 * from a volume and fits any image.
 */
export function chooseSize(sizes: Size[], image?: Pick<Image, 'minDiskGb' | 'minMemoryMb'>): Size | undefined {
  const minMemory = Math.max(MIN_MEMORY_MB, image?.minMemoryMb ?? 0)
  const minDisk = image?.minDiskGb ?? 0
  const fits = sizes.filter((s) => s.vcpus >= 1 && s.memoryMb >= minMemory && (!s.diskGb || s.diskGb >= minDisk) && (!s.architecture || /x86_64|amd64/.test(s.architecture)))
  return fits.sort((a, b) => (a.priceHourly ?? Infinity) - (b.priceHourly ?? Infinity) || a.memoryMb - b.memoryMb)[0]
}

const LTS = [/debian[^0-9]*13\b/i, /debian[^0-9]*12\b/i, /ubuntu[^0-9]*24\.04/i, /ubuntu[^0-9]*22\.04/i]

/**
 * A current Debian or Ubuntu LTS image. Images that already carry the probe tools (the sandbox's)
 * win, then the newest release line, then the newest build.
 */
export function chooseImage(images: Image[]): Image | undefined {
  const rank = (image: Image) => {
    const text = `${image.name} ${image.os ?? ''} ${image.id}`
    const line = LTS.findIndex((re) => re.test(text))
    return line === -1 ? undefined : line
  }
  const candidates = images
    .map((image) => ({image, line: rank(image)}))
    .filter((c): c is {image: Image; line: number} => c.line !== undefined && (!c.image.architecture || /x86_64|amd64/.test(c.image.architecture)))
  candidates.sort(
    (a, b) => Number(Boolean(b.image.probeReady)) - Number(Boolean(a.image.probeReady)) || a.line - b.line || (b.image.createdAt ?? '').localeCompare(a.image.createdAt ?? ''),
  )
  return candidates[0]?.image
}

export function planProbe(fleet: string, site: ProbeSite, sizes: Size[], images: Image[]): ProbePlan {
  const image = site.image ? images.find((i) => i.id === site.image) : chooseImage(images)
  if (!image) {
    throw new ValidationError(
      site.image
        ? `${site.provider}:${site.region} has no image "${site.image}".`
        : `${site.provider}:${site.region} offers no Debian or Ubuntu LTS image; pick one with a fleet file "image:".`,
    )
  }

  const size = site.size === undefined ? chooseSize(sizes, image) : sizes.find((s) => s.id === site.size)
  if (!size) {
    throw new ValidationError(
      site.size === undefined
        ? `${site.provider}:${site.region} offers no size with at least 1 vCPU and ${MIN_MEMORY_MB} MB that fits image ${image.name}.`
        : `${site.provider}:${site.region} has no size "${site.size}". "mc sizes list --provider ${site.provider} --region ${site.region}" lists them.`,
    )
  }

  return {
    name: probeName(fleet, site),
    fleet,
    provider: site.provider,
    region: site.region,
    size: size.id,
    image: image.id,
    imageName: image.name,
    probeReady: Boolean(image.probeReady),
    priceHourly: size.priceHourly,
  }
}
