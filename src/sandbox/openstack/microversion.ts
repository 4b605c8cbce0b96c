import {header, json, type SandboxRequest, type SandboxResponse} from '../http.js'

/**
 * Nova's microversions: 2.1 up to 2.96, the newest the compute spec in specs/ describes. A request
 * names one in `OpenStack-API-Version: compute 2.x` or the older `X-OpenStack-Nova-API-Version: 2.x`
 * (the generic header wins when both are sent); none means 2.1 and `latest` the maximum.
 */

export const NOVA_MIN_MINOR = 1
export const NOVA_MAX_MINOR = 96
export const NOVA_MAX_VERSION = `2.${NOVA_MAX_MINOR}`

/** The minor version a request asked for, or Nova's refusal (400 malformed, 406 out of range). */
export function negotiateMicroversion(request: SandboxRequest): number | SandboxResponse {
  const modern = header(request, 'openstack-api-version')
  const legacy = header(request, 'x-openstack-nova-api-version')
  let wanted: string | undefined
  if (modern !== undefined) {
    wanted = /(?:^|,)\s*compute\s+([^,\s]+)/i.exec(modern)?.[1]
  }
  if (wanted === undefined && legacy !== undefined) wanted = legacy.trim()
  if (wanted === undefined) return NOVA_MIN_MINOR
  if (wanted.toLowerCase() === 'latest') return NOVA_MAX_MINOR
  const match = /^(\d+)\.(\d+)$/.exec(wanted)
  if (!match) {
    return json(400, {badRequest: {code: 400, message: `API Version String ${wanted} is of invalid format. Must be of format MajorNum.MinorNum.`}})
  }
  const [major, minor] = [Number(match[1]), Number(match[2])]
  if (major !== 2 || minor < NOVA_MIN_MINOR || minor > NOVA_MAX_MINOR) {
    return json(406, {
      computeFault: {code: 406, message: `Version ${wanted} is not supported by the API. Minimum is 2.${NOVA_MIN_MINOR} and maximum is ${NOVA_MAX_VERSION}.`},
    })
  }
  return minor
}

/** The headers Nova answers every versioned request with. */
export function microversionHeaders(minor: number): Record<string, string> {
  return {
    'openstack-api-version': `compute 2.${minor}`,
    'x-openstack-nova-api-version': `2.${minor}`,
    vary: 'OpenStack-API-Version, X-OpenStack-Nova-API-Version',
  }
}
