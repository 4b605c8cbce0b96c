import {join} from 'node:path'

import {ConfigError} from '../../core/errors.js'
import {configMapping, parseConfigYaml, readOptionalFile} from '../../core/files.js'
import {registerSecret} from '../../core/redact.js'
import type {CredentialReport, ProviderSettings} from '../types.js'

/** Keystone credentials, whichever way the user keeps them (mc profile, clouds.yaml, OS_* env). */
export interface OpenStackAuth {
  authUrl?: string
  username?: string
  userId?: string
  password?: string
  projectName?: string
  projectId?: string
  userDomainName?: string
  userDomainId?: string
  projectDomainName?: string
  projectDomainId?: string
  applicationCredentialId?: string
  applicationCredentialName?: string
  applicationCredentialSecret?: string
  region?: string
  interface?: string
  identityApiVersion?: string
  /** Picks one compute service when the catalogue has several (clouds.yaml `compute_service_name`). */
  computeServiceName?: string
  /** A CA bundle to trust (clouds.yaml `cacert`, OS_CACERT). */
  cacert?: string
  /** clouds.yaml `verify: false` (or OS_INSECURE=true): no certificate checks. */
  insecure?: boolean
  source: string
}

/** The places openstacksdk searches, in its order. */
export function cloudsYamlPaths(settings: ProviderSettings): string[] {
  const {env, homeDir} = settings
  if (env.OS_CLIENT_CONFIG_FILE) return [env.OS_CLIENT_CONFIG_FILE]
  const userConfig = env.XDG_CONFIG_HOME || join(homeDir, '.config')
  return [join(process.cwd(), 'clouds.yaml'), join(userConfig, 'openstack', 'clouds.yaml'), '/etc/openstack/clouds.yaml']
}

type Yamlish = Record<string, unknown>

function str(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value
  if (typeof value === 'number') return String(value)
  return undefined
}

function fromCloudsYaml(settings: ProviderSettings, cloud: string): OpenStackAuth {
  const searched = cloudsYamlPaths(settings)
  for (const path of searched) {
    const text = readOptionalFile(path, 'clouds.yaml')
    if (text === undefined) continue
    const doc = parseConfigYaml(text, path)
    const clouds = configMapping(doc.clouds ?? {}, path, 'clouds')
    if (clouds[cloud] === undefined) continue
    const entry = configMapping(clouds[cloud], path, `clouds.${cloud}`)
    const securePath = path.replace(/clouds\.yaml$/, 'secure.yaml')
    const secureText = readOptionalFile(securePath, 'secure.yaml')
    const secureClouds = secureText ? configMapping(parseConfigYaml(secureText, securePath).clouds ?? {}, securePath, 'clouds') : {}
    const secure = secureClouds[cloud] === undefined ? {} : configMapping(secureClouds[cloud], securePath, `clouds.${cloud}`)
    const auth = {
      ...authSettings(secure.auth, securePath, cloud),
      ...authSettings(entry.auth, path, cloud),
    }
    const regionName = str(entry.region_name) ?? (Array.isArray(entry.regions) ? str(entry.regions[0]) : undefined)
    return {
      authUrl: str(auth.auth_url),
      username: str(auth.username),
      userId: str(auth.user_id),
      password: str(auth.password),
      projectName: str(auth.project_name) ?? str(auth.tenant_name),
      projectId: str(auth.project_id) ?? str(auth.tenant_id),
      userDomainName: str(auth.user_domain_name) ?? str(auth.domain_name),
      userDomainId: str(auth.user_domain_id) ?? str(auth.domain_id),
      projectDomainName: str(auth.project_domain_name) ?? str(auth.domain_name),
      projectDomainId: str(auth.project_domain_id) ?? str(auth.domain_id),
      applicationCredentialId: str(auth.application_credential_id),
      applicationCredentialName: str(auth.application_credential_name),
      applicationCredentialSecret: str(auth.application_credential_secret),
      region: regionName,
      interface: str(entry.interface),
      identityApiVersion: str(entry.identity_api_version),
      computeServiceName: str(entry.compute_service_name),
      cacert: str(entry.cacert),
      insecure: entry.verify === false || entry.insecure === true,
      source: `${path} (cloud "${cloud}")`,
    }
  }
  throw new ConfigError(`OpenStack cloud "${cloud}" is not in any clouds.yaml. Searched: ${searched.join(', ')}.`)
}

