import {ValidationError} from '../core/errors.js'
import {PROVIDERS, type ProviderName} from '../core/model.js'
import type {CredentialModule, ProviderModule} from './types.js'

interface ProviderEntry {
  title: string
  /** The driver itself: may pull a cloud SDK, so only loaded on a path that talks to this cloud. */
  load(): Promise<ProviderModule>
  /** Credential discovery: light, used by `mc providers` and before a driver loads. */
  credentials(): Promise<CredentialModule>
}

const registry: Record<ProviderName, ProviderEntry> = {
  ec2: {
    title: 'Amazon EC2 (and EC2-compatible clouds)',
    load: () => import('./ec2/index.js'),
    credentials: () => import('./ec2/credentials.js'),
  },
  rackspace: {
    title: 'Rackspace Cloud Servers (OpenStack Nova behind Rackspace Identity)',
    load: () => import('./rackspace/index.js'),
    credentials: () => import('./rackspace/credentials.js'),
  },
  openstack: {
    title: 'OpenStack Nova (Keystone v2.0/v3)',
    load: () => import('./openstack/index.js'),
    credentials: () => import('./openstack/credentials.js'),
  },
  linode: {
    title: 'Linode (Akamai) API v4',
    load: () => import('./linode/index.js'),
    credentials: () => import('./linode/credentials.js'),
  },
}

export function providerTitle(name: ProviderName): string {
  return registry[name].title
}

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value)
}

export function unknownProvider(value: string): ValidationError {
  return new ValidationError(`Unknown provider "${value}". Known providers: ${PROVIDERS.join(', ')} (or "all").`)
}

/** Parse `--provider` values: one name, a comma list, or `all`. */
export function parseProviderList(values: string[]): ProviderName[] {
  const names = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean)
  if (names.includes('all')) return [...PROVIDERS]
  const out: ProviderName[] = []
  for (const name of names) {
    if (!isProviderName(name)) throw unknownProvider(name)
    if (!out.includes(name)) out.push(name)
  }
  return out
}

export function loadProvider(name: ProviderName): Promise<ProviderModule> {
  return registry[name].load()
}

export function loadCredentialModule(name: ProviderName): Promise<CredentialModule> {
  return registry[name].credentials()
}
