import {ValidationError} from '../core/errors.js'
import type {ProviderName} from '../core/model.js'
import type {ProviderSettings} from '../drivers/types.js'
import {DEFAULT_PROFILE, readConfig} from './config.js'
import {homeDir, mcPaths} from './paths.js'

export interface SettingsInput {
  profile?: string
  region?: string
  endpoint?: string
  env?: NodeJS.ProcessEnv
}

/** The active profile name: --profile, else MC_PROFILE, else "default". */
export function activeProfile(input: SettingsInput): string {
  return input.profile || (input.env ?? process.env).MC_PROFILE || DEFAULT_PROFILE
}

/** Resolve what one provider's driver needs. Flags win over the profile. */
export function resolveProviderSettings(provider: ProviderName, input: SettingsInput): ProviderSettings {
  const env = input.env ?? process.env
  const profileName = activeProfile(input)
  const config = readConfig(mcPaths(env).configFile)
  const profile = config.profiles[profileName]
  if (!profile && profileName !== DEFAULT_PROFILE) {
    const known = Object.keys(config.profiles)
    throw new ValidationError(
      `No mc profile named "${profileName}". ${known.length > 0 ? `Profiles: ${known.join(', ')}.` : 'No profiles exist yet.'} Create one with "mc config set <key> <value> --profile ${profileName}".`,
    )
  }
  const values: Record<string, string> = {}
  const prefix = `${provider}.`
  for (const [key, value] of Object.entries(profile ?? {})) {
    if (key.startsWith(prefix)) values[key.slice(prefix.length)] = value
  }
  validateEndpoint(input.endpoint)
  return {
    provider,
    profileName,
    values,
    region: input.region || values.region,
    endpoint: input.endpoint || values.endpoint,
    env,
    homeDir: homeDir(env),
  }
}

function validateEndpoint(endpoint: string | undefined): void {
  if (!endpoint) return
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new ValidationError(`--endpoint "${endpoint}" is not a URL. Give a full URL such as http://127.0.0.1:4566.`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(`--endpoint must be an http:// or https:// URL, got "${endpoint}".`)
  }
}
