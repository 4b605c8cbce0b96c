import {createHash} from 'node:crypto'
import {linkSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {ConfigError} from '../core/errors.js'

/** mc's own SSH key: one ed25519 pair, generated once, that every deployed probe trusts. */
export type McKey = {privateKeyPath: string; publicKey: string; keyName: string}

/** The prefix of the name mc imports its public key under in every cloud. */
export const MC_KEY_NAME = 'mc-probe'

/**
 * The cloud key pair name for one public key: the prefix and the key's own fingerprint. Clouds
 * reuse a key pair found by name, so a fixed name would give a second machine's probes (another
 * MC_HOME, same account) the first machine's key, and mc could never log in to them.
 */
export function mcKeyName(publicKey: string): string {
  const blob = Buffer.from(publicKey.trim().split(/\s+/)[1] ?? '', 'base64')
  return `${MC_KEY_NAME}-${createHash('sha256').update(blob).digest('hex').slice(0, 12)}`
}

export function mcKeyPaths(dataDir: string): {privateKeyPath: string; publicKeyPath: string} {
  const dir = join(dataDir, 'keys')
  return {privateKeyPath: join(dir, 'mc_ed25519'), publicKeyPath: join(dir, 'mc_ed25519.pub')}
}

/**
 * Load mc's key pair, creating it the first time. Two processes racing both generate, but only the
 * first hard link wins; the loser reads the winner's key, so every probe trusts one key.
 */
export async function ensureMcKey(dataDir: string): Promise<McKey> {
  const {privateKeyPath, publicKeyPath} = mcKeyPaths(dataDir)
  const existing = readKey(privateKeyPath, publicKeyPath)
  if (existing) return existing
  mkdirSync(join(dataDir, 'keys'), {recursive: true, mode: 0o700})
  // ssh2 is CommonJS: under Node's ESM loader its exports sit on `default`.
  const ssh2 = await import('ssh2')
  const {utils} = (ssh2 as unknown as {default?: typeof ssh2}).default ?? ssh2
  // About one ed25519 key in 200 that ssh2 writes, it cannot read back ("Malformed OpenSSH private
  // key"): draw until the key loads, or every later connection with it would fail.
  let pair = utils.generateKeyPairSync('ed25519', {comment: 'mc-probe'})
  while (utils.parseKey(pair.private) instanceof Error) pair = utils.generateKeyPairSync('ed25519', {comment: 'mc-probe'})
  const suffix = `${process.pid}.${Date.now()}.tmp`
  writeFileSync(`${publicKeyPath}.${suffix}`, `${pair.public}\n`, {mode: 0o644})
  writeFileSync(`${privateKeyPath}.${suffix}`, pair.private, {mode: 0o600})
  try {
    // The private key's link decides the winner; the public key follows it at once.
    linkSync(`${privateKeyPath}.${suffix}`, privateKeyPath)
    linkSync(`${publicKeyPath}.${suffix}`, publicKeyPath)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  } finally {
    rmSync(`${publicKeyPath}.${suffix}`, {force: true})
    rmSync(`${privateKeyPath}.${suffix}`, {force: true})
  }

  for (let waited = 0; waited < 5000; waited += 50) {
    const key = readKey(privateKeyPath, publicKeyPath)
    if (key) return key
    await new Promise((resolve) => {
      setTimeout(resolve, 50)
    })
  }

  throw new ConfigError(`mc's key ${privateKeyPath} exists without ${publicKeyPath}. Remove both and run again.`)
}

function readKey(privateKeyPath: string, publicKeyPath: string): McKey | undefined {
  try {
    const publicKey = readFileSync(publicKeyPath, 'utf8').trim()
    readFileSync(privateKeyPath)
    return {privateKeyPath, publicKey, keyName: mcKeyName(publicKey)}
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
