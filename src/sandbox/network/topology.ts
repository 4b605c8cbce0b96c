import type {SandboxCloud} from '../types.js'

/**
 * The sandbox's small Internet, in private addresses only (10.1/16, 10.8/16, 10.90/16, 10.94/16 and
 * 172.16/12), none of which ever appears outside the namespaces the sandbox made:
 *
 *   dc 10.1.0.10 - dcr 10.1.0.1 ----+
 *   site 1 172.16.1.10 - router 1 --+- tr (transit exchange, 10.90.0.1) -- tgr (10.94.0.2) - tg 10.8.1.10
 *   site 2 172.16.2.10 - router 2 --+                                      |   (the target's provider)
 *   site 3 (Linode) 172.16.3.10 - router 3 ---------------------------------+
 *
 * "dc" is this machine's data center. Each emulated cloud region where a node runs is a site: a
 * namespace for its nodes behind its own router (its upstream). Routers of EC2, Rackspace and
 * OpenStack regions reach the target through the shared transit router; Linode's peer directly with
 * the target's provider, so they never cross it: the clean vantage points of a transit fault. The
 * transit router answers everyone from its one exchange address, so mtr shows the same hop from
 * every vantage point that crosses it and triangulation can see that the hop is shared.
 */

/** Every address the networked sandbox uses lies in these; none is reachable from outside its namespaces. */
export const SANDBOX_NETWORK_RANGES = ['10.1.0.0/16', '10.8.0.0/16', '10.90.0.0/16', '10.94.0.0/16', '172.16.0.0/12'] as const

export const TARGET_ADDRESS = '10.8.1.10'
export const TRANSIT_ADDRESS = '10.90.0.1'
export const DATACENTER_ADDRESS = '10.1.0.10'

/** Namespaces built at start; sites come as nodes do. */
export const FIXED = ['dc', 'dcr', 'tr', 'tgr', 'tg'] as const
export type FixedRole = (typeof FIXED)[number]

/** Clouds whose regions peer directly with the target's provider instead of crossing the transit. */
export const DIRECT_PEERING: ReadonlySet<SandboxCloud> = new Set(['linode'])

export const MAX_SITES = 200

export interface Site {
  /** 1..MAX_SITES, stable for a cloud and region within a data dir. */
  index: number
  cloud: SandboxCloud
  region: string
  /** Where the region's nodes live. */
  address: string
  router: string
  /** The router's address on its upstream: the transit exchange, or the target provider's. */
  uplink: string
  via: 'transit' | 'direct'
}

export function site(index: number, cloud: SandboxCloud, region: string): Site {
  const via = DIRECT_PEERING.has(cloud) ? 'direct' : 'transit'
  return {
    index,
    cloud,
    region,
    address: `172.16.${index}.10`,
    router: `172.16.${index}.1`,
    uplink: via === 'transit' ? `10.90.0.${10 + index}` : `10.94.0.${10 + index}`,
    via,
  }
}

export const siteKey = (cloud: SandboxCloud, region: string) => `${cloud}:${region.toLowerCase()}`
export const hostNs = (s: Site) => `s${s.index}`
export const routerNs = (s: Site) => `r${s.index}`
/** The site router's port on the transit's or the target provider's bridge. */
export const sitePort = (s: Site) => `p-s${s.index}`

/** Router defaults: forward, answer every probe (no ICMP rate limit), send no redirects, no reverse-path filter. */
export const ROUTER_SYSCTLS = [
  'net.ipv4.ip_forward=1',
  'net.ipv4.icmp_ratelimit=0',
  'net.ipv4.conf.all.send_redirects=0',
  'net.ipv4.conf.default.send_redirects=0',
  'net.ipv4.conf.all.rp_filter=0',
  'net.ipv4.conf.default.rp_filter=0',
]

export type Veth = {a: {ns: string; dev: string; address?: string}; b: {ns: string; dev: string; address?: string; bridge?: boolean}}

/** The fixed part: the data center, its router, the transit, the target's provider and the target. */
export const FIXED_LINKS: Veth[] = [
  {a: {ns: 'dc', dev: 'lan', address: '10.1.0.10/24'}, b: {ns: 'dcr', dev: 'lan', address: '10.1.0.1/24'}},
  {a: {ns: 'dcr', dev: 'wan', address: '10.90.0.2/24'}, b: {ns: 'tr', dev: 'p-dcr', bridge: true}},
  {a: {ns: 'tr', dev: 'to-tgr', address: '10.94.0.1/24'}, b: {ns: 'tgr', dev: 'wan', bridge: true}},
  {a: {ns: 'tg', dev: 'lan', address: `${TARGET_ADDRESS}/24`}, b: {ns: 'tgr', dev: 'lan', address: '10.8.1.1/24'}},
]

export const FIXED_BRIDGES: Partial<Record<FixedRole, string>> = {tr: `${TRANSIT_ADDRESS}/24`, tgr: '10.94.0.2/24'}

export const FIXED_ROUTES: Record<FixedRole, string[]> = {
  dc: ['default via 10.1.0.1'],
  dcr: ['default via 10.90.0.1'],
  tr: ['10.1.0.0/24 via 10.90.0.2', '10.8.1.0/24 via 10.94.0.2'],
  tgr: ['default via 10.94.0.1'],
  tg: ['default via 10.8.1.1'],
}

/** A site's link to its router, its router's link upstream, and the routes that make it reachable. */
export function siteLinks(s: Site): {links: Veth[]; routes: Record<string, string[]>} {
  const upstream = s.via === 'transit' ? 'tr' : 'tgr'
  const subnet = `172.16.${s.index}.0/24`
  return {
    links: [
      {a: {ns: hostNs(s), dev: 'lan', address: `${s.address}/24`}, b: {ns: routerNs(s), dev: 'lan', address: `${s.router}/24`}},
      {a: {ns: routerNs(s), dev: 'wan', address: `${s.uplink}/24`}, b: {ns: upstream, dev: sitePort(s), bridge: true}},
    ],
    routes: {
      [hostNs(s)]: [`default via ${s.router}`],
      [routerNs(s)]: [`default via ${s.via === 'transit' ? TRANSIT_ADDRESS : '10.94.0.2'}`],
      tr: [`${subnet} via ${s.via === 'transit' ? s.uplink : '10.94.0.2'}`],
      ...(s.via === 'direct' ? {tgr: [`${subnet} via ${s.uplink}`]} : {}),
    },
  }
}
