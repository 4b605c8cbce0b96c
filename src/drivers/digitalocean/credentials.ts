import {join} from 'node:path'

import {configMapping, parseConfigYaml, readOptionalFile} from '../../core/files.js'
import {registerSecret} from '../../core/redact.js'
import type {CredentialReport, ProviderSettings} from '../types.js'

export interface DigitalOceanCredentials {
  token: string
  source: string
}

/** doctl's config file: $XDG_CONFIG_HOME/doctl/config.yaml, else ~/.config/doctl/config.yaml. */
export function doctlConfigPath(settings: ProviderSettings): string {
  const base = settings.env.XDG_CONFIG_HOME || join(settings.homeDir, '.config')
  return join(base, 'doctl', 'config.yaml')
}

/**
 * The token doctl would use: with a current context other than "default" (DIGITALOCEAN_CONTEXT, else
 * the file's `context`), that entry of `auth-contexts`; else `access-token`.
 */
function doctlToken(settings: ProviderSettings): {token?: string; where: string} {
  const path = doctlConfigPath(settings)
  const text = readOptionalFile(path, 'doctl config')
  if (text === undefined) return {where: path}
  const doc = parseConfigYaml(text, path)
  const context = settings.env.DIGITALOCEAN_CONTEXT || (typeof doc.context === 'string' ? doc.context : undefined)
  if (context && context !== 'default') {
    const token = configMapping(doc['auth-contexts'] ?? {}, path, 'auth-contexts')[context]
    return {token: typeof token === 'string' ? token : undefined, where: `${path} (context "${context}")`}
  }
  const token = doc['access-token']
  return {token: typeof token === 'string' ? token : undefined, where: path}
}

export function resolveDigitalOceanCredentials(settings: ProviderSettings): DigitalOceanCredentials | undefined {
  const {values, env, profileName} = settings
  const found = (token: string | undefined, source: string): DigitalOceanCredentials | undefined => {
    if (!token) return undefined
    registerSecret(token)
    return {token, source}
  }
  const fromEnv =
    found(values.token, `mc profile "${profileName}"`) ??
    found(env.DIGITALOCEAN_TOKEN, 'env DIGITALOCEAN_TOKEN') ??
    found(env.DIGITALOCEAN_ACCESS_TOKEN, 'env DIGITALOCEAN_ACCESS_TOKEN')
  if (fromEnv) return fromEnv
  const doctl = doctlToken(settings)
  return found(doctl.token, doctl.where)
}

/** doctl's region default does not exist; the profile's `digitalocean.region` is the only default. */
export function detectCredentials(settings: ProviderSettings): CredentialReport {
  const creds = resolveDigitalOceanCredentials(settings)
  return {
    provider: 'digitalocean',
    found: Boolean(creds),
    source: creds?.source,
    lookedAt: [`mc profile "${settings.profileName}" (digitalocean.token)`, 'env DIGITALOCEAN_TOKEN', 'env DIGITALOCEAN_ACCESS_TOKEN', doctlConfigPath(settings)],
  }
}
