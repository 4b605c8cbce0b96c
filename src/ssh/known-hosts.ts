import {createHash, createHmac} from 'node:crypto'
import {appendFileSync, mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'

import {readOptionalFile} from '../core/files.js'
import {mcPaths} from '../store/paths.js'
import {writeFileAtomic} from '../store/atomic-write.js'

/**
 * mc's own known_hosts file, in OpenSSH's format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"), so
 * `ssh -o UserKnownHostsFile=...` and `ssh-keygen -F/-H/-R` work on it too:
 *
 *   [marker] patterns keytype base64-key [comment]
 *
 * Patterns are comma-separated host names with `*`/`?` wildcards and `!` negation, `[host]:port`
 * for ports other than 22, or one hashed name `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`.
 * Markers: `@revoked` keys are refused; `@cert-authority` lines are skipped (ssh2 has no host certificates).
 */

export interface HostKey {
  type: string
  /** The key blob in SSH wire format (what the base64 field decodes to). */
  blob: Buffer
}

export interface HostKeyLookup {
  keys: HostKey[]
  revoked: HostKey[]
}

export function defaultKnownHostsPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(mcPaths(env).dataDir, 'known_hosts')
}

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise; names are case-insensitive. */
export function hostPattern(host: string, port = 22): string {
  const name = host.toLowerCase()
  return port === 22 ? name : `[${name}]:${port}`
}

/** The key type written inside a key blob (a length-prefixed string). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return ''
  const length = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + length).toString('ascii')
}

/** OpenSSH's fingerprint: "SHA256:" and the unpadded base64 of the blob's SHA-256. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

function wildcardMatch(pattern: string, name: string): boolean {
  const regex = pattern
    .toLowerCase()
    .replaceAll(/[.+^${}()|[\]\\]/g, String.raw`\$&`)
    .replaceAll('*', '.*')
    .replaceAll('?', '.')
  return new RegExp(`^${regex}$`).test(name)
}

function hashedMatch(entry: string, name: string): boolean {
  // |1|salt|hash
  const [salt, hash] = entry.split('|').slice(2)
  if (!salt || !hash) return false
  const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64')
  return expected === hash
}

/** Does a known_hosts pattern field apply to `name` (already in hostPattern form)? */
export function patternsMatch(field: string, name: string): boolean {
  if (field.startsWith('|1|')) return hashedMatch(field, name)
  let matched = false
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (wildcardMatch(pattern.slice(1), name)) return false
    } else if (wildcardMatch(pattern, name)) {
      matched = true
    }
  }
  return matched
}

interface Entry {
  marker?: string
  patterns: string
  key: HostKey
}

function parseLine(line: string): Entry | undefined {
  const trimmed = line.trim()
  if (trimmed === '' || trimmed.startsWith('#')) return undefined
  const fields = trimmed.split(/\s+/)
  const marker = fields[0].startsWith('@') ? fields.shift() : undefined
  const [patterns, type, base64] = fields
  if (!patterns || !type || !base64) return undefined
  const blob = Buffer.from(base64, 'base64')
  // A line whose blob disagrees with its type field is corrupt; OpenSSH ignores it too.
  if (keyTypeOf(blob) !== type) return undefined
  return {marker, patterns, key: {type, blob}}
}

export class KnownHostsFile {
  constructor(readonly path: string) {}

  private lines(): string[] {
    return (readOptionalFile(this.path, 'known_hosts file') ?? '').split('\n')
  }

  /** Keys on file for host:port (read fresh each time, so another mc process's additions count). */
  lookup(host: string, port = 22): HostKeyLookup {
    const name = hostPattern(host, port)
    const result: HostKeyLookup = {keys: [], revoked: []}
    for (const line of this.lines()) {
      const entry = parseLine(line)
      if (!entry || entry.marker === '@cert-authority') continue
      if (entry.marker === '@revoked') {
        // A revoked key is refused whichever host presents it when its pattern is "*"; else per host.
        if (patternsMatch(entry.patterns, name)) result.revoked.push(entry.key)
      } else if (!entry.marker && patternsMatch(entry.patterns, name)) {
        result.keys.push(entry.key)
      }
    }
    return result
  }

  /** Append a key for host:port unless that exact key is already there. */
  add(host: string, port: number, blob: Buffer): void {
    if (this.lookup(host, port).keys.some((k) => k.blob.equals(blob))) return
    mkdirSync(dirname(this.path), {recursive: true, mode: 0o700})
    const existing = readOptionalFile(this.path, 'known_hosts file') ?? ''
    const separator = existing === '' || existing.endsWith('\n') ? '' : '\n'
    appendFileSync(this.path, `${separator}${entryLine(host, port, blob)}\n`, {mode: 0o600})
  }

  /**
   * Make `blob` the only key for host:port: drop every plain or hashed entry that matches it (markers
   * stay), then add the new one. What `mc probe trust` does after a person checked the fingerprint.
   */
  replace(host: string, port: number, blob: Buffer): void {
    const name = hostPattern(host, port)
    const kept = this.lines().filter((line) => {
      const entry = parseLine(line)
      return !entry || entry.marker !== undefined || !patternsMatch(entry.patterns, name)
    })
    while (kept.length > 0 && kept.at(-1) === '') kept.pop()
    kept.push(entryLine(host, port, blob))
    writeFileAtomic(this.path, kept.join('\n') + '\n')
  }
}

function entryLine(host: string, port: number, blob: Buffer): string {
  return `${hostPattern(host, port)} ${keyTypeOf(blob)} ${blob.toString('base64')}`
}
