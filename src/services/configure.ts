import type {DebugLog} from '../core/log.js'
import type {ProviderName} from '../core/model.js'
import type {ProviderSettings} from '../drivers/types.js'
import {CONFIG_KEYS} from '../store/config-keys.js'
import {readConfig, updateProfile} from '../store/config.js'
import {homeDir, mcPaths} from '../store/paths.js'
import {openDriverWith} from './drivers.js'

/** One thing `mc configure` asks: a profile key, how to ask, and whether an answer is needed. */
export type ConfigureQuestion = {
  /** The key without its provider prefix, e.g. `accessKeyId`. */
  name: string
  message: string
  /** Secrets are asked without echo; `mc config set` reads them from stdin, here from this variable. */
  secret?: boolean
  variable?: string
  optional?: boolean
  /** Offered when the profile holds nothing for the key. */
  suggested?: string
}

const endpoint = (what: string): ConfigureQuestion => ({name: 'endpoint', message: `${what} (Enter for the cloud's own)`, optional: true})

/**
 * What configure asks per cloud, in order: the credentials a person has at hand, then the region.
 * Everything else (proxies, CA files, AWS profiles, clouds.yaml) stays with `mc config set`.
 */
export const CONFIGURE_QUESTIONS: Partial<Record<ProviderName, ConfigureQuestion[]>> = {
  ec2: [
    {name: 'accessKeyId', message: 'AWS access key id'},
    {name: 'secretAccessKey', message: 'AWS secret access key', secret: true, variable: 'AWS_SECRET_ACCESS_KEY'},
    {name: 'sessionToken', message: 'Session token (Enter for none: long-term keys)', secret: true, variable: 'AWS_SESSION_TOKEN', optional: true},
    {name: 'region', message: 'Region', suggested: 'us-east-1'},
    endpoint('EC2 endpoint URL, for EC2-compatible clouds'),
  ],
  rackspace: [
    {name: 'username', message: 'Rackspace user name'},
    {name: 'apiKey', message: 'Rackspace API key', secret: true, variable: 'RAX_API_KEY'},
    {name: 'region', message: 'Region (DFW, ORD, IAD, LON, SYD or HKG)', suggested: 'DFW'},
    endpoint('Identity endpoint URL'),
  ],
  openstack: [
    {name: 'endpoint', message: 'Auth URL (Keystone), like OS_AUTH_URL'},
    {name: 'username', message: 'User name'},
    {name: 'password', message: 'Password', secret: true, variable: 'OS_PASSWORD'},
    {name: 'projectName', message: 'Project name'},
    {name: 'userDomainName', message: 'User domain', suggested: 'Default'},
    {name: 'projectDomainName', message: 'Project domain', suggested: 'Default'},
    {name: 'region', message: 'Region', suggested: 'RegionOne'},
  ],
  linode: [
    {name: 'token', message: 'Linode personal access token', secret: true, variable: 'LINODE_TOKEN'},
    {name: 'region', message: 'Region for new nodes', suggested: 'us-east'},
    endpoint('API base URL'),
  ],
}

export function configurableProviders(): ProviderName[] {
  return Object.keys(CONFIGURE_QUESTIONS) as ProviderName[]
}

/** A profile's current values for one provider (keys without the prefix), to offer as defaults. */
export function currentValues(provider: ProviderName, profile: string): Record<string, string> {
  const values = readConfig(mcPaths().configFile).profiles[profile] ?? {}
  const prefix = `${provider}.`
  return Object.fromEntries(
    Object.entries(values)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), value]),
  )
}

/** Settings built from the answers alone, so the test call uses what was typed and nothing else mc would find. */
function answerSettings(provider: ProviderName, profile: string, answers: Record<string, string>): ProviderSettings {
  const values = Object.fromEntries(Object.entries(answers).filter(([, value]) => value !== ''))
  return {provider, profileName: profile, values, region: values.region, endpoint: values.endpoint, env: process.env, homeDir: homeDir()}
}

export type CredentialTest = {ok: true; summary: string} | {ok: false; error: Error}

/**
 * One read-only call with the answers: the cloud's regions (EC2 DescribeRegions, Keystone then Nova
 * for Rackspace/OpenStack). Linode lists regions without a token, so it lists the account's Linodes.
 */
export async function testCredentials(provider: ProviderName, profile: string, answers: Record<string, string>, log: DebugLog): Promise<CredentialTest> {
  try {
    const driver = await openDriverWith(answerSettings(provider, profile, answers), {log, signal: AbortSignal.timeout(60_000)})
    try {
      if (provider === 'linode') return {ok: true, summary: `the token lists ${(await driver.listNodes()).length} Linode(s)`}
      const regions = (await driver.listLocations()).filter((l) => l.kind === 'region').map((l) => l.id)
      return {ok: true, summary: `${regions.length} region(s) visible${regions.length > 0 ? `: ${regions.slice(0, 6).join(', ')}${regions.length > 6 ? ', ...' : ''}` : ''}`}
    } finally {
      await driver.close?.()
    }
  } catch (error) {
    return {ok: false, error: error as Error}
  }
}

/** Write the answers: set what was answered, remove the optional keys left empty; other keys stay. */
export function saveAnswers(provider: ProviderName, profile: string, answers: Record<string, string>): string[] {
  const set: Record<string, string> = {}
  const remove: string[] = []
  for (const [name, value] of Object.entries(answers)) {
    if (value === '') remove.push(`${provider}.${name}`)
    else set[`${provider}.${name}`] = value
  }
  updateProfile(mcPaths().configFile, profile, set, remove)
  return Object.keys(set)
}

/** Without a terminal: the `mc config set` lines that do what configure would, secrets through stdin. */
export function configSetLines(bin: string, providers: ProviderName[], profile: string): string[] {
  const flag = profile === 'default' ? '' : ` --profile ${profile}`
  return providers.flatMap((provider) =>
    (CONFIGURE_QUESTIONS[provider] ?? []).map((q) => {
      const key = `${provider}.${q.name}`
      const placeholder = `<${CONFIG_KEYS.get(key)?.description ?? q.name}>`
      const line = q.secret ? `printf %s "$${q.variable}" | ${bin} config set ${key} -${flag}` : `${bin} config set ${key} ${q.suggested ?? placeholder}${flag}`
      return q.optional ? `${line}   # optional` : line
    }),
  )
}
