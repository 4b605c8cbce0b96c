import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {AuthError, ConfigError} from '../../src/core/errors.js'
import {redactString} from '../../src/core/redact.js'
import type {SshIdentity} from '../../src/ssh/auth.js'
import {KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {SshPool} from '../../src/ssh/pool.js'
import {generateKey, type KeyFiles, type Sshd, startSshd} from '../helpers/sshd.js'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mc-ssh-auth-'))
let sshd: Sshd
const keys: Record<string, KeyFiles> = {}
let stranger: KeyFiles
let agent: {socket: string; pid: number} | undefined
const pools: SshPool[] = []
let n = 0

function pool(identity: SshIdentity): SshPool {
  const created = new SshPool({knownHosts: new KnownHostsFile(join(dir, `kh-${n++}`)), hostKeyPolicy: 'accept-new', identity})
  pools.push(created)
  return created
}

const target = (name = 'probe-a') => ({name, host: sshd.host, port: sshd.port, username: sshd.user})
const whoami = (p: SshPool, name?: string) => p.executor(target(name)).exec('echo "$USER"', {timeoutMs: 5000})

beforeAll(async () => {
  const made = await Promise.all([
    generateKey(dir, 'rsa_openssh', 'rsa'),
    generateKey(dir, 'rsa_pem', 'rsa', 'pem secret', 'PEM'),
    generateKey(dir, 'ed25519_encrypted', 'ed25519', 'correct horse'),
    generateKey(dir, 'ecdsa', 'ecdsa'),
    generateKey(dir, 'agent_only', 'ed25519'),
  ])
  for (const key of made) keys[key.path.split('/').at(-1)!] = key
  stranger = await generateKey(dir, 'stranger', 'ed25519')
  sshd = await startSshd({authorizedKeys: made.map((k) => k.publicKey)})
})
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  if (agent) process.kill(agent.pid, 'SIGTERM')
  await sshd?.stop()
  rmSync(dir, {recursive: true, force: true})
})

describe('key files', () => {
  it('ed25519, RSA (OpenSSH format) and ECDSA keys log in', async () => {
    for (const key of [sshd.clientKey.path, keys.rsa_openssh.path, keys.ecdsa.path]) {
      expect((await whoami(pool({agent: false, keyFiles: [key]}))).stdout, key).toBe(`${sshd.user}\n`)
    }
  })

  it('an encrypted key asks for its passphrase once per run, not once per probe, and never logs it', async () => {
    const asked: [string, number][] = []
    const p = pool({
      agent: false,
      keyFiles: [keys.ed25519_encrypted.path],
      async passphrase(file, attempt) {
        asked.push([file, attempt])
        return 'correct horse'
      },
    })
    const results = await Promise.all([whoami(p, 'a'), whoami(p, 'b'), whoami(p, 'c')])
    expect(results.map((r) => r.stdout)).toEqual(Array.from({length: 3}).fill(`${sshd.user}\n`))
    expect(asked).toEqual([[keys.ed25519_encrypted.path, 1]])
    expect(redactString('the passphrase was correct horse')).not.toContain('correct horse')
  })

  it('an encrypted PEM RSA key, after one wrong passphrase', async () => {
    const tries = ['wrong', 'pem secret']
    const p = pool({agent: false, keyFiles: [keys.rsa_pem.path], passphrase: async () => tries.shift()})
    expect((await whoami(p)).stdout).toBe(`${sshd.user}\n`)
    expect(tries).toEqual([])
  })

  it('three wrong passphrases: AuthError naming the key', async () => {
    let asked = 0
    const p = pool({
      agent: false,
      keyFiles: [keys.ed25519_encrypted.path],
      async passphrase() {
        asked++
        return 'nope'
      },
    })
    const error = await whoami(p).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toMatch(/Cannot decrypt SSH key .*ed25519_encrypted: wrong passphrase \(3 attempts\)/)
    expect(asked).toBe(3)
  })

  it('no passphrase (no TTY): the key is skipped and the failure says why', async () => {
    const p = pool({agent: false, keyFiles: [keys.ed25519_encrypted.path]})
    const error = await whoami(p).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toContain('is encrypted and no passphrase was given')
  })

  it('a key the probe does not know: AuthError with what was tried and the fix', async () => {
    const error = await whoami(pool({agent: false, keyFiles: [stranger.path]})).catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toMatch(
      /SSH login to probe-a \(.*@\[127\.0\.0\.1\]:\d+\) failed: the server accepted none of mc's keys \(tried .*stranger\)\. Add mc's public key/,
    )
  })

  it('falls through to the next key file when one is refused', async () => {
    expect((await whoami(pool({agent: false, keyFiles: [stranger.path, sshd.clientKey.path]}))).stdout).toBe(`${sshd.user}\n`)
  })

  it('a missing key file is a ConfigError', async () => {
    await expect(whoami(pool({agent: false, keyFiles: [join(dir, 'nope')]}))).rejects.toBeInstanceOf(ConfigError)
  })
})

describe('ssh-agent', () => {
  beforeAll(async () => {
    const socket = join(dir, 'agent.sock')
    const {stdout} = await run('ssh-agent', ['-a', socket, '-s'])
    agent = {socket, pid: Number(/SSH_AGENT_PID=(\d+)/.exec(stdout)![1])}
    await run('ssh-add', [keys.agent_only.path], {env: {...process.env, SSH_AUTH_SOCK: socket}})
  })

  it('logs in with a key that only the agent holds', async () => {
    expect((await whoami(pool({agent: agent!.socket}))).stdout).toBe(`${sshd.user}\n`)
  })

  it('uses $SSH_AUTH_SOCK by default, then key files', async () => {
    const p = new SshPool({
      knownHosts: new KnownHostsFile(join(dir, `kh-${n++}`)),
      hostKeyPolicy: 'accept-new',
      identity: {keyFiles: [stranger.path]},
      env: {SSH_AUTH_SOCK: agent!.socket},
    })
    pools.push(p)
    expect((await whoami(p)).stdout).toBe(`${sshd.user}\n`)
  })

  it('a dead agent socket is skipped, not fatal', async () => {
    const p = pool({agent: join(dir, 'no-agent.sock'), keyFiles: [sshd.clientKey.path]})
    expect((await whoami(p)).stdout).toBe(`${sshd.user}\n`)
  })
})
