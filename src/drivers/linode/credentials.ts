import {join} from 'node:path'

import {parseConfigIni, readOptionalFile} from '../../core/files.js'
import {registerSecret} from '../../core/redact.js'
import type {CredentialReport, ProviderSettings} from '../types.js'

export interface LinodeCredentials {
  token: string
  source: string
}

function linodeCliConfig(settings: ProviderSettings): string {
  const base = settings.env.XDG_CONFIG_HOME || join(settings.homeDir, '.config')
  return join(base, 'linode-cli')
}

/** A setting linode-cli would use: from its [DEFAULT] default-user's section, else [DEFAULT]. */
function linodeCliSetting(path: string, key: 'token' | 'region'): string | undefined {
  const text = readOptionalFile(path, 'linode-cli config')
  if (text === undefined) return undefined
  const ini = parseConfigIni(text, path, 'linode-cli config') as Record<string, Record<string, string> | string>
  const defaults = (ini.DEFAULT ?? {}) as Record<string, string>
  const user = defaults['default-user']
  const section = user ? (ini[user] as Record<string, string> | undefined) : undefined
  return section?.[key] || defaults[key] || undefined
}

/** linode-cli's default region for new Linodes, used when neither --region nor the profile sets one. */
export function linodeCliRegion(settings: ProviderSettings): string | undefined {
  return linodeCliSetting(linodeCliConfig(settings), 'region')
}

export function resolveLinodeCredentials(settings: ProviderSettings): LinodeCredentials | undefined {
  const {values, env, profileName} = settings
  const found = (token: string | undefined, source: string): LinodeCredentials | undefined => {
    if (!token) return undefined
    registerSecret(token)
    return {token, source}
  }
  const cliConfig = linodeCliConfig(settings)
  return (
    found(values.token, `mc profile "${profileName}"`) ??
    found(env.LINODE_TOKEN, 'env LINODE_TOKEN') ??
    found(env.LINODE_CLI_TOKEN, 'env LINODE_CLI_TOKEN') ??
    found(linodeCliSetting(cliConfig, 'token'), cliConfig)
  )
}

export function detectCredentials(settings: ProviderSettings): CredentialReport {
  const creds = resolveLinodeCredentials(settings)
  return {
    provider: 'linode',
    found: Boolean(creds),
    source: creds?.source,
    lookedAt: [`mc profile "${settings.profileName}" (linode.token)`, 'env LINODE_TOKEN', 'env LINODE_CLI_TOKEN', linodeCliConfig(settings)],
  }
}
