import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'

import ssh2 from 'ssh2'

import {ensureMcKey} from '../../src/store/mc-key.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mc-key-'))
})
afterEach(() => rmSync(dir, {recursive: true, force: true}))

describe("mc's probe key", () => {
  it('is generated once as ed25519, private key 0600, and reused after', async () => {
    const first = await ensureMcKey(dir)
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ mc-probe$/)
    expect(readFileSync(first.privateKeyPath, 'utf8')).toContain('BEGIN OPENSSH PRIVATE KEY')
    expect((statSync(first.privateKeyPath).mode % 0o1000).toString(8)).toBe('600')
    expect((await ensureMcKey(dir)).publicKey).toBe(first.publicKey)
  })

  it('always writes a key ssh2 can load (it cannot read back about 1 in 200 of its own ed25519 keys)', async () => {
    for (let i = 0; i < 300; i++) {
      const sub = join(dir, String(i))
      const key = await ensureMcKey(sub)
      expect(ssh2.utils.parseKey(readFileSync(key.privateKeyPath)), key.privateKeyPath).not.toBeInstanceOf(Error)
    }
  })

  it('concurrent first uses agree on one key', async () => {
    const keys = await Promise.all([ensureMcKey(dir), ensureMcKey(dir), ensureMcKey(dir)])
    expect(new Set(keys.map((k) => k.publicKey)).size).toBe(1)
  })
})
