import {parse as parseIni} from 'ini'
import {join} from 'node:path'

import {readOptionalFile} from '../../core/files.js'
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
  return parseIni(text)[name] as IniSection | undefined
}

/**
 * Where EC2 credentials would come from, in the SDK's own order (mc profile first). Instance and
 * container roles count only when asked for: probing the metadata address from a laptop or CI
 * would hang and send traffic off the machine.
 */
export function detectCredentials(settings: ProviderSettings): CredentialReport {
  const {env, values, profileName} = settings
  const files = awsSharedFiles(settings)
  const lookedAt = [
    `mc profile "${profileName}" (ec2.accessKeyId, ec2.secretAccessKey)`,
    'env AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    `${files.credentialsFile} [${files.profile}]`,
    `${files.configFile} [${files.profile === 'default' ? 'default' : `profile ${files.profile}`}]`,
    'AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*',
  ]
  const report = (source: string): CredentialReport => ({provider: 'ec2', found: true, source, lookedAt})
  if (values.accessKeyId && values.secretAccessKey) {
    registerSecret(values.secretAccessKey)
    registerSecret(values.sessionToken)
    return report(`mc profile "${profileName}"`)
  }
  if (!values.awsProfile && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    registerSecret(env.AWS_SECRET_ACCESS_KEY)
    registerSecret(env.AWS_SESSION_TOKEN)
    return report('env AWS_ACCESS_KEY_ID')
  }
  const creds = section(files.credentialsFile, files.profile)
  if (creds?.aws_access_key_id) {
    registerSecret(creds.aws_secret_access_key)
    registerSecret(creds.aws_session_token)
    return report(`${files.credentialsFile} [${files.profile}]`)
  }
  const configSection = section(files.configFile, files.profile === 'default' ? 'default' : `profile ${files.profile}`)
  if (configSection) {
    const kind = configSection.aws_access_key_id
      ? 'keys'
      : configSection.sso_session || configSection.sso_start_url
        ? 'SSO'
        : configSection.role_arn
          ? 'assumed role'
          : configSection.credential_process
            ? 'credential_process'
            : undefined
    if (kind) {
      registerSecret(configSection.aws_secret_access_key)
      return report(`${files.configFile} [${files.profile}] (${kind})`)
    }
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE) return report('env AWS_WEB_IDENTITY_TOKEN_FILE (web identity)')
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return report('container credentials (AWS_CONTAINER_CREDENTIALS_*)')
  }
  if (values.credentialSource === 'instance') return report('EC2 instance role (ec2.credentialSource=instance)')
  return {provider: 'ec2', found: false, lookedAt}
}
