import {FaultSyntaxError} from '../faults.js'
import {SANDBOX_CLOUDS} from '../clouds.js'
import type {SandboxCloud} from '../types.js'

/**
 * Faults on the links of the networked sandbox, one per string:
 *   loss=transit:30%          30 % of packets into the shared transit router are dropped
 *   loss=dc:30%               the data center's uplink into the transit
 *   loss=target:30%           packets arriving at the target
 *   loss=linode:us-west:30%   what a cloud region's nodes send, at that region's router
 *   down=LINK                 the same link drops everything (down=target: the target is gone)
 * A link has one fault at a time: a new one replaces it. Drops are nftables rules on the receiving
 * side of the link (netdev ingress, `numgen random mod 100 < P`): a kernel without netem can do
 * them, and dropped on the sender's side the kernel would only retry.
 */
export type LinkName = 'transit' | 'dc' | 'target' | {cloud: SandboxCloud; region: string}

export interface NetworkFault {
  link: LinkName
  /** 1..100; 100 is down. */
  lossPct: number
  /** The canonical spec, as status shows it. */
  spec: string
}

const FIXED_LINKS = ['transit', 'dc', 'target'] as const

export const linkLabel = (link: LinkName) => (typeof link === 'string' ? link : `${link.cloud}:${link.region}`)

/** Network faults are loss= and down=, and latency= on a network link (transit, dc, target, CLOUD:REGION). */
export function isNetworkFault(spec: string): boolean {
  const eq = spec.indexOf('=')
  const name = spec.slice(0, eq).trim().toLowerCase()
  if (name === 'loss' || name === 'down') return true
  if (name !== 'latency') return false
  const scope = spec.slice(eq + 1).split(':')
  return scope.length >= 3 || (FIXED_LINKS as readonly string[]).includes(scope[0].trim().toLowerCase())
}

function parseLink(text: string, spec: string): LinkName {
  const value = text.trim()
  const lower = value.toLowerCase()
  if ((FIXED_LINKS as readonly string[]).includes(lower)) return lower as LinkName
  const colon = value.indexOf(':')
  const cloud = value.slice(0, colon).toLowerCase()
  const region = value.slice(colon + 1).trim()
  if (colon === -1 || !(SANDBOX_CLOUDS as readonly string[]).includes(cloud) || !region) {
    throw new FaultSyntaxError(`Unknown link "${value}" in "${spec}": use transit, dc, target or CLOUD:REGION (${SANDBOX_CLOUDS.join(', ')}), e.g. linode:us-west.`)
  }

  return {cloud: cloud as SandboxCloud, region}
}

export function parseNetworkFault(spec: string): NetworkFault {
  const eq = spec.indexOf('=')
  const name = spec.slice(0, eq).trim().toLowerCase()
  const value = spec.slice(eq + 1).trim()
  if (name === 'down') {
    const link = parseLink(value, spec)
    return {link, lossPct: 100, spec: `down=${linkLabel(link)}`}
  }

  if (name === 'latency') {
    throw new FaultSyntaxError(
      `"${spec}": delay on a network link is not available (these kernels have no netem); use loss=LINK:P% or down=LINK, or latency=CLOUD:200ms for an API's latency.`,
    )
  }

  const colon = value.lastIndexOf(':')
  const match = /^(\d+(?:\.\d+)?)%?$/.exec(value.slice(colon + 1).trim())
  const pct = match ? Number(match[1]) : Number.NaN
  if (colon === -1 || !(pct >= 1 && pct <= 100) || !Number.isInteger(pct)) {
    throw new FaultSyntaxError(`Bad loss in "${spec}": use loss=LINK:P% with a whole percentage from 1 to 100, e.g. loss=transit:30%.`)
  }

  const link = parseLink(value.slice(0, colon), spec)
  return {link, lossPct: pct, spec: `loss=${linkLabel(link)}:${pct}%`}
}

/** Split fault strings into the APIs' (faults.ts) and the network's. */
export function splitFaults(specs: readonly string[]): {api: string[]; network: string[]} {
  return {api: specs.filter((s) => !isNetworkFault(s)), network: specs.filter((s) => isNetworkFault(s))}
}

/** The nftables table that drops on the given devices (ARP passes: only IPv4 and IPv6 are dropped). */
export function dropTable(name: string, devices: string[], lossPct: number): string {
  const match = lossPct >= 100 ? '' : `numgen random mod 100 < ${lossPct} `
  const chains = devices.map((device, i) => `  chain c${i} { type filter hook ingress device "${device}" priority 0; meta protocol { ip, ip6 } ${match}counter drop; }`)
  // Declaring then deleting makes the replacement one transaction, whether or not the table existed.
  return `table netdev ${name} {}\ndelete table netdev ${name}\ntable netdev ${name} {\n${chains.join('\n')}\n}\n`
}

export const removeTable = (name: string) => `table netdev ${name} {}\ndelete table netdev ${name}\n`
