import {registerSecret} from '../../core/redact.js'
import type {CredentialReport, ProviderSettings} from '../types.js'

export interface RackspaceCredentials {
  username: string
  apiKey?: string
  password?: string
  source: string
}

/** mc profile first, then RAX_USERNAME with RAX_API_KEY (or RAX_PASSWORD), as pyrax and rack do. */
export function resolveRackspaceCredentials(settings: ProviderSettings): RackspaceCredentials | undefined {
  const {values, env, profileName} = settings
  if (values.username && (values.apiKey || values.password)) {
    registerSecret(values.apiKey)
    registerSecret(values.password)
    return {username: values.username, apiKey: values.apiKey, password: values.password, source: `mc profile "${profileName}"`}
  }
  if (env.RAX_USERNAME && (env.RAX_API_KEY || env.RAX_PASSWORD)) {
    registerSecret(env.RAX_API_KEY)
    registerSecret(env.RAX_PASSWORD)
    return {
      username: env.RAX_USERNAME,
      apiKey: env.RAX_API_KEY || undefined,
      password: env.RAX_PASSWORD || undefined,
      source: env.RAX_API_KEY ? 'env RAX_USERNAME / RAX_API_KEY' : 'env RAX_USERNAME / RAX_PASSWORD',
    }
  }
  return undefined
}

/** --region or the profile's rackspace.region, else RAX_REGION (pyrax's variable). Undefined: the account's default. */
export function resolveRackspaceRegion(settings: ProviderSettings): string | undefined {
  return settings.region || settings.env.RAX_REGION || undefined
}

export function detectCredentials(settings: ProviderSettings): CredentialReport {
  const creds = resolveRackspaceCredentials(settings)
  return {
    provider: 'rackspace',
    found: Boolean(creds),
    source: creds?.source,
    lookedAt: [`mc profile "${settings.profileName}" (rackspace.username, rackspace.apiKey)`, 'env RAX_USERNAME / RAX_API_KEY (or RAX_PASSWORD)'],
  }
}
