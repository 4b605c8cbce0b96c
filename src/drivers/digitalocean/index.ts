import {AuthError} from '../../core/errors.js'
import {networkOptions} from '../network.js'
import type {ProviderModule} from '../types.js'
import {DigitalOceanClient} from './client.js'
import {detectCredentials, resolveDigitalOceanCredentials} from './credentials.js'
import {DigitalOceanDriver} from './driver.js'

export const createDriver: ProviderModule['createDriver'] = async (settings, context) => {
  const credentials = resolveDigitalOceanCredentials(settings)
  if (!credentials) throw new AuthError(`No DigitalOcean token found; looked at: ${detectCredentials(settings).lookedAt.join('; ')}.`)
  const client = new DigitalOceanClient({
    endpoint: settings.endpoint,
    token: credentials.token,
    tokenSource: credentials.source,
    log: context.log,
    signal: context.signal,
    network: networkOptions(settings, context),
  })
  return new DigitalOceanDriver(client, settings.region ?? '', context.signal)
}
