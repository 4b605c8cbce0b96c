import {SANDBOX_CLOUDS} from './clouds.js'
import type {SandboxCloud} from './types.js'

/**
 * Fault injection for tests and rehearsals. Grammar, one fault per string:
 *   throttle=0.2            each API answers 20% of requests with its real throttling error
 *   throttle=linode:0.5     only Linode
 *   latency=200ms           every request waits 200 ms first (also "1.5s" or a bare number of ms)
 *   latency=ec2:200ms       only EC2
 *   fail=linode             Linode answers every request with its 5xx error (a comma list names several)
 *   fail=rackspace/SYD      only that region of a cloud with regions in its URLs (Rackspace, OpenStack)
 *   hold=boot               nodes stay booting (pending, BUILD, provisioning) and refuse SSH until the
 *                           hold is lifted; then every boot whose time has come completes at once
 *   hold=boot:linode        only Linode's
 *   hold=create             create requests (RunInstances, POST /servers, POST /linode/instances) make
 *                           their node and then get no answer until the hold is lifted: the cloud has
 *                           the node, the client has not heard of it (hold=create:linode: only Linode's)
 * A hold keeps a moment open for as long as a test needs (a signal while nodes boot, a kill while a
 * create is in flight) instead of betting on a delay being long enough on a loaded machine.
 */
export interface Faults {
  throttle: Partial<Record<SandboxCloud, number>>
  latencyMs: Partial<Record<SandboxCloud, number>>
  fail: Set<SandboxCloud>
  /** Per cloud, regions (lower case) whose APIs answer every request with the 5xx error. */
  failRegions: Partial<Record<SandboxCloud, Set<string>>>
  /** Clouds whose nodes do not finish booting while the hold is on. */
  holdBoot: Set<SandboxCloud>
  /** Clouds whose create requests are not answered while the hold is on. */
  holdCreate: Set<SandboxCloud>
}

export class FaultSyntaxError extends Error {}

export function noFaults(): Faults {
  return {throttle: {}, latencyMs: {}, fail: new Set(), failRegions: {}, holdBoot: new Set(), holdCreate: new Set()}
}

function clouds(scope: string | undefined): SandboxCloud[] {
  if (scope === undefined || scope === 'all') return [...SANDBOX_CLOUDS]
  return scope.split(',').map((name) => {
    const cloud = name.trim().toLowerCase()
    if (!(SANDBOX_CLOUDS as readonly string[]).includes(cloud)) {
      throw new FaultSyntaxError(`Unknown API "${name}" in fault; use ${SANDBOX_CLOUDS.join(', ')} or all.`)
    }
    return cloud as SandboxCloud
  })
}

function splitScope(value: string): [scope: string | undefined, rest: string] {
  const colon = value.lastIndexOf(':')
  return colon === -1 ? [undefined, value] : [value.slice(0, colon), value.slice(colon + 1)]
}

function parseDuration(text: string, fault: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim())
  if (!match) throw new FaultSyntaxError(`Bad duration in fault "${fault}": use e.g. 200ms or 1.5s.`)
  return Math.round(Number(match[1]) * (match[2] === 's' ? 1000 : 1))
}

/** `fail=linode`, `fail=rackspace/SYD`, or a comma list of either. */
function addFail(faults: Faults, value: string, spec: string): void {
  for (const item of value.split(',')) {
    const slash = item.indexOf('/')
    if (slash === -1) {
      for (const cloud of clouds(item)) faults.fail.add(cloud)
      continue
    }
    const region = item
      .slice(slash + 1)
      .trim()
      .toLowerCase()
    if (!region) throw new FaultSyntaxError(`Bad fail in "${spec}": use fail=CLOUD or fail=CLOUD/REGION.`)
    for (const cloud of clouds(item.slice(0, slash))) (faults.failRegions[cloud] ??= new Set()).add(region)
  }
}

export function parseFaults(specs: readonly string[] = []): Faults {
  const faults = noFaults()
  for (const spec of specs) {
    const eq = spec.indexOf('=')
    if (eq === -1) throw new FaultSyntaxError(`Bad fault "${spec}": expected name=value, e.g. throttle=0.2, latency=200ms, fail=linode, hold=boot, hold=create.`)
    const name = spec.slice(0, eq).trim().toLowerCase()
    const value = spec.slice(eq + 1).trim()
    switch (name) {
      case 'throttle': {
        const [scope, rate] = splitScope(value)
        const p = Number(rate)
        if (!Number.isFinite(p) || p < 0 || p > 1) throw new FaultSyntaxError(`Bad throttle rate in "${spec}": use a number from 0 to 1.`)
        for (const cloud of clouds(scope)) faults.throttle[cloud] = p
        break
      }
      case 'latency': {
        const [scope, duration] = splitScope(value)
        const ms = parseDuration(duration, spec)
        for (const cloud of clouds(scope)) faults.latencyMs[cloud] = ms
        break
      }
      case 'fail': {
        addFail(faults, value, spec)
        break
      }
      case 'hold': {
        const [what, scope] = value.split(':', 2) as [string, string | undefined]
        const kind = what.trim().toLowerCase()
        const held = kind === 'boot' ? faults.holdBoot : kind === 'create' ? faults.holdCreate : undefined
        if (!held) throw new FaultSyntaxError(`Bad hold in "${spec}": use hold=boot, hold=create, or either with :CLOUD.`)
        for (const cloud of clouds(scope)) held.add(cloud)
        break
      }

      default: {
        throw new FaultSyntaxError(`Unknown fault "${name}" in "${spec}": use throttle, latency, fail or hold.`)
      }
    }
  }
  return faults
}
