import type {ProviderName} from '../core/model.js'
import {loadCredentialModule, PROVIDERS, providerTitle} from '../drivers/registry.js'
import {resolveProviderSettings, type SettingsInput} from '../store/settings.js'

export type ProviderStatus = {
  provider: ProviderName
  title: string
  credentials: boolean
  source?: string
  lookedAt: string[]
  region?: string
  endpoint?: string
}

/** Which providers have credentials and where from: names of places, never the secrets. */
export async function providerStatuses(input: SettingsInput): Promise<ProviderStatus[]> {
  return Promise.all(
    PROVIDERS.map(async (provider) => {
      const settings = resolveProviderSettings(provider, input)
      const report = (await loadCredentialModule(provider)).detectCredentials(settings)
      return {
        provider,
        title: providerTitle(provider),
        credentials: report.found,
        source: report.source,
        lookedAt: report.lookedAt,
        region: settings.region,
        endpoint: settings.endpoint,
      }
    }),
  )
}
