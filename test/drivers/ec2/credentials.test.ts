import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {AuthError, ValidationError} from '../../../src/core/errors.js'
import {detectCredentials, findCredentialSource, findRegion} from '../../../src/drivers/ec2/credentials.js'
import type {ProviderSettings} from '../../../src/drivers/types.js'
import {FixtureServer} from './fixture-server.js'
import {closeDrivers, ec2Settings, openDriver, tempHome} from './helpers.js'

const server = new FixtureServer()
const {home, cleanup} = tempHome()
const credentialsFile = join(home, '.aws', 'credentials')
const configFile = join(home, '.aws', 'config')

beforeAll(async () => {
  await server.start()
  mkdirSync(join(home, '.aws'))
  writeFileSync(
    credentialsFile,
    '[default]\naws_access_key_id = AKIDFILEDEFAULT\naws_secret_access_key = file-default-secret\n\n[ops]\naws_access_key_id = AKIDFILEOPS\naws_secret_access_key = file-ops-secret\n',
  )
  const script = join(home, 'creds.sh')
  writeFileSync(script, `echo '{"Version": 1, "AccessKeyId": "AKIDPROCESS", "SecretAccessKey": "process-secret", "SessionToken": "process-token"}'\n`)
  writeFileSync(
    configFile,
    `[default]\nregion = eu-west-2\n\n[profile tooling]\nregion = ap-south-1\ncredential_process = /bin/sh ${script}\n\n[profile sso-user]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Ops\n`,
  )
})
afterEach(async () => {
  server.reset()
  await closeDrivers()
})
afterAll(async () => {
  await server.stop()
  cleanup()
})

function settings(values: Record<string, string>, env: NodeJS.ProcessEnv = {}, region?: string): ProviderSettings {
  return ec2Settings(server.url, home, {values, env, region})
}

/** The access key id and region a request was signed with (SigV4 credential scope). */
function signedWith(index = 0): {keyId: string; region: string} {
  const match = /Credential=([^/]+)\/\d{8}\/([^/]+)\/ec2\/aws4_request/.exec(String(server.requests[index].headers.authorization))
  if (!match) throw new Error('request was not SigV4-signed')
  return {keyId: match[1], region: match[2]}
}

