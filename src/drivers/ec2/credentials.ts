import {join} from 'node:path'

import {parseConfigIni, readOptionalFile} from '../../core/files.js'
import {registerSecret} from '../../core/redact.js'
import type {CredentialReport, ProviderSettings} from '../types.js'

export interface AwsSharedFiles {
  credentialsFile: string
  configFile: string
  profile: string
}

export function awsSharedFiles(settings: ProviderSettings): AwsSharedFiles {
  const {env, homeDir, values} = settings
  return {
    credentialsFile: env.AWS_SHARED_CREDENTIALS_FILE || join(homeDir, '.aws', 'credentials'),
    configFile: env.AWS_CONFIG_FILE || join(homeDir, '.aws', 'config'),
    profile: values.awsProfile || env.AWS_PROFILE || 'default',
  }
}

type IniSection = Record<string, string | undefined>

function section(path: string, name: string): IniSection | undefined {
  const text = readOptionalFile(path, 'AWS shared file')
  if (text === undefined) return undefined
  return parseConfigIni(text, path, 'AWS shared file')[name] as IniSection | undefined
}

function configSectionName(profile: string): string {
  return profile === 'default' ? 'default' : `profile ${profile}`
}

/**
 * Where the driver takes credentials from. `shared` covers everything a profile in ~/.aws can
 * hold (keys, SSO, an assumed role, credential_process), which the SDK's fromIni resolves.
 */
export type CredentialSource =
  | {kind: 'static'; label: string; accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: string}
  | {kind: 'shared'; label: string; files: AwsSharedFiles}
  | {kind: 'webIdentity'; label: string}
  | {kind: 'container'; label: string}
  | {kind: 'instance'; label: string}

/**
 * The SDK's default chain in its own order, with an mc profile first. Instance and container roles
 * count only when present or asked for: probing the metadata address from a laptop or CI would
 * hang and send traffic off the machine. Like the SDK, a named AWS profile beats AWS_* keys.
 */
export function findCredentialSource(settings: ProviderSettings): CredentialSource | undefined {
  const {env, values, profileName} = settings
  const files = awsSharedFiles(settings)
  if (values.accessKeyId && values.secretAccessKey) {
    registerSecret(values.secretAccessKey)
    registerSecret(values.sessionToken)
    return {
      kind: 'static',
      label: `mc profile "${profileName}"`,
      accessKeyId: values.accessKeyId,
      secretAccessKey: values.secretAccessKey,
      sessionToken: values.sessionToken || undefined,
    }
  }
  if (!values.awsProfile && !env.AWS_PROFILE && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    registerSecret(env.AWS_SECRET_ACCESS_KEY)
    registerSecret(env.AWS_SESSION_TOKEN)
    return {
      kind: 'static',
      label: 'env AWS_ACCESS_KEY_ID',
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      sessionToken: env.AWS_SESSION_TOKEN || undefined,
      expiration: env.AWS_CREDENTIAL_EXPIRATION || undefined,
    }
  }
  const creds = section(files.credentialsFile, files.profile)
  if (creds?.aws_access_key_id) {
    registerSecret(creds.aws_secret_access_key)
    registerSecret(creds.aws_session_token)
    return {kind: 'shared', label: `${files.credentialsFile} [${files.profile}]`, files}
  }
  const config = section(files.configFile, configSectionName(files.profile))
  if (config) {
    const kind = profileKind(config)
    if (kind) {
      registerSecret(config.aws_secret_access_key)
      registerSecret(config.aws_session_token)
      return {kind: 'shared', label: `${files.configFile} [${files.profile}] (${kind})`, files}
    }
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) return {kind: 'webIdentity', label: 'env AWS_WEB_IDENTITY_TOKEN_FILE (web identity)'}
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return {kind: 'container', label: 'container credentials (AWS_CONTAINER_CREDENTIALS_*)'}
  }
  if (values.credentialSource === 'instance') return {kind: 'instance', label: 'EC2 instance role (ec2.credentialSource=instance)'}
  return undefined
}

/** What a profile in ~/.aws/config holds that yields credentials, if anything. */
function profileKind(config: IniSection): string | undefined {
  if (config.aws_access_key_id) return 'keys'
  if (config.sso_session || config.sso_start_url) return 'SSO'
  if (config.role_arn) return 'assumed role'
  if (config.credential_process) return 'credential_process'
  return undefined
}

export function detectCredentials(settings: ProviderSettings): CredentialReport {
  const files = awsSharedFiles(settings)
  const lookedAt = [
    `mc profile "${settings.profileName}" (ec2.accessKeyId, ec2.secretAccessKey)`,
    'env AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    `${files.credentialsFile} [${files.profile}]`,
    `${files.configFile} [${configSectionName(files.profile)}]`,
    'AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*',
  ]
  const source = findCredentialSource(settings)
  return source ? {provider: 'ec2', found: true, source: source.label, lookedAt} : {provider: 'ec2', found: false, lookedAt}
}

/** The region: --region or the mc profile, else AWS_REGION / AWS_DEFAULT_REGION, else ~/.aws/config. */
export function findRegion(settings: ProviderSettings): string | undefined {
  if (settings.region) return settings.region
  const {env} = settings
  if (env.AWS_REGION) return env.AWS_REGION
  if (env.AWS_DEFAULT_REGION) return env.AWS_DEFAULT_REGION
  const files = awsSharedFiles(settings)
  return section(files.configFile, configSectionName(files.profile))?.region || undefined
}

/** A CA bundle as the AWS CLI and SDKs take it: AWS_CA_BUNDLE, else `ca_bundle` in the profile's ~/.aws/config section. */
export function findCaBundle(settings: ProviderSettings): string | undefined {
  if (settings.env.AWS_CA_BUNDLE) return settings.env.AWS_CA_BUNDLE
  const files = awsSharedFiles(settings)
  return section(files.configFile, configSectionName(files.profile))?.ca_bundle || undefined
}
