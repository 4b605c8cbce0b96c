import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {createServer, type Server, type Socket} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {promisify} from 'node:util'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {runChecks} from '../../src/checks/run.js'
import {AuthError, ExitCode, TimeoutError, TransientError} from '../../src/core/errors.js'
import {HostKeyChangedError, UnknownHostKeyError} from '../../src/ssh/errors.js'
import type {HostKeyPolicy} from '../../src/ssh/host-keys.js'
import {fingerprint, KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {scanHostKey, SshPool, type SshPoolOptions} from '../../src/ssh/pool.js'
import {closedPort} from '../checks/servers.js'
import {freePort, generateKey, type Sshd, startSshd} from '../helpers/sshd.js'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mc-ssh-pool-'))
let sshd: Sshd
let counter = 0
const pools: SshPool[] = []

function knownHostsFile(): KnownHostsFile {
  return new KnownHostsFile(join(dir, `known_hosts-${counter++}`))
}

function pool(server: Sshd, options: Partial<SshPoolOptions> = {}): SshPool {
  const created = new SshPool({knownHosts: knownHostsFile(), hostKeyPolicy: 'accept-new', identity: {agent: false, keyFiles: [server.clientKey.path]}, ...options})
  pools.push(created)
  return created
}

const target = (server: Sshd, name = 'probe-a') => ({name, host: server.host, port: server.port, username: server.user})

beforeAll(async () => {
  sshd = await startSshd()
})
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()))
})
afterAll(async () => {
  await sshd?.stop()
  rmSync(dir, {recursive: true, force: true})
})

describe('connection reuse', () => {
  it('one handshake per probe for many commands, run as parallel channels', async () => {
    const before = sshd.acceptedLogins()
    const p = pool(sshd)
    const executor = p.executor(target(sshd))
    const started = Date.now()
    const results = await Promise.all(Array.from({length: 24}, (_, i) => executor.exec(`sleep 0.3; echo ${i}`, {timeoutMs: 10_000})))
    const elapsed = Date.now() - started
    expect(results.map((r) => r.stdout)).toEqual(Array.from({length: 24}, (_, i) => `${i}\n`))
    expect(results.every((r) => r.exitCode === 0 && !r.timedOut && r.stderr === '')).toBe(true)
    expect(p.handshakes).toBe(1)
    expect(sshd.acceptedLogins() - before).toBe(1)
    // 24 commands of 0.3 s over 9 channels (one kept spare): three waves, not 24 in a row.
    expect(elapsed).toBeLessThan(4000)
    expect(p.executor(target(sshd))).toBe(executor)
  })

  it('stays within the server MaxSessions, keeping one session free to stop overruns', async () => {
    const small = await startSshd({maxSessions: 3})
    try {
      const executor = pool(small, {maxSessions: 3}).executor(target(small))
      const started = Date.now()
      const ok = await Promise.all(Array.from({length: 6}, () => executor.exec('sleep 0.3; echo ok', {timeoutMs: 10_000})))
      expect(ok.map((r) => r.stdout)).toEqual(Array.from({length: 6}).fill('ok\n'))
      // Two channels at a time: three rounds of 0.3 s.
      expect(Date.now() - started).toBeGreaterThanOrEqual(880)
      // Two commands overrun at once, and both are still stopped through the spare session.
      const overruns = await Promise.all([1, 2].map(() => executor.exec('sleep 5', {timeoutMs: 300})))
      expect(overruns.map((r) => [r.timedOut, r.signal])).toEqual([
        [true, 'SIGKILL'],
        [true, 'SIGKILL'],
      ])
      expect(small.acceptedLogins()).toBe(1)
    } finally {
      await small.stop()
    }
  })

  it('a global bound limits commands in flight across probes', async () => {
    const p = pool(sshd, {concurrency: 2})
    const a = p.executor(target(sshd, 'a'))
    const b = p.executor(target(sshd, 'b'))
    await Promise.all([a.exec('true', {timeoutMs: 5000}), b.exec('true', {timeoutMs: 5000})])
    const started = Date.now()
    await Promise.all([a, b, a, b].map((e) => e.exec('sleep 0.3', {timeoutMs: 5000})))
    expect(Date.now() - started).toBeGreaterThanOrEqual(580)
    expect(p.handshakes).toBe(2)
  })

  it('reconnects once when a working connection drops', async () => {
    const p = pool(sshd)
    const executor = p.executor(target(sshd))
    await executor.exec('true', {timeoutMs: 5000})
    // Kill this session's sshd process from inside: the connection ends under the client.
    await executor.exec('kill -9 $PPID', {timeoutMs: 5000}).catch(() => {})
    await sleep(200)
    const again = await executor.exec('echo back', {timeoutMs: 5000})
    expect(again.stdout).toBe('back\n')
    expect(p.handshakes).toBe(2)
  })
})

