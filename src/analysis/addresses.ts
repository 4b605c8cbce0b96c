import {isIPv4, isIPv6} from 'node:net'

import type {AddressGroup, DnsFailure, VantageEvidence} from './types.js'

/**
 * Host names resolved per vantage point: a CDN or GeoDNS answers each vantage point with another
 * address, so the verdict reasons per address reached. Pure helpers; triangulate.ts uses them.
 */

const names = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`)

export const familyOf = (address: string): 4 | 6 => (isIPv6(address) ? 6 : 4)

/** Vantage points per address they measured, in the order the addresses first appear; evidence without an address is in none. */
export function addressGroups(evidence: VantageEvidence[]): AddressGroup[] {
  const groups = new Map<string, AddressGroup>()
  for (const e of evidence) {
    if (e.targetAddress === undefined) continue
    const group = groups.get(e.targetAddress) ?? {address: e.targetAddress, family: familyOf(e.targetAddress), vantages: []}
    group.vantages.push(e.vantage)
    groups.set(e.targetAddress, group)
  }
  return [...groups.values()]
}

/**
 * What the explanation says first about the addresses: which vantage point reached which address,
 * and over which family. Nothing for an IPv4 literal (the address is the target). "pa and pb
 * reached 10.0.0.5, pc reached 10.0.1.5" when they differ.
 */
export function addressNote(target: string, groups: AddressGroup[]): string {
  if (groups.length === 0 || isIPv4(target)) return ''
  const families = new Set(groups.map((g) => g.family))
  const over = families.size === 1 ? `traced over IPv${groups[0].family}` : 'traced over both IPv4 and IPv6'
  if (isIPv6(target)) return `Traced over IPv6. `
  if (groups.length === 1) return `${names(groups[0].vantages)} resolved ${target} to ${groups[0].address}; ${over}. `
  const each = groups.map((g) => `${names(g.vantages)} reached ${g.address}${families.size === 1 ? '' : ` (IPv${g.family})`}`)
  return `The vantage points resolved ${target} to different addresses: ${each.join(', ')}; ${over}. `
}

/** getaddrinfo's words, as perl or the resolver print them, and what they mean in DNS terms. */
const RESOLVER_ERRORS: Array<[RegExp, string]> = [
  [/name or service not known|nodename nor servname/i, 'NXDOMAIN, no such name'],
  [/temporary failure/i, 'SERVFAIL or no answer from the resolver'],
  [/no address associated|address family .* not supported/i, 'no address of the family asked for'],
  [/no answer within/i, 'resolver timeout'],
]

/** The resolver's error with what it means: "Name or service not known: NXDOMAIN, no such name". */
export function describeDnsError(error: string): string {
  const meaning = RESOLVER_ERRORS.find(([pattern]) => pattern.test(error))?.[1]
  return meaning ? `${error}: ${meaning}` : error
}

/** The DNS findings, said after the verdict: not path faults, and those vantage points traced nothing. */
export function dnsNote(target: string, failures: DnsFailure[]): string {
  if (failures.length === 0) return ''
  const who = names(failures.map((f) => f.vantage))
  const one = failures.length === 1
  const each = one ? describeDnsError(failures[0].error) : failures.map((f) => `${f.vantage}: ${describeDnsError(f.error)}`).join('; ')
  return ` DNS finding: ${target} did not resolve on ${who} (${each}). That is the resolver ${one ? 'there' : 'on each of them'}, not a path fault and not the target down; ${who} traced nothing, so ${one ? 'it is' : 'they are'} in neither the affected nor the healthy list.`
}
