import {AuthError} from '../../core/errors.js'
import {networkOptions} from '../network.js'
import type {CloudDriver, DriverContext, ProviderSettings} from '../types.js'
import {LinodeClient} from './client.js'
import {detectCredentials, linodeCliRegion, resolveLinodeCredentials} from './credentials.js'
import {LinodeDriver} from './driver.js'

export async function createDriver(settings: ProviderSettings, context: DriverContext): Promise<CloudDriver> {
  const credentials = resolveLinodeCredentials(settings)
  if (!credentials) {
    throw new AuthError(`No Linode token found; looked at: ${detectCredentials(settings).lookedAt.join('; ')}.`)
  }
  const client = new LinodeClient({
    endpoint: settings.endpoint,
    token: credentials.token,
    tokenSource: credentials.source,
    log: context.log,
    signal: context.signal,
    network: networkOptions(settings, context),
  })
  return new LinodeDriver(client, settings.region ?? linodeCliRegion(settings) ?? '', context.signal)
}
