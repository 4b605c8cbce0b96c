import {ProviderError, ValidationError} from '../../core/errors.js'

export type EndpointInterface = 'public' | 'internal' | 'admin'

/** One endpoint of the service catalogue, the same shape whether Keystone v2.0 or v3 sent it. */
export interface CatalogEndpoint {
  serviceType: string
  serviceName?: string
  region?: string
  interface: EndpointInterface
  url: string
}

export interface EndpointQuery {
  type: string
  /** Narrows by service name (Rackspace: `cloudServersOpenStack`; its catalogue has several compute services). */
  name?: string
  /** Matched case-insensitively: users type `ord`, catalogues say `ORD` or `regionOne`. */
  region?: string
  interface?: EndpointInterface
  /** Names the catalogue in error messages (the identity endpoint that issued it). */
  source: string
}

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

const V2_URL_KEYS: [string, EndpointInterface][] = [
  ['publicURL', 'public'],
  ['internalURL', 'internal'],
  ['adminURL', 'admin'],
]

/** Keystone v2.0 `access.serviceCatalog`: one entry per URL kind (publicURL, internalURL, adminURL). */
export function parseV2Catalog(serviceCatalog: unknown): CatalogEndpoint[] {
  if (!Array.isArray(serviceCatalog)) return []
  const out: CatalogEndpoint[] = []
  for (const service of serviceCatalog) {
    if (!isObject(service) || !Array.isArray(service.endpoints)) continue
    const serviceType = text(service.type)
    if (!serviceType) continue
    for (const endpoint of service.endpoints) {
      if (!isObject(endpoint)) continue
      for (const [key, iface] of V2_URL_KEYS) {
        const url = text(endpoint[key])
        if (url) out.push({serviceType, serviceName: text(service.name), region: text(endpoint.region), interface: iface, url})
      }
    }
  }
  return out
}

/** Keystone v3 `token.catalog`: endpoints carry `interface` and `region` (or the older `region_id`). */
export function parseV3Catalog(catalog: unknown): CatalogEndpoint[] {
  if (!Array.isArray(catalog)) return []
  const out: CatalogEndpoint[] = []
  for (const service of catalog) {
    if (!isObject(service) || !Array.isArray(service.endpoints)) continue
    const serviceType = text(service.type)
    if (!serviceType) continue
    for (const endpoint of service.endpoints) {
      if (!isObject(endpoint)) continue
      const url = text(endpoint.url)
      const iface = normalizeInterface(text(endpoint.interface))
      if (url && iface) {
        out.push({serviceType, serviceName: text(service.name), region: text(endpoint.region) ?? text(endpoint.region_id), interface: iface, url})
      }
    }
  }
  return out
}

/** `public`, `publicURL` and `PUBLIC` all mean the public interface (clouds.yaml and OS_INTERFACE allow each). */
export function normalizeInterface(value: string | undefined): EndpointInterface | undefined {
  if (!value) return undefined
  const v = value.toLowerCase().replace(/url$/, '')
  return v === 'public' || v === 'internal' || v === 'admin' ? v : undefined
}

function sameRegion(a: string | undefined, b: string): boolean {
  return a !== undefined && a.toLowerCase() === b.toLowerCase()
}

function describeService(query: EndpointQuery): string {
  return query.name ? `${query.type} service "${query.name}"` : `${query.type} service`
}

/** The endpoints of one service (type, and name when given), any region, any interface. */
function serviceEndpoints(catalog: CatalogEndpoint[], query: Pick<EndpointQuery, 'type' | 'name'>): CatalogEndpoint[] {
  return catalog.filter((e) => e.serviceType === query.type && (!query.name || e.serviceName === query.name))
}

/** Regions where the service has an endpoint on the wanted interface, sorted, as the catalogue spells them. */
export function catalogRegions(catalog: CatalogEndpoint[], query: Pick<EndpointQuery, 'type' | 'name' | 'interface'>): string[] {
  const iface = query.interface ?? 'public'
  const regions = new Set<string>()
  for (const e of serviceEndpoints(catalog, query)) if (e.region && e.interface === iface) regions.add(e.region)
  return [...regions].sort()
}

/**
 * Pick one endpoint by service type, name, region and interface. A region the catalogue does not offer is
 * the user's mistake (ValidationError listing what is offered); a catalogue without the service at all is
 * the cloud's answer (ProviderError).
 */
export function selectEndpoint(catalog: CatalogEndpoint[], query: EndpointQuery): CatalogEndpoint {
  const iface = query.interface ?? 'public'
  const service = describeService(query)
  const ofService = serviceEndpoints(catalog, query)
  if (ofService.length === 0) {
    const types = [...new Set(catalog.filter((e) => e.serviceType === query.type).map((e) => e.serviceName ?? '(unnamed)'))]
    const hint = types.length > 0 ? ` It has ${query.type} services named: ${types.join(', ')}.` : ''
    throw new ProviderError(`The service catalogue from ${query.source} has no ${service}.${hint}`)
  }
  const offered = catalogRegions(catalog, query)
  let candidates = ofService.filter((e) => e.interface === iface)
  if (candidates.length === 0) {
    const interfaces = [...new Set(ofService.map((e) => e.interface))].join(', ')
    throw new ProviderError(`The ${service} in the catalogue from ${query.source} has no ${iface} endpoint (only: ${interfaces}).`)
  }
  if (query.region) {
    const {region} = query
    candidates = candidates.filter((e) => sameRegion(e.region, region))
    if (candidates.length === 0) {
      throw new ValidationError(`Region "${region}" has no ${service} in the catalogue from ${query.source}. Regions offered: ${offered.join(', ') || '(none with a region)'}.`, [
        {field: 'region', reason: `not offered; offered: ${offered.join(', ')}`},
      ])
    }
  } else {
    const regions = new Set(candidates.map((e) => e.region ?? ''))
    if (regions.size > 1) {
      throw new ValidationError(`The catalogue from ${query.source} offers the ${service} in several regions; choose one with --region. Regions offered: ${offered.join(', ')}.`, [
        {field: 'region', reason: `required; offered: ${offered.join(', ')}`},
      ])
    }
  }
  const names = [...new Set(candidates.map((e) => e.serviceName ?? '(unnamed)'))]
  if (names.length > 1 && new Set(candidates.map((e) => e.url)).size > 1) {
    throw new ValidationError(
      `The catalogue from ${query.source} has several ${query.type} services${query.region ? ` in ${query.region}` : ''}: ${names.join(', ')}. Choose one by name (clouds.yaml compute_service_name or OS_COMPUTE_SERVICE_NAME).`,
    )
  }
  return candidates[0]
}
