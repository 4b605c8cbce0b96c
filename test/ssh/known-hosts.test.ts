import {execFile} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import {defaultKnownHostsPath, fingerprint, hostPattern, KnownHostsFile, keyTypeOf, patternsMatch} from '../../src/ssh/known-hosts.js'
import {generateKey, type KeyFiles} from '../helpers/sshd.js'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mc-known-hosts-'))
let ed25519: KeyFiles
let rsa: KeyFiles
let ecdsa: KeyFiles
let other: KeyFiles

const blob = (key: KeyFiles) => Buffer.from(key.publicKey.split(' ')[1], 'base64')
const typeAndKey = (key: KeyFiles) => key.publicKey.split(' ').slice(0, 2).join(' ')

/** What OpenSSH itself finds in a known_hosts file for a name (ssh-keygen -F). */
async function opensshFinds(file: string, name: string): Promise<string[]> {
  const result = await run('ssh-keygen', ['-F', name, '-f', file]).catch((error: {stdout: string}) => error)
  return result.stdout
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('@'))
    .map((line) => line.split(' ').slice(1, 3).join(' '))
}

beforeAll(async () => {
  ;[ed25519, rsa, ecdsa, other] = await Promise.all([
    generateKey(dir, 'ed25519', 'ed25519'),
    generateKey(dir, 'rsa', 'rsa'),
    generateKey(dir, 'ecdsa', 'ecdsa'),
    generateKey(dir, 'other', 'ed25519'),
  ])
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('key blobs', () => {
  it('fingerprints match ssh-keygen -l', async () => {
    for (const key of [ed25519, rsa, ecdsa]) {
      const {stdout} = await run('ssh-keygen', ['-lf', `${key.path}.pub`])
      expect(fingerprint(blob(key))).toBe(stdout.split(' ')[1])
    }
  })

  it('reads the key type from inside the blob', () => {
    expect([ed25519, rsa, ecdsa].map((k) => keyTypeOf(blob(k)))).toEqual(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256'])
    expect(keyTypeOf(Buffer.alloc(2))).toBe('')
  })

  it('names hosts the way OpenSSH does', () => {
    expect(hostPattern('Example.COM')).toBe('example.com')
    expect(hostPattern('10.0.0.1', 22)).toBe('10.0.0.1')
    expect(hostPattern('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222')
    expect(hostPattern('::1', 2222)).toBe('[::1]:2222')
  })

  it('lives in the data dir', () => {
    expect(defaultKnownHostsPath({MC_HOME: '/x'})).toBe('/x/data/known_hosts')
  })
})

describe('patterns', () => {
  it('wildcards, negation, comma lists, case', () => {
    expect(patternsMatch('*.example.com', 'a.example.com')).toBe(true)
    expect(patternsMatch('*.example.com', 'example.com')).toBe(false)
    expect(patternsMatch('10.0.0.?', '10.0.0.7')).toBe(true)
    expect(patternsMatch('10.0.0.?', '10.0.0.77')).toBe(false)
    expect(patternsMatch('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false)
    expect(patternsMatch('*.example.com,!bad.example.com', 'good.example.com')).toBe(true)
    expect(patternsMatch('a.test,B.TEST', 'b.test')).toBe(true)
    expect(patternsMatch('[*.example.com]:2222', '[x.example.com]:2222')).toBe(true)
    expect(patternsMatch('[x.example.com]:2222', 'x.example.com')).toBe(false)
    expect(patternsMatch('a+b.test', 'aab.test')).toBe(false)
  })
})

describe('KnownHostsFile', () => {
  it('finds plain, port, wildcard and hashed entries written by OpenSSH; skips markers and junk', async () => {
    const file = join(dir, 'mixed')
    writeFileSync(
      file,
      [
        '# a comment',
        '',
        `[127.0.0.1]:2222 ${typeAndKey(ed25519)} probe`,
        `*.probes.example,!evil.probes.example ${typeAndKey(rsa)}`,
        `hashed.example ${typeAndKey(ecdsa)}`,
        `@cert-authority * ${typeAndKey(other)}`,
        `broken.example ssh-ed25519 ${blob(rsa).toString('base64')}`,
        'half a line',
      ].join('\n'),
    )
    // Hash one line with OpenSSH's own tool.
    const hashed = join(dir, 'hashed')
    writeFileSync(hashed, `hashed.example ${typeAndKey(ecdsa)}\n[10.1.1.1]:2200 ${typeAndKey(ed25519)}\n`)
    await run('ssh-keygen', ['-H', '-f', hashed])
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/)
    writeFileSync(file, readFileSync(file, 'utf8').replace(`hashed.example ${typeAndKey(ecdsa)}`, readFileSync(hashed, 'utf8').trim()))

    const known = new KnownHostsFile(file)
    expect(known.lookup('127.0.0.1', 2222).keys.map((k) => k.blob)).toEqual([blob(ed25519)])
    expect(known.lookup('127.0.0.1', 22).keys).toEqual([])
    expect(known.lookup('a.probes.example').keys.map((k) => k.type)).toEqual(['ssh-rsa'])
    expect(known.lookup('evil.probes.example').keys).toEqual([])
    expect(known.lookup('HASHED.example').keys.map((k) => k.type)).toEqual(['ecdsa-sha2-nistp256'])
    expect(known.lookup('10.1.1.1', 2200).keys.map((k) => k.blob)).toEqual([blob(ed25519)])
    expect(known.lookup('anything').keys).toEqual([]) // @cert-authority is not a host key
    expect(known.lookup('broken.example').keys).toEqual([]) // type field disagrees with the blob
  })

  it('@revoked keys are reported apart from trusted ones', () => {
    const file = join(dir, 'revoked')
    writeFileSync(file, `@revoked * ${typeAndKey(other)}\nh.example ${typeAndKey(ed25519)}\n`)
    const lookup = new KnownHostsFile(file).lookup('h.example')
    expect(lookup.keys.map((k) => k.blob)).toEqual([blob(ed25519)])
    expect(lookup.revoked.map((k) => k.blob)).toEqual([blob(other)])
  })

  it('a missing file is empty; add creates it (0600) with lines OpenSSH finds, once', async () => {
    const file = join(dir, 'data', 'known_hosts')
    const known = new KnownHostsFile(file)
    expect(known.lookup('h').keys).toEqual([])
    known.add('127.0.0.1', 2222, blob(ed25519))
    known.add('127.0.0.1', 2222, blob(ed25519))
    known.add('probe.example', 22, blob(rsa))
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(2)
    expect(await opensshFinds(file, '[127.0.0.1]:2222')).toEqual([typeAndKey(ed25519)])
    expect(await opensshFinds(file, 'probe.example')).toEqual([typeAndKey(rsa)])
    const {stdout} = await run('stat', ['-c', '%a', file])
    expect(stdout.trim()).toBe('600')
  })

  it('add keeps a file without a trailing newline intact', () => {
    const file = join(dir, 'no-newline')
    writeFileSync(file, `a.example ${typeAndKey(rsa)}`)
    new KnownHostsFile(file).add('b.example', 22, blob(ed25519))
    expect(new KnownHostsFile(file).lookup('a.example').keys).toHaveLength(1)
    expect(new KnownHostsFile(file).lookup('b.example').keys).toHaveLength(1)
  })

  it('replace drops every plain and hashed entry for the host, keeps the rest and the markers', async () => {
    const file = join(dir, 'replace')
    writeFileSync(
      file,
      [`[127.0.0.1]:2222 ${typeAndKey(ed25519)}`, `[127.0.0.1]:2222 ${typeAndKey(rsa)}`, `keep.example ${typeAndKey(rsa)}`, `@revoked * ${typeAndKey(ecdsa)}`].join('\n') + '\n',
    )
    const hashedCopy = join(dir, 'replace-hashed')
    copyFileSync(file, hashedCopy)
    await run('ssh-keygen', ['-H', '-f', hashedCopy])
    for (const path of [file, hashedCopy]) {
      const known = new KnownHostsFile(path)
      known.replace('127.0.0.1', 2222, blob(other))
      expect(known.lookup('127.0.0.1', 2222).keys.map((k) => k.blob)).toEqual([blob(other)])
      expect(known.lookup('keep.example').keys).toHaveLength(1)
      expect(known.lookup('x').revoked).toHaveLength(1)
      expect(await opensshFinds(path, '[127.0.0.1]:2222')).toEqual([typeAndKey(other)])
    }
  })

  it('an unreadable path is a ConfigError that names it, not a silent empty file', () => {
    expect(() => new KnownHostsFile(dir).lookup('h')).toThrow(/Cannot read known_hosts file/)
    expect(() => new KnownHostsFile(dir).lookup('h')).not.toThrow(ValidationError)
  })
})
