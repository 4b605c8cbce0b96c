import {AuthError, ConfigError} from '../../core/errors.js'
import {wantsAllRegions} from '../all-regions.js'
import {networkOptions} from '../network.js'
import type {Capability, ProviderModule, ProviderSettings} from '../types.js'
import {normalizeInterface} from './catalog.js'
import {type OpenStackAuth, resolveOpenStackAuth} from './credentials.js'
import {type FlavourConfig, openNovaAllRegions, openNovaDriver} from './flavour.js'
import type {IdentityCredentials, IdentityService} from './identity.js'

const CAPABILITIES: Capability[] = ['createNode', 'destroyNode', 'rebootNode', 'startStopNode', 'importKeyPair', 'userData', 'tags', 'allRegions']

/** Keystone's built-in domain, which names resolve in when no domain is given (as openstackclient assumes). */
const DEFAULT_DOMAIN_ID = 'default'

/**
 * The token URL for an auth URL as users write it: `…/v3` or `…/v2.0` say the version; a bare
 * `http://keystone:5000` gets the version from `identity_api_version` (OS_IDENTITY_API_VERSION), else v3.
 */
export function keystoneTokensUrl(authUrl: string, identityApiVersion?: string): {version: '2.0' | '3'; tokensUrl: string} {
  const url = authUrl.replace(/\/+$/, '')
  const stated = /\/v2\.0$/.test(url) ? '2.0' : /\/v3$/.test(url) ? '3' : undefined
  const version = stated ?? (identityApiVersion?.startsWith('2') ? '2.0' : '3')
  const base = stated ? url : `${url}/v${version}`
  return {version, tokensUrl: version === '2.0' ? `${base}/tokens` : `${base}/auth/tokens`}
}

function credentialsFor(auth: OpenStackAuth, version: '2.0' | '3'): IdentityCredentials {
  const username = auth.username ?? auth.userId
  if (version === '2.0') {
    if (auth.applicationCredentialSecret) {
      throw new ConfigError(`Application credentials (${auth.source}) need Keystone v3; the auth URL ${auth.authUrl} is v2.0.`)
    }
    if (!auth.username || !auth.password) throw new ConfigError(`Keystone v2.0 needs a user name and password; ${auth.source} lacks one.`)
    return {kind: 'v2-password', username: auth.username, password: auth.password, tenantName: auth.projectName, tenantId: auth.projectId}
  }
  const userDomain = auth.userDomainId || auth.userDomainName ? {domainId: auth.userDomainId, domainName: auth.userDomainName} : {domainId: DEFAULT_DOMAIN_ID}
  const user = {id: auth.userId, name: auth.username, ...(auth.userId ? {} : userDomain)}
  if (auth.applicationCredentialSecret) {
    if (!auth.applicationCredentialId && !(auth.applicationCredentialName && username)) {
      throw new ConfigError(`An application credential needs its id, or its name and the user's name (${auth.source}).`)
    }
    return {
      kind: 'v3-application-credential',
      id: auth.applicationCredentialId,
      name: auth.applicationCredentialName,
      user,
      secret: auth.applicationCredentialSecret,
    }
  }
  if (!username || !auth.password) throw new ConfigError(`Keystone v3 password authentication needs a user name (or id) and a password; ${auth.source} lacks one.`)
  const projectDomain = auth.projectDomainId || auth.projectDomainName ? {domainId: auth.projectDomainId, domainName: auth.projectDomainName} : userDomain
  return {
    kind: 'v3-password',
    user,
    password: auth.password,
    project: auth.projectId ? {id: auth.projectId} : auth.projectName ? {name: auth.projectName, ...projectDomain} : undefined,
  }
}

/** Keystone, as the user's clouds.yaml, OS_* variables, mc profile or --endpoint describe it. */
export function openStackIdentity(auth: OpenStackAuth): IdentityService {
  if (!auth.authUrl) {
    throw new ConfigError(`No Keystone auth URL in ${auth.source}: set OS_AUTH_URL, auth.auth_url in clouds.yaml or openstack.endpoint, or pass --endpoint.`)
  }
  const {version, tokensUrl} = keystoneTokensUrl(auth.authUrl, auth.identityApiVersion)
  return {tokensUrl, label: `Keystone v${version}`, credentials: credentialsFor(auth, version)}
}

/** The OpenStack flavour of the Nova driver, from clouds.yaml, OS_* variables, the mc profile and flags. */
export function openStackConfig(settings: ProviderSettings): FlavourConfig {
  const auth = resolveOpenStackAuth(settings)
  if (!auth) {
    throw new AuthError('No OpenStack credentials found: set OS_CLOUD (clouds.yaml), the OS_* variables, or openstack.* in the mc profile.')
  }
  const iface = normalizeInterface(auth.interface ?? 'public')
  if (!iface) throw new ConfigError(`Endpoint interface "${auth.interface}" (${auth.source}) is not one of public, internal, admin.`)
  return {
    provider: 'openstack',
    identity: openStackIdentity(auth),
    service: {type: 'compute', name: auth.computeServiceName, interface: iface},
    region: auth.region,
    capabilities: CAPABILITIES,
    tls: {caFile: auth.cacert, insecure: auth.insecure, insecureSource: auth.insecure ? auth.source : undefined},
  }
}

export const createDriver: ProviderModule['createDriver'] = async (settings, context) => {
  const all = wantsAllRegions(settings.region)
  // With --region all, the region of clouds.yaml or OS_REGION_NAME (if any) is the home that names the others.
  const config = openStackConfig(all ? {...settings, region: undefined} : settings)
  const flavour = {...config, network: networkOptions(settings, context, config.tls)}
  return all ? openNovaAllRegions(flavour, context, 'OpenStack', 'RegionOne') : openNovaDriver(flavour, context)
}
