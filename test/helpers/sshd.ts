import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:net'
import {tmpdir, userInfo} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

const run = promisify(execFile)

/**
 * A real OpenSSH sshd on 127.0.0.1 for integration tests: its own temp dir, sshd_config, host key,
 * authorized_keys, pidfile and log. Started daemonised; stopped by the PID from its pidfile.
 *
 * Root's login shell here is bash, and bash started by sshd reads ~/.bashrc (which runs pyenv init,
 * ~0.3 s a command). `SetEnv SHLVL=1` makes bash think it is nested, so it skips that rc file.
 */
export interface SshdOptions {
  /** OpenSSH MaxSessions: channels one connection may have open at once (sshd's default is 10). */
  maxSessions?: number
  hostKeyType?: KeyType
  /** Extra public key lines for authorized_keys, besides the generated client key. */
  authorizedKeys?: string[]
  /** More sshd_config lines. */
  config?: string[]
}

export type KeyType = 'ed25519' | 'rsa' | 'ecdsa'

export interface KeyFiles {
  path: string
  /** The .pub line: "ssh-ed25519 AAAA... comment". */
  publicKey: string
}

export interface Sshd {
  host: string
  port: number
  user: string
  dir: string
  /** An unencrypted ed25519 client key listed in authorized_keys. */
  clientKey: KeyFiles
  hostKey: KeyFiles
  logFile: string
  /** How many times a client authenticated (one per SSH handshake), from sshd's own log. */
  acceptedLogins(): number
  /** Replace the host key and make sshd reload it (SIGHUP), as when a probe is rebuilt. */
  rotateHostKey(type?: KeyType): Promise<KeyFiles>
  stop(): Promise<void>
}

export async function generateKey(dir: string, name: string, type: KeyType, passphrase = '', format?: 'PEM'): Promise<KeyFiles> {
  const path = join(dir, name)
  rmSync(path, {force: true})
  rmSync(`${path}.pub`, {force: true})
  const args = ['-q', '-t', type, '-N', passphrase, '-C', `${name}@mc-test`, '-f', path]
  if (type === 'rsa') args.push('-b', '2048')
  if (format) args.push('-m', format)
  await run('ssh-keygen', args)
  return {path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim()}
}

export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  mkdirSync('/run/sshd', {recursive: true, mode: 0o755})
  const dir = mkdtempSync(join(tmpdir(), 'mc-sshd-'))
  try {
    let hostKey = await generateKey(dir, 'host_key', options.hostKeyType ?? 'ed25519')
    const clientKey = await generateKey(dir, 'client_key', 'ed25519')
    writeFileSync(join(dir, 'authorized_keys'), [clientKey.publicKey, ...(options.authorizedKeys ?? [])].join('\n') + '\n', {mode: 0o600})
    const pidFile = join(dir, 'sshd.pid')
    const logFile = join(dir, 'sshd.log')
    const configFile = join(dir, 'sshd_config')
    const port = await startOnFreePort(dir, configFile, pidFile, logFile, options)
    const pid = () => Number(readFileSync(pidFile, 'utf8').trim())
    return {
      host: '127.0.0.1',
      port,
      user: userInfo().username,
      dir,
      clientKey,
      get hostKey() {
        return hostKey
      },
      logFile,
      acceptedLogins: () => (readFileSync(logFile, 'utf8').match(/Accepted publickey for /g) ?? []).length,
      async rotateHostKey(type: KeyType = options.hostKeyType ?? 'ed25519') {
        hostKey = await generateKey(dir, 'host_key', type)
        const listening = listenCount(logFile)
        process.kill(pid(), 'SIGHUP')
        await waitFor(() => listenCount(logFile) > listening, 5000, 'sshd to reload after SIGHUP')
        return hostKey
      },
      async stop() {
        try {
          if (existsSync(pidFile)) {
            const id = pid()
            process.kill(id, 'SIGTERM')
            await waitFor(() => !alive(id), 5000, `sshd ${id} to exit`)
          }
        } finally {
          rmSync(dir, {recursive: true, force: true})
        }
      },
    }
  } catch (error) {
    rmSync(dir, {recursive: true, force: true})
    throw error
  }
}

async function startOnFreePort(dir: string, configFile: string, pidFile: string, logFile: string, options: SshdOptions): Promise<number> {
  // sshd cannot listen on port 0: take a free port from the kernel and retry if another process wins it.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    writeFileSync(configFile, sshdConfig(dir, port, pidFile, options))
    writeFileSync(logFile, '')
    await run('/usr/sbin/sshd', ['-f', configFile, '-E', logFile])
    // The daemon writes its pidfile once it listens; a failed bind ends it with a log line instead.
    try {
      await waitFor(() => existsSync(pidFile) || /Cannot bind|fatal/i.test(readFileSync(logFile, 'utf8')), 5000, 'sshd to start')
    } catch (error) {
      throw new Error(`${(error as Error).message}; log: ${readFileSync(logFile, 'utf8')}`)
    }
    if (existsSync(pidFile)) return port
    if (attempt >= 5) throw new Error(`sshd did not start: ${readFileSync(logFile, 'utf8')}`)
  }
}

/**
 * What every test sshd (loopback here, the network lab's probes) agrees on: keys only, no PAM (root
 * in CI), no StrictModes (keys live under /tmp), no DNS lookups, and a plain non-login shell level.
 */
export const SSHD_TEST_POLICY = [
  'AuthenticationMethods publickey',
  'PubkeyAuthentication yes',
  'PasswordAuthentication no',
  'KbdInteractiveAuthentication no',
  'PermitRootLogin prohibit-password',
  'UsePAM no',
  'StrictModes no',
  'UseDNS no',
  'PrintMotd no',
  'SetEnv SHLVL=1',
]

function sshdConfig(dir: string, port: number, pidFile: string, options: SshdOptions): string {
  return (
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${pidFile}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      ...SSHD_TEST_POLICY,
      'X11Forwarding no',
      'LogLevel INFO',
      `MaxSessions ${options.maxSessions ?? 10}`,
      ...(options.config ?? []),
    ].join('\n') + '\n'
  )
}

function listenCount(logFile: string): number {
  return (readFileSync(logFile, 'utf8').match(/Server listening on/g) ?? []).length
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}