describe('keepalive', () => {
  it('a probe that stops answering fails the running command in about interval x count, not at its timeout', async () => {
    const p = pool(sshd, {keepaliveIntervalMs: 200, keepaliveCountMax: 2})
    const executor = p.executor(target(sshd))
    await executor.exec('true', {timeoutMs: 5000})
    const pids = join(dir, 'frozen-pids')
    const started = Date.now()
    // Freeze this session's sshd process: nothing answers on the connection any more.
    const outcome = await executor.exec(`echo "$PPID $$" > '${pids}'; kill -STOP $PPID; sleep 30`, {timeoutMs: 20_000}).catch((error_: unknown) => error_)
    const elapsed = Date.now() - started
    const [sshdPid, shellPid] = readFileSync(pids, 'utf8').trim().split(' ').map(Number)
    process.kill(-shellPid, 'SIGKILL')
    process.kill(sshdPid, 'SIGKILL')
    expect(outcome).toBeInstanceOf(TransientError)
    // Keep-alives (2 x 200 ms) noticed it, not the command's own 20 s timeout.
    expect(elapsed).toBeLessThan(10_000)
  })
})

describe('command timeouts', () => {
  it('stops an overrunning command (the remote process is killed) and keeps the connection', async () => {
    const p = pool(sshd)
    const executor = p.executor(target(sshd))
    const marker = join(dir, 'should-not-exist')
    const result = await executor.exec(`echo started; sleep 2 && touch '${marker}'`, {timeoutMs: 400})
    expect(result).toMatchObject({timedOut: true, stdout: 'started\n', signal: 'SIGKILL'})
    await sleep(2300)
    expect(existsSync(marker)).toBe(false)
    expect((await executor.exec('echo still here', {timeoutMs: 5000})).stdout).toBe('still here\n')
    expect(p.handshakes).toBe(1)
  })

  it('exit codes and signals come back', async () => {
    const executor = pool(sshd).executor(target(sshd))
    expect(await executor.exec('echo out; echo err >&2; exit 7', {timeoutMs: 5000})).toMatchObject({stdout: 'out\n', stderr: 'err\n', exitCode: 7, timedOut: false})
    expect(await executor.exec('kill -TERM $$', {timeoutMs: 5000})).toMatchObject({exitCode: null, signal: 'SIGTERM', stderr: ''})
  })
})

