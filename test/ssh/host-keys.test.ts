import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ExitCode} from '../../src/core/errors.js'
import {HostKeyChangedError, RevokedHostKeyError, UnknownHostKeyError} from '../../src/ssh/errors.js'
import {hostKeyAlgorithms, type UnknownHostInfo, verifyHostKey} from '../../src/ssh/host-keys.js'
import {fingerprint, KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {generateKey} from '../helpers/sshd.js'

const dir = mkdtempSync(join(tmpdir(), 'mc-host-keys-'))
let oldKey: Buffer
let newKey: Buffer
let n = 0

function fresh(content = ''): KnownHostsFile {
  const path = join(dir, `kh-${n++}`)
  writeFileSync(path, content)
  return new KnownHostsFile(path)
}

const line = (host: string, key: Buffer) => `${host} ssh-ed25519 ${key.toString('base64')}\n`
const base = {vantage: 'probe-a', host: '127.0.0.1', port: 2222}

beforeAll(async () => {
  const [a, b] = await Promise.all([generateKey(dir, 'old', 'ed25519'), generateKey(dir, 'new', 'ed25519')])
  oldKey = Buffer.from(a.publicKey.split(' ')[1], 'base64')
  newKey = Buffer.from(b.publicKey.split(' ')[1], 'base64')
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('verifyHostKey', () => {
  it('accepts a key on file', async () => {
    const knownHosts = fresh(line('[127.0.0.1]:2222', oldKey))
    await expect(verifyHostKey({...base, knownHosts, policy: 'strict'}, oldKey)).resolves.toBe('known')
  })

  it('refuses a changed key under every policy, naming host, both fingerprints and the command to accept it', async () => {
    for (const policy of ['strict', 'accept-new', async () => true] as const) {
      const knownHosts = fresh(line('[127.0.0.1]:2222', oldKey))
      const error = await verifyHostKey({...base, knownHosts, policy}, newKey).catch((error_: unknown) => error_)
      expect(error).toBeInstanceOf(HostKeyChangedError)
      const changed = error as HostKeyChangedError
      expect(changed.exitCode).toBe(ExitCode.auth)
      expect(changed.code).toBe('HOST_KEY_CHANGED')
      expect(changed.message).toContain('probe-a ([127.0.0.1]:2222)')
      expect(changed.message).toContain(fingerprint(oldKey))
      expect(changed.message).toContain(fingerprint(newKey))
      expect(changed.message).toContain('`mc probe trust probe-a`')
      expect(changed.knownFingerprints).toEqual([`${fingerprint(oldKey)} (ssh-ed25519)`])
      expect(changed.presentedFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
      expect(knownHosts.lookup('127.0.0.1', 2222).keys.map((k) => k.blob)).toEqual([oldKey])
    }
  })

  it('strict refuses an unknown host and says how to trust it', async () => {
    const knownHosts = fresh()
    const error = (await verifyHostKey({...base, knownHosts, policy: 'strict'}, newKey).catch((error_: unknown) => error_)) as UnknownHostKeyError
    expect(error).toBeInstanceOf(UnknownHostKeyError)
    expect(error.message).toContain(fingerprint(newKey))
    // It names only what exists: mc probe trust, never a flag no command has.
    expect(error.message).not.toMatch(/--accept-new|--[a-z-]*host-key/)
    expect(error.message).toContain('`mc probe trust probe-a`')
    expect(knownHosts.lookup('127.0.0.1', 2222).keys).toEqual([])
  })

  it('accept-new trusts an unknown host on first use and saves the key', async () => {
    const knownHosts = fresh()
    await expect(verifyHostKey({...base, knownHosts, policy: 'accept-new'}, newKey)).resolves.toBe('added')
    expect(readFileSync(knownHosts.path, 'utf8')).toBe(line('[127.0.0.1]:2222', newKey))
    await expect(verifyHostKey({...base, knownHosts, policy: 'strict'}, newKey)).resolves.toBe('known')
  })

  it('a prompt sees the fingerprint and decides', async () => {
    const asked: UnknownHostInfo[] = []
    const yes = fresh()
    await verifyHostKey(
      {
        ...base,
        knownHosts: yes,
        async policy(info) {
          asked.push(info)
          return true
        },
      },
      newKey,
    )
    expect(asked).toEqual([{vantage: 'probe-a', host: '127.0.0.1', port: 2222, keyType: 'ssh-ed25519', fingerprint: fingerprint(newKey)}])
    expect(yes.lookup('127.0.0.1', 2222).keys).toHaveLength(1)
    const no = fresh()
    const error = await verifyHostKey({...base, knownHosts: no, policy: async () => false}, newKey).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(UnknownHostKeyError)
    expect((error as Error).message).toContain('was not accepted')
    expect(no.lookup('127.0.0.1', 2222).keys).toEqual([])
  })

  it('refuses a revoked key even for a host that lists it', async () => {
    const knownHosts = fresh(`@revoked * ssh-ed25519 ${newKey.toString('base64')}\n` + line('[127.0.0.1]:2222', newKey))
    await expect(verifyHostKey({...base, knownHosts, policy: 'accept-new'}, newKey)).rejects.toBeInstanceOf(RevokedHostKeyError)
  })
})

describe('hostKeyAlgorithms', () => {
  it('asks for the key types already known, RSA with SHA-2 signatures first', () => {
    expect(hostKeyAlgorithms([])).toBeUndefined()
    expect(hostKeyAlgorithms(['ssh-ed25519'])).toEqual(['ssh-ed25519'])
    expect(hostKeyAlgorithms(['ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-rsa'])).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa', 'ecdsa-sha2-nistp256'])
  })
})
