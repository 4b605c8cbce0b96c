import type {ProviderName} from '../core/model.js'
import {DESCRIPTORS} from '../drivers/registry.js'

export interface ConfigKey {
  provider: ProviderName
  name: string
  description: string
  /** Secrets are masked by `mc config get/list` and redacted from debug logs. */
  secret?: boolean
}

// Each cloud's own keys come from its descriptor; proxy and caFile are every cloud's.
const keys: ConfigKey[] = [
  ...DESCRIPTORS.flatMap((d) => d.configKeys.map((key): ConfigKey => ({provider: d.name, ...key}))),
  // How a cloud's requests leave this machine (README "Proxies and private CAs").
  ...DESCRIPTORS.flatMap((d): ConfigKey[] => [
    {provider: d.name, name: 'proxy', description: 'proxy URL for this cloud (else HTTPS_PROXY / HTTP_PROXY; NO_PROXY applies)'},
    {provider: d.name, name: 'caFile', description: 'PEM file of a private CA to trust, besides the system CAs'},
  ]),
]

export const CONFIG_KEYS: ReadonlyMap<string, ConfigKey> = new Map(keys.map((k) => [`${k.provider}.${k.name}`, k]))

export function isSecretKey(fullKey: string): boolean {
  return CONFIG_KEYS.get(fullKey)?.secret === true
}

export function maskSecret(value: string): string {
  return value.length <= 4 ? '****' : `****${value.slice(-4)}`
}
