import {AuthError, ValidationError} from '../../core/errors.js'
import type {CloudDriver, DriverContext, ProviderModule, ProviderSettings} from '../types.js'
import {wantsAllRegions} from '../all-regions.js'
import {AllRegionsEc2Driver} from './all-regions.js'
import {networkOptions} from '../network.js'
import {type CredentialSource, findCaBundle, findCredentialSource, findRegion} from './credentials.js'
import {memoizeCredentials, type SdkModule} from './client.js'
import {Ec2Driver} from './driver.js'

/** Signing needs a region even when an EC2-compatible endpoint ignores it. */
const ENDPOINT_DEFAULT_REGION = 'us-east-1'

export interface Ec2Plan {
  source: CredentialSource
  /** The region to talk to; with `allRegions`, the one asked for the region list. */
  region: string
  allRegions: boolean
}

/** Credentials and region, checked before the SDK loads so a missing one fails fast and cheap. */
export function planEc2Driver(settings: ProviderSettings): Ec2Plan {
  const source = findCredentialSource(settings)
  if (!source) {
    throw new AuthError(
      'No EC2 credentials found: set ec2.accessKeyId/ec2.secretAccessKey in the mc profile, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or a profile in ~/.aws (see "mc providers").',
    )
  }
  const allRegions = wantsAllRegions(settings.region)
  const region = findRegion(allRegions ? {...settings, region: undefined} : settings) ?? (settings.endpoint || allRegions ? ENDPOINT_DEFAULT_REGION : undefined)
  if (!region) {
    throw new ValidationError('No EC2 region: pass --region (or "all"), set ec2.region in the mc profile, AWS_REGION, or region in ~/.aws/config.')
  }
  return {source, region, allRegions}
}

/**
 * The SDK warns on every run that its future releases need Node 22: mc supports Node 20 and users
 * cannot act on it. It reads this variable when a client is made; set it before the SDK loads too.
 */
function quietNodeVersionWarning(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
}

/** The EC2 driver on the SDK facade `sdk` (./sdk.js, bundled by the build; tests may pass the bundle). */
export function openEc2Driver(settings: ProviderSettings, context: DriverContext, sdk: SdkModule, plan = planEc2Driver(settings)): CloudDriver {
  quietNodeVersionWarning()
  const {source, region, allRegions} = plan
  context.log.line(`ec2: region ${allRegions ? `all (asking ${region})` : region}, endpoint ${settings.endpoint ?? 'AWS'}, credentials from ${source.label}`)
  const home = new Ec2Driver({
    sdk,
    region,
    endpoint: settings.endpoint,
    credentials: memoizeCredentials(sdk.credentialProvider(source, settings.env)),
    log: context.log,
    signal: context.signal,
    sdkParser: settings.env.MC_EC2_SDK_PARSER === '1',
    network: networkOptions(settings, context, {caFile: findCaBundle(settings)}),
  })
  return allRegions ? new AllRegionsEc2Driver(home) : home
}

/** The AWS SDK loads only here, on a path that talks to EC2. */
export const createDriver: ProviderModule['createDriver'] = async (settings, context) => {
  const plan = planEc2Driver(settings)
  quietNodeVersionWarning()
  return openEc2Driver(settings, context, await import('./sdk.js'), plan)
}