describe('dead probes', () => {
  let silent: Server
  const sockets = new Set<Socket>()
  beforeAll(async () => {
    // Accepts TCP and never says a word: what a hung sshd or a middlebox looks like.
    silent = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    await new Promise<void>((resolve) => {
      silent.listen(0, '127.0.0.1', resolve)
    })
  })
  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => {
      silent.close(() => resolve())
    })
  })

  it('the rest still report; each dead probe fails once, fast, with the reason', async () => {
    const p = pool(sshd, {connectTimeoutMs: 1000})
    const refusedPort = await closedPort()
    const executors = [
      p.executor(target(sshd, 'alive')),
      p.executor({name: 'refused', host: '127.0.0.1', port: refusedPort, username: 'root'}),
      p.executor({name: 'hung', host: '127.0.0.1', port: (silent.address() as {port: number}).port, username: 'root'}),
    ]
    const definitions = [
      {kind: 'tcp' as const, target: '127.0.0.1', port: sshd.port},
      {kind: 'tcp' as const, target: '127.0.0.1', port: sshd.port, name: 'again'},
      {kind: 'tcp' as const, target: '127.0.0.1', port: sshd.port, name: 'third'},
    ]
    const started = Date.now()
    const results = await runChecks(executors, definitions)
    expect(Date.now() - started).toBeLessThan(2500)
    const byVantage = (v: string) => results.filter((r) => r.vantage === v)
    expect(byVantage('alive').map((r) => r.state)).toEqual(['OK', 'OK', 'OK'])
    for (const r of byVantage('refused')) {
      expect(r).toMatchObject({state: 'UNKNOWN', implementation: 'none', error: {code: 'PROVIDER'}})
      expect(r.summary).toMatch(/^TCP UNKNOWN - vantage refused unavailable: Cannot reach refused \(root@\[127\.0\.0\.1\]:\d+\): .*ECONNREFUSED/)
    }
    for (const r of byVantage('hung')) {
      expect(r).toMatchObject({state: 'UNKNOWN', error: {code: 'TIMEOUT'}})
      expect(r.summary).toContain('No SSH handshake with hung')
    }
  })

  it('typed errors from exec itself', async () => {
    const p = pool(sshd, {connectTimeoutMs: 500})
    const refused = p.executor({name: 'r', host: '127.0.0.1', port: await closedPort(), username: 'root'})
    await expect(refused.exec('true', {timeoutMs: 1000})).rejects.toBeInstanceOf(TransientError)
    const hung = p.executor({name: 'h', host: '127.0.0.1', port: (silent.address() as {port: number}).port, username: 'root'})
    await expect(hung.exec('true', {timeoutMs: 1000})).rejects.toBeInstanceOf(TimeoutError)
  })

  it('a handshake timeout says how long mc waited (never "NaNs") and exits 8, also when the timeout is left to the default', async () => {
    const {port} = silent.address() as {port: number}
    const short = pool(sshd, {connectTimeoutMs: 700}).executor({name: 'h', host: '127.0.0.1', port, username: 'root'})
    const error = (await short.exec('true', {timeoutMs: 1000}).catch((error_: unknown) => error_)) as TimeoutError
    expect(error).toBeInstanceOf(TimeoutError)
    expect(error.exitCode).toBe(ExitCode.timeout)
    expect(error.message).toMatch(/^No SSH handshake with h \(root@\[127\.0\.0\.1\]:\d+\) within 0\.7s: /)

    // openProbePool passes connectTimeoutMs: undefined when no command sets one: the 10 s default holds.
    const started = Date.now()
    const unset = pool(sshd, {connectTimeoutMs: undefined}).executor({name: 'd', host: '127.0.0.1', port, username: 'root'})
    const late = (await unset.exec('true', {timeoutMs: 1000}).catch((error_: unknown) => error_)) as TimeoutError
    expect(late).toBeInstanceOf(TimeoutError)
    expect(late.message).toContain(' within 10s: ')
    expect(late.message).not.toContain('NaN')
    expect(Date.now() - started).toBeGreaterThanOrEqual(9500)
  }, 30_000)
})

