import {HostKeyChangedError, RevokedHostKeyError, UnknownHostKeyError} from './errors.js'
import {fingerprint, hostPattern, keyTypeOf, type KnownHostsFile} from './known-hosts.js'

/** What a person (or a prompt) needs to decide on an unknown host key. */
export interface UnknownHostInfo {
  vantage: string
  host: string
  port: number
  keyType: string
  fingerprint: string
}

/**
 * strict: only keys already in mc's known_hosts. accept-new: trust an unknown host on first use
 * (never a changed key). A function: ask (a TTY prompt) and trust the key when it resolves true.
 */
export type HostKeyPolicy = 'strict' | 'accept-new' | ((info: UnknownHostInfo) => Promise<boolean>)

export interface HostKeyCheck {
  knownHosts: KnownHostsFile
  policy: HostKeyPolicy
  vantage: string
  host: string
  port: number
}

/** Accept `presented` for the host or throw the typed error that says why not. Unknown keys trusted by the policy are saved. */
export async function verifyHostKey(check: HostKeyCheck, presented: Buffer): Promise<'known' | 'added'> {
  const {knownHosts, vantage, host, port, policy} = check
  const pattern = hostPattern(host, port)
  const type = keyTypeOf(presented)
  const print = fingerprint(presented)
  const {keys, revoked} = knownHosts.lookup(host, port)
  if (revoked.some((k) => k.blob.equals(presented))) throw new RevokedHostKeyError(vantage, pattern, print)
  if (keys.some((k) => k.blob.equals(presented))) return 'known'
  if (keys.length > 0)
    throw new HostKeyChangedError(
      vantage,
      pattern,
      keys.map((k) => `${fingerprint(k.blob)} (${k.type})`),
      print,
      type,
    )
  const accepted = policy === 'accept-new' || (typeof policy === 'function' && (await policy({vantage, host, port, keyType: type, fingerprint: print})))
  if (!accepted) throw new UnknownHostKeyError(vantage, pattern, print, type, typeof policy === 'function')
  knownHosts.add(host, port, presented)
  return 'added'
}

/** ssh2 host key algorithm names for a known_hosts key type (RSA keys sign with SHA-2 today). */
const ALGORITHMS: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
}

/**
 * Ask the server for a key type mc already knows, as OpenSSH does: a server with ed25519 and RSA
 * keys, known here by its RSA key, must not be reported as changed because it offered ed25519.
 */
export function hostKeyAlgorithms(knownTypes: string[]): string[] | undefined {
  if (knownTypes.length === 0) return undefined
  return [...new Set(knownTypes.flatMap((type) => ALGORITHMS[type] ?? [type]))]
}
