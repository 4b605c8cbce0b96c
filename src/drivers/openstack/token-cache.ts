import {chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import type {DebugLog} from '../../core/log.js'
import {registerSecret} from '../../core/redact.js'
import type {CatalogEndpoint} from './catalog.js'
import type {IdentityToken} from './identity.js'

/** Renew this long before the token expires, so a request never starts with a token about to lapse. */
export const EXPIRY_MARGIN_MS = 5 * 60_000

export function isFresh(token: IdentityToken, now = Date.now()): boolean {
  return Date.parse(token.expiresAt) - EXPIRY_MARGIN_MS > now
}

/**
 * Tokens on disk, one file per identity (see identityCacheKey), readable by the user only: a token is a
 * credential. A missing, unreadable, corrupt or nearly expired file is simply not a hit.
 */
export class TokenCache {
  constructor(
    private readonly dir: string,
    private readonly log: DebugLog,
  ) {}

  path(key: string): string {
    return join(this.dir, `openstack-token-${key}.json`)
  }

  read(key: string): IdentityToken | undefined {
    let token: IdentityToken
    try {
      token = JSON.parse(readFileSync(this.path(key), 'utf8')) as IdentityToken
    } catch {
      return undefined
    }
    if (!isToken(token) || !isFresh(token)) return undefined
    registerSecret(token.token)
    this.log.line(`openstack: using the cached token (expires ${token.expiresAt})`)
    return token
  }

  write(key: string, token: IdentityToken): void {
    const path = this.path(key)
    const tmp = `${path}.${process.pid}.tmp`
    try {
      mkdirSync(this.dir, {recursive: true, mode: 0o700})
      writeFileSync(tmp, JSON.stringify(token), {mode: 0o600})
      // writeFileSync's mode only applies when it creates the file, and the umask may narrow it anyway.
      chmodSync(tmp, 0o600)
      renameSync(tmp, path)
    } catch (error) {
      rmSync(tmp, {force: true})
      // A cache that cannot be written costs one authentication per run, not the command.
      this.log.line(`openstack: cannot cache the token in ${this.dir}: ${(error as Error).message}`)
    }
  }

  remove(key: string): void {
    rmSync(this.path(key), {force: true})
  }
}

function isToken(value: unknown): value is IdentityToken {
  const t = value as IdentityToken
  return (
    typeof t === 'object' &&
    t !== null &&
    typeof t.token === 'string' &&
    typeof t.expiresAt === 'string' &&
    Array.isArray(t.catalog) &&
    t.catalog.every((e: CatalogEndpoint) => typeof e?.url === 'string' && typeof e.serviceType === 'string')
  )
}