describe('ec2 credential sources, in the SDK default chain order with an mc profile first', () => {
  const envKeys = {AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret'}

  it('mc profile keys win over everything', () => {
    const source = findCredentialSource(settings({accessKeyId: 'AKIDMC', secretAccessKey: 'mc-secret', sessionToken: 'mc-token'}, envKeys))
    expect(source).toEqual({kind: 'static', label: 'mc profile "test"', accessKeyId: 'AKIDMC', secretAccessKey: 'mc-secret', sessionToken: 'mc-token'})
  })

  it('then AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY', () => {
    expect(findCredentialSource(settings({}, {...envKeys, AWS_SESSION_TOKEN: 'env-token'}))).toMatchObject({
      kind: 'static',
      label: 'env AWS_ACCESS_KEY_ID',
      accessKeyId: 'AKIDENV',
      sessionToken: 'env-token',
    })
  })

  it('a named AWS profile (AWS_PROFILE or ec2.awsProfile) beats env keys, as in the SDK', () => {
    expect(findCredentialSource(settings({}, {...envKeys, AWS_PROFILE: 'ops'}))).toMatchObject({kind: 'shared', label: `${credentialsFile} [ops]`})
    expect(findCredentialSource(settings({awsProfile: 'ops'}, envKeys))).toMatchObject({kind: 'shared', files: {profile: 'ops', credentialsFile, configFile}})
  })

  it('then the shared credentials file, then profiles in the config file (credential_process, SSO)', () => {
    expect(findCredentialSource(settings({}))).toMatchObject({kind: 'shared', label: `${credentialsFile} [default]`})
    expect(findCredentialSource(settings({awsProfile: 'tooling'}))).toMatchObject({kind: 'shared', label: `${configFile} [tooling] (credential_process)`})
    expect(findCredentialSource(settings({awsProfile: 'sso-user'}))).toMatchObject({kind: 'shared', label: `${configFile} [sso-user] (SSO)`})
  })

  it('then web identity and container credentials from the environment', () => {
    const empty = {AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_CONFIG_FILE: join(home, 'none')}
    expect(findCredentialSource(settings({}, {...empty, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token', AWS_ROLE_ARN: 'arn:aws:iam::1:role/r'}))?.kind).toBe('webIdentity')
    expect(findCredentialSource(settings({}, {...empty, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x'}))?.kind).toBe('container')
  })

  it('uses the instance role only when asked (ec2.credentialSource=instance), never by probing', () => {
    const empty = {AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_CONFIG_FILE: join(home, 'none')}
    expect(findCredentialSource(settings({}, empty))).toBeUndefined()
    expect(findCredentialSource(settings({credentialSource: 'instance'}, empty))).toMatchObject({kind: 'instance'})
    const report = detectCredentials(settings({}, empty))
    expect(report.found).toBe(false)
    expect(report.lookedAt).toEqual([
      'mc profile "test" (ec2.accessKeyId, ec2.secretAccessKey)',
      'env AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
      `${join(home, 'none')} [default]`,
      `${join(home, 'none')} [default]`,
      'AWS_WEB_IDENTITY_TOKEN_FILE, AWS_CONTAINER_CREDENTIALS_*',
    ])
  })

  it('without credentials the driver fails with AuthError before any request', async () => {
    const empty = {AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'), AWS_CONFIG_FILE: join(home, 'none')}
    await expect(openDriver(settings({}, empty))).rejects.toBeInstanceOf(AuthError)
    expect(server.requests).toHaveLength(0)
  })
})

describe('ec2 signs with the credentials the chain found', () => {
  it.each([
    ['mc profile', {accessKeyId: 'AKIDMC', secretAccessKey: 'mc-secret'}, {}, 'AKIDMC'],
    ['env', {}, {AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'env-secret'}, 'AKIDENV'],
    ['~/.aws/credentials [default]', {}, {}, 'AKIDFILEDEFAULT'],
    ['~/.aws/credentials [ops] via AWS_PROFILE', {}, {AWS_PROFILE: 'ops', AWS_ACCESS_KEY_ID: 'AKIDENV', AWS_SECRET_ACCESS_KEY: 'x'}, 'AKIDFILEOPS'],
    ['credential_process in ~/.aws/config (resolved by the SDK)', {awsProfile: 'tooling'}, {}, 'AKIDPROCESS'],
  ])('%s', async (_label, values, env, keyId) => {
    await (await openDriver(settings(values, env))).listKeyPairs()
    expect(signedWith().keyId).toBe(keyId)
  })

  it('sends the session token from a credential_process', async () => {
    await (await openDriver(settings({awsProfile: 'tooling'}))).listKeyPairs()
    expect(server.requests[0].headers['x-amz-security-token']).toBe('process-token')
  })
})

describe('ec2 region', () => {
  it('comes from --region or the mc profile, then AWS_REGION, AWS_DEFAULT_REGION, then ~/.aws/config', () => {
    expect(findRegion(settings({}, {AWS_REGION: 'eu-north-1', AWS_DEFAULT_REGION: 'eu-south-1'}, 'sa-east-1'))).toBe('sa-east-1')
    expect(findRegion(settings({}, {AWS_REGION: 'eu-north-1', AWS_DEFAULT_REGION: 'eu-south-1'}))).toBe('eu-north-1')
    expect(findRegion(settings({}, {AWS_DEFAULT_REGION: 'eu-south-1'}))).toBe('eu-south-1')
    expect(findRegion(settings({}))).toBe('eu-west-2')
    expect(findRegion(settings({awsProfile: 'tooling'}))).toBe('ap-south-1')
  })

  it('signs for the resolved region', async () => {
    await (await openDriver(settings({awsProfile: 'tooling'}))).listKeyPairs()
    expect(signedWith().region).toBe('ap-south-1')
  })

  it('defaults to us-east-1 for a custom endpoint, and is required for AWS itself', async () => {
    const none = {AWS_CONFIG_FILE: join(home, 'none')}
    await (await openDriver(settings({accessKeyId: 'A', secretAccessKey: 'B'}, none))).listKeyPairs()
    expect(signedWith().region).toBe('us-east-1')
    await expect(openDriver(ec2Settings(undefined, home, {region: undefined, env: none}))).rejects.toBeInstanceOf(ValidationError)
  })
})
