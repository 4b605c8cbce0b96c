import {ProviderError, TransientError} from '../../core/errors.js'
import {httpRequest, type HttpResponse, joinUrl} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import {retry, type RetryOptions} from '../../core/retry.js'
import {selectEndpoint} from './catalog.js'
import {neutronError} from './errors.js'
import type {OpenStackSession} from './client.js'

/** The security group mc's probes join on OpenStack: SSH and ICMP from anywhere, IPv4 and IPv6. */
export const PROBE_SECURITY_GROUP = 'mc-probe'

const PROBE_RULES = [
  {ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '0.0.0.0/0'},
  {ethertype: 'IPv4', protocol: 'icmp', port_range_min: null, port_range_max: null, remote_ip_prefix: '0.0.0.0/0'},
  {ethertype: 'IPv6', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: '::/0'},
  {ethertype: 'IPv6', protocol: 'ipv6-icmp', port_range_min: null, port_range_max: null, remote_ip_prefix: '::/0'},
] as const

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

export interface NeutronOptions {
  session: OpenStackSession
  /** The region of the compute endpoint: the security group must live in the same one. */
  region: string
  log: DebugLog
  signal?: AbortSignal
  retry?: RetryOptions
}

/**
 * The little of Neutron (networking v2.0) that mc needs: find or create the `mc-probe` security group
 * and make sure it has its rules. The token and catalogue are the compute session's.
 */
export class NeutronClient {
  constructor(private readonly o: NeutronOptions) {}

  /** Whether the token's catalogue offers a network service in this region (clouds without Neutron do not). */
  async available(): Promise<boolean> {
    const {token} = await this.o.session.connect()
    return token.catalog.some((e) => e.serviceType === 'network' && e.region?.toLowerCase() === this.o.region.toLowerCase())
  }

  /** The id of the `mc-probe` group, created with its rules when missing; rules someone deleted are put back. */
  async ensureProbeGroup(): Promise<string> {
    const found = await this.request('GET', '/v2.0/security-groups', {query: {name: PROBE_SECURITY_GROUP}})
    const groups = isObject(found.json) && Array.isArray(found.json.security_groups) ? found.json.security_groups.filter((g) => isObject(g)) : undefined
    if (!groups) throw new ProviderError(`Neutron's answer to GET /v2.0/security-groups has no "security_groups" list (HTTP ${found.status}).`)
    let group = groups.find((g) => g.name === PROBE_SECURITY_GROUP)
    if (group) {
      this.o.log.line(`openstack: reusing security group ${PROBE_SECURITY_GROUP} (${String(group.id)})`)
    } else {
      const created = await this.request('POST', '/v2.0/security-groups', {
        json: {security_group: {name: PROBE_SECURITY_GROUP, description: 'mc probes: SSH and ICMP from anywhere'}},
      })
      group = isObject(created.json) && isObject(created.json.security_group) ? created.json.security_group : undefined
      if (!group || typeof group.id !== 'string') throw new ProviderError(`Neutron's answer to POST /v2.0/security-groups has no group id (HTTP ${created.status}).`)
      this.o.log.line(`openstack: created security group ${PROBE_SECURITY_GROUP} (${group.id})`)
    }
    const id = String(group.id)
    const existing = Array.isArray(group.security_group_rules) ? group.security_group_rules.filter((r) => isObject(r)) : []
    for (const rule of PROBE_RULES) {
      const present = existing.some(
        (r) =>
          r.direction === 'ingress' &&
          r.ethertype === rule.ethertype &&
          r.protocol === rule.protocol &&
          (r.port_range_min ?? null) === rule.port_range_min &&
          r.remote_ip_prefix === rule.remote_ip_prefix,
      )
      if (present) continue
      const res = await this.request('POST', '/v2.0/security-group-rules', {json: {security_group_rule: {...rule, direction: 'ingress', security_group_id: id}}}, [409])
      // 409 SecurityGroupRuleExists: another mc added it meanwhile.
      if (res.status !== 409) this.o.log.line(`openstack: ${PROBE_SECURITY_GROUP} allows ${rule.protocol} from ${rule.remote_ip_prefix}`)
    }
    return id
  }

  private async endpoint(): Promise<{url: string; token: string}> {
    const {token} = await this.o.session.connect()
    const endpoint = selectEndpoint(token.catalog, {type: 'network', region: this.o.region, source: 'the service catalogue'})
    return {url: endpoint.url, token: token.token}
  }

  private async request(method: 'GET' | 'POST', path: string, options: {query?: Record<string, string>; json?: unknown}, accepted: number[] = []): Promise<HttpResponse> {
    return retry(
      async () => {
        const {url, token} = await this.endpoint()
        const target = new URL(joinUrl(url, path))
        for (const [key, value] of Object.entries(options.query ?? {})) target.searchParams.set(key, value)
        const res = await httpRequest(
          {method, url: target.toString(), headers: {'x-auth-token': token}, json: options.json, signal: this.o.signal, network: this.o.session.network},
          this.o.log,
        )
        if (res.status < 400 || accepted.includes(res.status)) return res
        throw neutronError(res, method, path)
      },
      {
        signal: this.o.signal,
        ...this.o.retry,
        // Only reads are re-sent: a lost answer to a create may have made the group already.
        isRetryable: (error) => method === 'GET' && error instanceof TransientError,
      },
    )
  }
}