/** `auth:` of one cloud: a mapping of plain values (`auth: 5` or `password: {a: 1}` is a ConfigError naming the file). */
function authSettings(value: unknown, path: string, cloud: string): Yamlish {
  if (value === undefined || value === null) return {}
  const auth = configMapping(value, path, `clouds.${cloud}.auth`)
  for (const [key, v] of Object.entries(auth)) {
    if (v !== null && typeof v === 'object')
      throw new ConfigError(`${path} is malformed: clouds.${cloud}.auth.${key} must be a plain value, not a ${Array.isArray(v) ? 'list' : 'mapping'}. Fix the file.`)
  }

  return auth
}

function fromEnv(env: NodeJS.ProcessEnv): OpenStackAuth {
  return {
    authUrl: env.OS_AUTH_URL,
    username: env.OS_USERNAME,
    userId: env.OS_USER_ID,
    password: env.OS_PASSWORD,
    projectName: env.OS_PROJECT_NAME || env.OS_TENANT_NAME,
    projectId: env.OS_PROJECT_ID || env.OS_TENANT_ID,
    userDomainName: env.OS_USER_DOMAIN_NAME,
    userDomainId: env.OS_USER_DOMAIN_ID,
    projectDomainName: env.OS_PROJECT_DOMAIN_NAME,
    projectDomainId: env.OS_PROJECT_DOMAIN_ID,
    applicationCredentialId: env.OS_APPLICATION_CREDENTIAL_ID,
    applicationCredentialName: env.OS_APPLICATION_CREDENTIAL_NAME,
    applicationCredentialSecret: env.OS_APPLICATION_CREDENTIAL_SECRET,
    region: env.OS_REGION_NAME,
    interface: env.OS_INTERFACE,
    identityApiVersion: env.OS_IDENTITY_API_VERSION,
    computeServiceName: env.OS_COMPUTE_SERVICE_NAME,
    source: 'env OS_*',
  }
}

function fromProfile(settings: ProviderSettings): OpenStackAuth {
  const v = settings.values
  return {
    authUrl: v.endpoint,
    username: v.username,
    password: v.password,
    projectName: v.projectName,
    projectId: v.projectId,
    userDomainName: v.userDomainName,
    projectDomainName: v.projectDomainName,
    applicationCredentialId: v.applicationCredentialId,
    applicationCredentialSecret: v.applicationCredentialSecret,
    region: v.region,
    interface: v.interface,
    source: `mc profile "${settings.profileName}"`,
  }
}

function hasSecret(auth: OpenStackAuth): boolean {
  return Boolean(auth.password || auth.applicationCredentialSecret)
}

/**
 * mc profile, then clouds.yaml (openstack.cloud or OS_CLOUD), then OS_* variables. `--endpoint`
 * and `--region` replace the auth URL and region whichever source supplied the rest.
 */
export function resolveOpenStackAuth(settings: ProviderSettings): OpenStackAuth | undefined {
  const cloud = settings.values.cloud || settings.env.OS_CLOUD
  const candidates = [() => fromProfile(settings), () => (cloud ? fromCloudsYaml(settings, cloud) : undefined), () => fromEnv(settings.env)]
  for (const candidate of candidates) {
    const auth = candidate()
    if (auth && hasSecret(auth)) {
      registerSecret(auth.password)
      registerSecret(auth.applicationCredentialSecret)
      return {
        ...auth,
        authUrl: settings.endpoint || auth.authUrl,
        region: settings.region || auth.region,
        // openstacksdk reads OS_CACERT whichever source has the credentials.
        cacert: auth.cacert ?? (settings.env.OS_CACERT || undefined),
      }
    }
  }
  return undefined
}

export function detectCredentials(settings: ProviderSettings): CredentialReport {
  const auth = resolveOpenStackAuth(settings)
  const cloud = settings.values.cloud || settings.env.OS_CLOUD
  return {
    provider: 'openstack',
    found: Boolean(auth),
    source: auth?.source,
    lookedAt: [
      `mc profile "${settings.profileName}" (openstack.endpoint, openstack.username, openstack.password)`,
      cloud ? `clouds.yaml cloud "${cloud}" in ${cloudsYamlPaths(settings).join(', ')}` : 'OS_CLOUD (unset) with clouds.yaml',
      'env OS_AUTH_URL / OS_USERNAME / OS_PASSWORD (or OS_APPLICATION_CREDENTIAL_ID / _SECRET)',
    ],
  }
}
