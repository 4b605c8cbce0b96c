import {createHash} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {dirname, isAbsolute, join} from 'node:path'
import type {SecureContextOptions} from 'node:tls'
import {parse as parseYaml} from 'yaml'

import {ConfigError} from '../core/errors.js'

/**
 * The Prometheus exporter-toolkit web configuration (--web.config.file), the parts mc supports:
 *
 *   tls_server_config:
 *     cert_file: server.crt            # relative paths are relative to this file, as in exporter-toolkit
 *     key_file: server.key
 *     client_auth_type: RequireAndVerifyClientCert   # optional; needs client_ca_file
 *     client_ca_file: ca.crt
 *     min_version: TLS12               # TLS12 or TLS13
 *   basic_auth_users:
 *     prometheus: $2y$10$...           # bcrypt hashes (htpasswd -B, or mkpasswd)
 *
 * Anything else (cipher suites, curves, http_server_config) is refused rather than ignored, so a
 * setting a user relies on never silently does nothing.
 */
export type WebConfig = {tls?: SecureContextOptions & {clientAuth: string; requestCert: boolean; rejectUnauthorized: boolean}; users: Map<string, string>}

const TLS_KEYS = new Set(['cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'min_version'])
const CLIENT_AUTH = new Set(['NoClientCert', 'RequestClientCert', 'RequireAnyClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'])

export function readWebConfig(path: string): WebConfig {
  let doc: unknown
  try {
    doc = parseYaml(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new ConfigError(`Cannot read web config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}`)
  }
  const file = (doc ?? {}) as Record<string, unknown>
  for (const key of Object.keys(file)) {
    if (key !== 'tls_server_config' && key !== 'basic_auth_users')
      throw new ConfigError(`Web config ${path}: "${key}" is not supported by mc (tls_server_config, basic_auth_users).`)
  }
  const users = new Map<string, string>()
  for (const [user, hash] of Object.entries((file.basic_auth_users ?? {}) as Record<string, unknown>)) {
    if (typeof hash !== 'string' || !/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) {
      throw new ConfigError(`Web config ${path}: basic_auth_users.${user} must be a bcrypt hash ($2y$..., as htpasswd -B writes).`)
    }
    users.set(user, hash)
  }
  const tlsConfig = file.tls_server_config as Record<string, unknown> | undefined
  return {users, tls: tlsConfig ? tlsOptions(tlsConfig, path) : undefined}
}

function tlsOptions(config: Record<string, unknown>, path: string): NonNullable<WebConfig['tls']> {
  for (const key of Object.keys(config)) {
    if (!TLS_KEYS.has(key)) throw new ConfigError(`Web config ${path}: tls_server_config.${key} is not supported by mc (${[...TLS_KEYS].join(', ')}).`)
  }
  const file = (key: string, required: boolean): Buffer | undefined => {
    const value = config[key]
    if (value === undefined) {
      if (required) throw new ConfigError(`Web config ${path}: tls_server_config needs ${key}.`)
      return undefined
    }
    const resolved = isAbsolute(String(value)) ? String(value) : join(dirname(path), String(value))
    try {
      return readFileSync(resolved)
    } catch (error) {
      throw new ConfigError(`Web config ${path}: cannot read tls_server_config.${key} ${resolved}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  const clientAuth = String(config.client_auth_type ?? 'NoClientCert')
  if (!CLIENT_AUTH.has(clientAuth)) throw new ConfigError(`Web config ${path}: client_auth_type must be one of ${[...CLIENT_AUTH].join(', ')}.`)
  const verify = clientAuth === 'VerifyClientCertIfGiven' || clientAuth === 'RequireAndVerifyClientCert'
  const ca = file('client_ca_file', verify)
  const minVersion = config.min_version === undefined ? 'TLSv1.2' : ({TLS12: 'TLSv1.2', TLS13: 'TLSv1.3'} as const)[String(config.min_version) as 'TLS12']
  if (!minVersion) throw new ConfigError(`Web config ${path}: min_version must be TLS12 or TLS13.`)
  return {
    cert: file('cert_file', true),
    key: file('key_file', true),
    ca,
    minVersion,
    clientAuth,
    requestCert: clientAuth !== 'NoClientCert',
    // Node can only require a verified certificate or accept any: "if given" and "any" are checked per request.
    rejectUnauthorized: clientAuth === 'RequireAndVerifyClientCert',
  }
}

/**
 * Basic auth against bcrypt hashes. bcrypt costs ~50-100 ms of CPU per check by design; a scrape
 * every few seconds per target would spend a core on it, so successful logins are remembered by a
 * SHA-256 of user, password and hash (as exporter-toolkit caches them). Unknown users still pay for
 * one comparison, so response times do not say which user names exist.
 */
export class BasicAuth {
  private readonly verified = new Set<string>()
  private bcrypt?: Promise<typeof import('bcryptjs')>

  constructor(private readonly users: Map<string, string>) {}

  get enabled(): boolean {
    return this.users.size > 0
  }

  async check(header: string | undefined): Promise<boolean> {
    if (!this.enabled) return true
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
    if (!match) return false
    const decoded = Buffer.from(match[1], 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return false
    const user = decoded.slice(0, colon)
    const password = decoded.slice(colon + 1)
    const hash = this.users.get(user)
    const key = createHash('sha256')
      .update(`${user}\0${password}\0${hash ?? ''}`)
      .digest('hex')
    if (hash && this.verified.has(key)) return true
    this.bcrypt ??= import('bcryptjs').then((mod) => (mod as unknown as {default?: typeof import('bcryptjs')}).default ?? mod)
    const {compare} = await this.bcrypt
    const ok = await compare(password, hash ?? DUMMY_HASH)
    if (ok && hash) {
      this.verified.add(key)
      return true
    }
    return false
  }
}

/** A valid hash of nothing anyone sends, for the comparison an unknown user still costs. */
const DUMMY_HASH = '$2b$10$l3fATFGD9O5XUe.3Wa29wuHtoGSYspuEySL9d0RE5UeD.65qpv/fa'