describe('host keys', () => {
  it('a changed key refuses to connect with both fingerprints; mc probe trust (scan + replace) recovers', async () => {
    const rotating = await startSshd()
    try {
      const knownHosts = knownHostsFile()
      const first = pool(rotating, {knownHosts})
      await first.executor(target(rotating, 'edge-1')).exec('true', {timeoutMs: 5000})
      const oldPrint = fingerprint(Buffer.from(rotating.hostKey.publicKey.split(' ')[1], 'base64'))
      await first.close()

      const fresh = await rotating.rotateHostKey()
      const newPrint = fingerprint(Buffer.from(fresh.publicKey.split(' ')[1], 'base64'))
      const before = rotating.acceptedLogins()
      const second = pool(rotating, {knownHosts})
      const error = await second
        .executor(target(rotating, 'edge-1'))
        .exec('true', {timeoutMs: 5000})
        .catch((error_: unknown) => error_)
      expect(error).toBeInstanceOf(HostKeyChangedError)
      const {message} = error as Error
      expect(message).toContain(`edge-1 ([127.0.0.1]:${rotating.port})`)
      expect(message).toContain(oldPrint)
      expect(message).toContain(newPrint)
      expect(message).toContain('mc probe trust edge-1')
      expect((error as HostKeyChangedError).exitCode).toBe(ExitCode.auth)
      expect(rotating.acceptedLogins()).toBe(before) // it never logged in

      // The same through runChecks: UNKNOWN results carrying the code, other vantages unaffected.
      const [result] = await runChecks([second.executor(target(rotating, 'edge-1'))], [{kind: 'tcp', target: '127.0.0.1', port: 1}])
      expect(result).toMatchObject({state: 'UNKNOWN', error: {code: 'HOST_KEY_CHANGED'}})

      const scanned = await scanHostKey(rotating.host, rotating.port)
      expect(scanned.fingerprint).toBe(newPrint)
      knownHosts.replace(rotating.host, rotating.port, scanned.blob)
      const third = pool(rotating, {knownHosts, hostKeyPolicy: 'strict'})
      expect((await third.executor(target(rotating, 'edge-1')).exec('echo ok', {timeoutMs: 5000})).stdout).toBe('ok\n')
    } finally {
      await rotating.stop()
    }
  })

  it('strict refuses an unknown host; accept-new writes a file OpenSSH itself accepts', async () => {
    const strict = pool(sshd, {hostKeyPolicy: 'strict'})
    await expect(strict.executor(target(sshd)).exec('true', {timeoutMs: 5000})).rejects.toBeInstanceOf(UnknownHostKeyError)

    const knownHosts = knownHostsFile()
    await pool(sshd, {knownHosts, hostKeyPolicy: 'accept-new'}).executor(target(sshd)).exec('true', {timeoutMs: 5000})
    const {stdout} = await run('ssh', [
      '-o',
      `UserKnownHostsFile=${knownHosts.path}`,
      '-o',
      'GlobalKnownHostsFile=/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      'BatchMode=yes',
      '-i',
      sshd.clientKey.path,
      '-p',
      String(sshd.port),
      `${sshd.user}@${sshd.host}`,
      'echo openssh agrees',
    ])
    expect(stdout).toBe('openssh agrees\n')
  })

  it('a prompt is asked once per host, outside the handshake, however many checks wait', async () => {
    const asked: string[] = []
    const slowYes: HostKeyPolicy = async (info) => {
      asked.push(info.fingerprint)
      await sleep(1500) // longer than connectTimeoutMs: a person may take their time
      return true
    }
    const p = pool(sshd, {hostKeyPolicy: slowYes, connectTimeoutMs: 1000})
    const executor = p.executor(target(sshd))
    const results = await Promise.all(Array.from({length: 5}, () => executor.exec('echo hi', {timeoutMs: 5000})))
    expect(results.map((r) => r.stdout)).toEqual(Array.from({length: 5}).fill('hi\n'))
    expect(asked).toEqual([fingerprint(Buffer.from(sshd.hostKey.publicKey.split(' ')[1], 'base64'))])

    const declined = pool(sshd, {hostKeyPolicy: async () => false})
    const error = await declined
      .executor(target(sshd))
      .exec('true', {timeoutMs: 5000})
      .catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(UnknownHostKeyError)
    expect((error as Error).message).toContain('was not accepted')
  })

  it('knows the key type it has on file and asks the server for it', async () => {
    const multi = await startSshd({hostKeyType: 'rsa'})
    try {
      const knownHosts = knownHostsFile()
      await pool(multi, {knownHosts}).executor(target(multi)).exec('true', {timeoutMs: 5000})
      expect(knownHosts.lookup(multi.host, multi.port).keys.map((k) => k.type)).toEqual(['ssh-rsa'])
      const again = await pool(multi, {knownHosts, hostKeyPolicy: 'strict'}).executor(target(multi)).exec('echo rsa', {timeoutMs: 5000})
      expect(again.stdout).toBe('rsa\n')
    } finally {
      await multi.stop()
    }
  })

  it('a server that no longer offers the key type on file is refused, pointing at mc probe trust', async () => {
    const knownHosts = knownHostsFile()
    const rsa = await generateKey(dir, 'old-rsa-host', 'rsa')
    knownHosts.add(sshd.host, sshd.port, Buffer.from(rsa.publicKey.split(' ')[1], 'base64'))
    const error = await pool(sshd, {knownHosts})
      .executor(target(sshd, 'edge-2'))
      .exec('true', {timeoutMs: 5000})
      .catch((error_: unknown) => error_)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toMatch(/offers none of the key types mc knows for it \(ssh-rsa SHA256:.*mc probe trust edge-2/)
  })

  it('scanHostKey fails clearly when nothing answers', async () => {
    await expect(scanHostKey('127.0.0.1', await freePort(), 1000)).rejects.toThrow(/Cannot reach \[127\.0\.0\.1\]:\d+/)
  })
})

describe('lazy loading', () => {
  it('importing the pool does not load ssh2; the first connection does', async () => {
    const script = `
      const before = Object.keys((await import('node:module')).default._cache).some((k) => k.includes('/node_modules/ssh2/'))
      await import(${JSON.stringify(join(process.cwd(), 'src/ssh/pool.ts'))})
      const after = Object.keys((await import('node:module')).default._cache).some((k) => k.includes('/node_modules/ssh2/'))
      console.log(JSON.stringify({before, after}))
    `
    const {stdout} = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: process.cwd()})
    expect(JSON.parse(stdout)).toEqual({before: false, after: false})
  })
})
