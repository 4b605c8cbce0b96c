import {ValidationError} from '../core/errors.js'
import type {ProviderName} from '../core/model.js'
import {ec2} from './ec2/descriptor.js'
import {digitalocean} from './digitalocean/descriptor.js'
import {linode} from './linode/descriptor.js'
import {openstack} from './openstack/descriptor.js'
import {rackspace} from './rackspace/descriptor.js'
import type {CredentialModule, ProviderDescriptor, ProviderModule} from './types.js'

/** Every cloud mc speaks, in the order listings and help show them: adding a cloud adds its descriptor here. */
export const DESCRIPTORS: readonly ProviderDescriptor[] = [ec2, rackspace, openstack, linode, digitalocean]

export const PROVIDERS: readonly ProviderName[] = DESCRIPTORS.map((d) => d.name)

const byName = new Map<string, ProviderDescriptor>(DESCRIPTORS.map((d) => [d.name, d]))

export function descriptor(name: ProviderName): ProviderDescriptor {
  return byName.get(name)!
}

export function providerTitle(name: ProviderName): string {
  return descriptor(name).title
}

export function isProviderName(value: string): value is ProviderName {
  return byName.has(value)
}

export function unknownProvider(value: string): ValidationError {
  return new ValidationError(`Unknown provider "${value}". Known providers: ${PROVIDERS.join(', ')} (or "all").`)
}

/** Parse `--provider` values: one name, a comma list, or `all`. */
export function parseProviderList(values: string[]): ProviderName[] {
  const names = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean)
  if (names.includes('all')) return [...PROVIDERS]
  const out: ProviderName[] = []
  for (const name of names) {
    if (!isProviderName(name)) throw unknownProvider(name)
    if (!out.includes(name)) out.push(name)
  }
  return out
}

export function loadProvider(name: ProviderName): Promise<ProviderModule> {
  return descriptor(name).load()
}

export function loadCredentialModule(name: ProviderName): Promise<CredentialModule> {
  return descriptor(name).credentials()
}
