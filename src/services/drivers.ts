import {AuthError} from '../core/errors.js'
import type {DebugLog} from '../core/log.js'
import type {ProviderName} from '../core/model.js'
import {loadCredentialModule, loadProvider} from '../drivers/registry.js'
import type {CloudDriver, ProviderSettings} from '../drivers/types.js'
import {mcPaths} from '../store/paths.js'
import {resolveProviderSettings, type SettingsInput} from '../store/settings.js'

export interface DriverRequest extends SettingsInput {
  log: DebugLog
  signal?: AbortSignal
}

/**
 * A driver for one provider. Credentials are looked for first so a missing one fails fast with a
 * message naming every place looked at, before any SDK loads or any request leaves.
 */
export async function openDriver(provider: ProviderName, request: DriverRequest): Promise<CloudDriver> {
  return openDriverWith(resolveProviderSettings(provider, request), request)
}

/** A driver for settings already resolved (`mc configure` tests answers before they are saved). */
export async function openDriverWith(settings: ProviderSettings, request: Pick<DriverRequest, 'log' | 'signal'>): Promise<CloudDriver> {
  const {provider} = settings
  const report = (await loadCredentialModule(provider)).detectCredentials(settings)
  if (!report.found) {
    throw new AuthError(`No ${provider} credentials found; looked at: ${report.lookedAt.join('; ')}.`)
  }
  request.log.line(`${provider}: credentials from ${report.source}`)
  const paths = mcPaths(settings.env)
  const module = await loadProvider(provider)
  return module.createDriver(settings, {log: request.log, dataDir: paths.dataDir, cacheDir: paths.cacheDir, signal: request.signal})
}

/** Open a driver, use it, close it. */
export async function withDriver<T>(provider: ProviderName, request: DriverRequest, use: (driver: CloudDriver) => Promise<T>): Promise<T> {
  const driver = await openDriver(provider, request)
  try {
    return await use(driver)
  } finally {
    await driver.close?.()
  }
}
