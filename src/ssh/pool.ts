import type {AnyAuthMethod, Client, ClientChannel, ConnectConfig} from 'ssh2'

import {AuthError, InterruptedError, McError, TimeoutError, TransientError} from '../core/errors.js'
import {type DebugLog, silentLog} from '../core/log.js'
import {retry} from '../core/retry.js'
import {describeIdentity, type LoadedIdentity, loadIdentity, type SshIdentity} from './auth.js'
import {UnknownHostKeyError} from './errors.js'
import {hostKeyAlgorithms, type HostKeyPolicy, verifyHostKey} from './host-keys.js'
import {fingerprint, hostPattern, keyTypeOf, type KnownHostsFile} from './known-hosts.js'
import {Semaphore} from './semaphore.js'
import {OutputBuffer} from './output-buffer.js'
import type {ExecOptions, ExecResult, Executor} from '../checks/executor.js'

/** ssh2 costs ~250 ms to import: load it on the first connection, never at start-up. */
type Ssh2 = typeof import('ssh2')
let ssh2Module: Promise<Ssh2> | undefined
function loadSsh2(): Promise<Ssh2> {
  ssh2Module ??= import('ssh2').then((mod) => (mod as unknown as {default?: Ssh2}).default ?? mod)
  return ssh2Module
}

export interface SshTarget {
  /** The probe's name: the vantage in results and the NAME in `mc probe trust NAME`. */
  name: string
  host: string
  port?: number
  username: string
}

export interface SshPoolOptions {
  knownHosts: KnownHostsFile
  /** Default 'strict'. */
  hostKeyPolicy?: HostKeyPolicy
  identity: SshIdentity
  /**
   * Commands in flight across all probes. Default 256: a channel waiting on a remote check costs
   * next to nothing here, and a bound of 32 made runs queue behind themselves (20 probes x 15
   * checks with 2-second pings: 8.7 s instead of 3.5 s). MaxSessions bounds each probe.
   */
  concurrency?: number
  /** The server's session limit per connection (OpenSSH MaxSessions, default 10); one stays free for stopping overruns. */
  maxSessions?: number
  /** TCP connect + SSH handshake + authentication. Default 10 s. */
  connectTimeoutMs?: number
  /** SSH-level keepalives (OpenSSH's ServerAliveInterval). Default 15 s, 3 unanswered end the connection. */
  keepaliveIntervalMs?: number
  keepaliveCountMax?: number
  log?: DebugLog
  env?: NodeJS.ProcessEnv
}

/** Resolved settings shared by a pool's executors. */
interface PoolContext {
  options: Required<Pick<SshPoolOptions, 'connectTimeoutMs' | 'keepaliveIntervalMs' | 'keepaliveCountMax' | 'maxSessions'>> & SshPoolOptions
  log: DebugLog
  global: Semaphore
  identity(): Promise<LoadedIdentity>
  /** Prompts one at a time, outside any handshake, so a person can take their time. */
  prompts: Semaphore
  countHandshake(): void
}

/**
 * One SSH connection per probe, opened on first use and reused by every check in a run (commands run
 * as parallel channels, up to maxSessions per connection and `concurrency` overall).
 */
export class SshPool {
  private readonly executors = new Map<string, SshExecutor>()
  private readonly context: PoolContext
  private identityLoad?: Promise<LoadedIdentity>
  private handshakeCount = 0

  constructor(options: SshPoolOptions) {
    // An option passed as undefined keeps its default (a spread would copy the undefined over it).
    const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as SshPoolOptions
    const resolved = {
      connectTimeoutMs: 10_000,
      keepaliveIntervalMs: 15_000,
      keepaliveCountMax: 3,
      maxSessions: 10,
      ...given,
    }
    this.context = {
      options: resolved,
      log: options.log ?? silentLog,
      global: new Semaphore(options.concurrency ?? 256),
      prompts: new Semaphore(1),
      identity: () => {
        this.identityLoad ??= loadSsh2().then((ssh2) => loadIdentity(options.identity, ssh2.utils.parseKey, options.env))
        return this.identityLoad
      },
      countHandshake: () => this.handshakeCount++,
    }
  }

  /** Successful SSH handshakes so far (one per probe when connections are reused). */
  get handshakes(): number {
    return this.handshakeCount
  }

  executor(target: SshTarget): SshExecutor {
    let executor = this.executors.get(target.name)
    if (!executor) {
      executor = new SshExecutor(target, this.context)
      this.executors.set(target.name, executor)
    }
    return executor
  }

  async close(): Promise<void> {
    await Promise.all([...this.executors.values()].map((e) => e.close()))
    this.executors.clear()
  }
}

export class SshExecutor implements Executor {
  readonly vantage: string
  private client?: Client
  private handshaking?: Client
  /** Every client this executor opened and that has not closed: close() leaves none behind, whatever state each is in. */
  private readonly opened = new Set<Client>()
  private connecting?: Promise<Client>
  private readonly channels: Semaphore
  private readonly port: number

  constructor(
    readonly target: SshTarget,
    private readonly context: PoolContext,
  ) {
    this.vantage = target.name
    this.port = target.port ?? 22
    // One session stays free for stopping a command that overran (see kill).
    this.channels = new Semaphore(Math.max(1, context.options.maxSessions - 1))
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    // A channel slot on this connection first, then a global slot: no global slot idles in a queue.
    return this.channels.use(() =>
      this.context.global.use(async () => {
        const client = await this.connectionBefore(options.stop)
        this.context.log.line(`ssh ${this.vantage}: exec ${JSON.stringify(command)}`)
        return this.run(client, command, options)
      }),
    )
  }

  /**
   * The live connection, or one being opened. A failed connection stays failed for this executor
   * (its remaining checks fail at once instead of each waiting for the same timeout); a connection
   * that worked and dropped is opened again.
   */
  private connection(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= this.connect()
    return this.connecting
  }

  /** The connection, unless the command is stopped on purpose first: a diagnosis that stopped does not wait for a slow handshake. */
  private connectionBefore(stop: AbortSignal | undefined): Promise<Client> {
    if (!stop) return this.connection()
    if (stop.aborted) return Promise.reject(this.stoppedWhileConnecting())
    return new Promise<Client>((resolve, reject) => {
      const stopped = () => reject(this.stoppedWhileConnecting())
      stop.addEventListener('abort', stopped, {once: true})
      this.connection()
        .then(resolve, reject)
        .finally(() => stop.removeEventListener('abort', stopped))
    })
  }

  private stoppedWhileConnecting(): TimeoutError {
    return new TimeoutError(`No SSH connection to ${this.vantage} (${hostPattern(this.target.host, this.port)}) before the command was stopped`)
  }

  private async connect(): Promise<Client> {
    const ssh2 = await loadSsh2()
    const identity = await this.context.identity()
    const policy = this.context.options.hostKeyPolicy ?? 'strict'
    try {
      return await this.handshake(ssh2, identity)
    } catch (error) {
      if (!(error instanceof PromptNeeded) || typeof policy !== 'function') throw error
      const {host} = this.target
      const accepted = await this.context.prompts.use(() =>
        policy({vantage: this.vantage, host, port: this.port, keyType: keyTypeOf(error.key), fingerprint: fingerprint(error.key)}),
      )
      if (!accepted) throw new UnknownHostKeyError(this.vantage, hostPattern(host, this.port), fingerprint(error.key), keyTypeOf(error.key), true)
      this.context.options.knownHosts.add(host, this.port, error.key)
      return this.handshake(ssh2, identity)
    }
  }

  private handshake(ssh2: Ssh2, identity: LoadedIdentity): Promise<Client> {
    const {options, log} = this.context
    const {host, username} = this.target
    const pattern = hostPattern(host, this.port)
    const methods: AnyAuthMethod[] = [
      ...(identity.agent ? [{type: 'agent' as const, username, agent: identity.agent}] : []),
      ...identity.keys.map((k) => ({type: 'publickey' as const, username, key: k.key})),
    ]
    if (methods.length === 0) {
      return Promise.reject(new AuthError(`No SSH identity to log in to ${this.vantage} with (${describeIdentity(identity)}). Configure a key file or start ssh-agent.`))
    }
    const known = options.knownHosts.lookup(host, this.port)
    const algorithms = hostKeyAlgorithms(known.keys.map((k) => k.type))
    const policy = options.hostKeyPolicy ?? 'strict'
    return new Promise<Client>((resolve, reject) => {
      const client = new ssh2.Client()
      this.handshaking = client
      this.opened.add(client)
      client.once('close', () => this.opened.delete(client))
      let hostKeyError: Error | undefined
      let settled = false
      const fail = (error: Error) => {
        if (settled) return
        settled = true
        // Cut, as close() cuts an abandoned handshake: a polite end may never get through a lossy path.
        cut(client)
        reject(error)
      }
      client.on('ready', () => {
        settled = true
        this.handshaking = undefined
        this.context.countHandshake()
        log.line(`ssh ${this.vantage}: connected to ${username}@${pattern}`)
        this.client = client
        this.connecting = undefined
        resolve(client)
      })
      client.on('error', (error: Error & {level?: string; code?: string}) => {
        // An unusable agent is not fatal: ssh2 goes on with the key files.
        if (error.level === 'agent') {
          log.line(`ssh ${this.vantage}: ssh-agent: ${error.message}`)
          return
        }
        if (settled) {
          log.line(`ssh ${this.vantage}: connection error: ${error.message}`)
          return
        }
        fail(hostKeyError ?? this.describeConnectError(error, identity))
      })
      client.on('close', () => {
        if (this.client === client) this.client = undefined
        fail(hostKeyError ?? new TransientError(`SSH connection to ${this.vantage} (${pattern}) closed during the handshake`))
      })
      const config: ConnectConfig = {
        host,
        port: this.port,
        username,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: options.keepaliveCountMax,
        authHandler: methods,
        ...(algorithms ? {algorithms: {serverHostKey: algorithms as NonNullable<ConnectConfig['algorithms']>['serverHostKey']}} : {}),
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          const check = {knownHosts: options.knownHosts, vantage: this.vantage, host, port: this.port}
          // A prompt happens after this handshake is dropped: a person must not race readyTimeout.
          verifyHostKey({...check, policy: typeof policy === 'function' ? 'strict' : policy}, key).then(
            () => verify(true),
            (error: Error) => {
              hostKeyError = error instanceof UnknownHostKeyError && typeof policy === 'function' ? new PromptNeeded(key) : error
              verify(false)
            },
          )
        },
      }
      log.line(`ssh ${this.vantage}: connecting to ${username}@${pattern}`)
      client.connect(config)
      // Small request/response packets: without TCP_NODELAY each command waits on delayed ACKs (~40 ms).
      client.setNoDelay(true)
    })
  }

  private describeConnectError(error: Error & {level?: string; code?: string}, identity: LoadedIdentity): McError {
    const {host, username} = this.target
    const where = `${this.vantage} (${username}@${hostPattern(host, this.port)})`
    if (error.level === 'client-authentication') {
      return new AuthError(
        `SSH login to ${where} failed: the server accepted none of mc's keys (${describeIdentity(identity)}). Add mc's public key to the probe's ~/.ssh/authorized_keys.`,
      )
    }
    if (error.level === 'client-timeout') {
      return new TimeoutError(
        `No SSH handshake with ${where} within ${formatSeconds(this.context.options.connectTimeoutMs)}: the probe is down, or a firewall drops port ${this.port}.`,
      )
    }
    if (/no matching host key/i.test(error.message)) {
      const known = this.context.options.knownHosts.lookup(host, this.port).keys.map((k) => `${k.type} ${fingerprint(k.blob)}`)
      return new AuthError(
        `Host key check for ${where}: the server offers none of the key types mc knows for it (${known.join(', ')}). ` +
          `If the probe was rebuilt, accept its new key deliberately with \`mc probe trust ${this.vantage}\`.`,
      )
    }
    return new TransientError(`Cannot reach ${where}: ${error.message}`, error.code)
  }

  /**
   * Open a session channel. OpenSSH frees a closed session only after it has read the next packets, so
   * a channel opened right after another closed can be refused ("open failed") though we keep within
   * MaxSessions: retry those briefly.
   */
  private openChannel(client: Client, command: string, attach: (stream: ClientChannel) => void): Promise<void> {
    const open = () =>
      new Promise<void>((resolve, reject) => {
        client.exec(command, (error, stream) => {
          if (error) {
            reject(new TransientError(`Cannot open an SSH session on ${this.vantage}: ${error.message}`, OPEN_FAILED))
            return
          }
          // Listeners go on now: ssh2 may emit data, exit and close from the same read, before a promise settles.
          attach(stream)
          resolve()
        })
      })
    return retry(open, {
      attempts: 8,
      baseDelayMs: 25,
      maxDelayMs: 400,
      isRetryable: (error) => error instanceof TransientError && error.providerCode === OPEN_FAILED,
    })
  }

  /**
   * Stop a command that overran. A "signal" request is enough for OpenSSH sessions of ordinary users,
   * but sshd refuses it for root logins ("session signalling requires privilege separation"), so the
   * command's process group (sshd makes each session a new session, its shell the group leader) is
   * also killed from a second channel, on the slot kept free for that.
   */
  private kill(client: Client, stream: ClientChannel, pid: string | undefined): void {
    stream.signal('KILL')
    if (pid) {
      // Retried like any channel: several overruns at once share the one spare session.
      this.openChannel(client, `kill -KILL -- -${pid} 2>/dev/null; kill -KILL ${pid} 2>/dev/null; true`, (killer) => killer.resume()).catch((error: Error) =>
        this.context.log.line(`ssh ${this.vantage}: could not stop process ${pid}: ${error.message}`),
      )
    }
    stream.close()
  }

  private run(client: Client, command: string, options: ExecOptions): Promise<ExecResult> {
    if (options.signal?.aborted) return Promise.reject(new InterruptedError(`Interrupted before running a check on ${this.vantage}`))
    const started = performance.now()
    return new Promise<ExecResult>((resolve, reject) => {
      const stdout = new OutputBuffer()
      const stderr = new OutputBuffer()
      let stream: ClientChannel | undefined
      let exitCode: number | null = null
      let exitSignal: string | undefined
      let sawExit = false
      let timedOut = false
      let stopped = false
      let finished = false
      let timer: NodeJS.Timeout | undefined
      let graceTimer: NodeJS.Timeout | undefined
      const stopWithin = (graceMs: number) => {
        if (finished || graceTimer || !stream) return
        this.kill(client, stream, PID_LINE.exec(stderr.text())?.[1])
        graceTimer = setTimeout(finish, graceMs)
      }
      const stop = () => stopWithin(STOP_GRACE_MS)
      const stopEarly = () => {
        stopped = true
        stopWithin(STOPPED_EARLY_GRACE_MS)
      }
      const finish = () => {
        if (finished) return
        finished = true
        clearTimeout(timer)
        clearTimeout(graceTimer)
        options.signal?.removeEventListener('abort', stop)
        options.stop?.removeEventListener('abort', stopEarly)
        options.stop?.removeEventListener('abort', stopBeforeOpen)
        const durationMs = performance.now() - started
        if (options.signal?.aborted && !timedOut) {
          reject(new InterruptedError('Interrupted while a check was running'))
        } else if (!sawExit && !timedOut && !stopped) {
          reject(new TransientError(`The SSH connection to ${this.vantage} closed before the command finished`))
        } else {
          const errors = stderr.text().replace(PID_LINE, '')
          resolve({stdout: stdout.text(), stderr: errors, exitCode, signal: exitSignal, timedOut, ...(stopped ? {stopped} : {}), durationMs})
        }
      }
      // Stopped before its channel opened (a probe behind a lossy path): nothing was printed, so
      // nothing is waited for; a channel that opens after all is closed at once.
      const stopBeforeOpen = () => {
        if (stream) return
        stopped = true
        finish()
      }
      const attach = (channel: ClientChannel) => {
        if (finished) {
          channel.close()
          return
        }
        // stdin stays open: ssh2 sends a "signal" request only on a channel that is still writable.
        stream = channel
        channel.on('data', (chunk: Buffer) => {
          stdout.push(chunk)
          options.onOutput?.(chunk.toString('utf8'))
        })
        channel.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
        channel.on('exit', (code: number | null, signalName?: string) => {
          sawExit = true
          exitCode = typeof code === 'number' ? code : null
          exitSignal = signalName
        })
        channel.on('close', finish)
        timer = setTimeout(() => {
          timedOut = true
          stop()
        }, options.timeoutMs)
        options.signal?.addEventListener('abort', stop, {once: true})
        if (options.stop?.aborted) stopEarly()
        else options.stop?.addEventListener('abort', stopEarly, {once: true})
      }
      // The shell announces its PID on stderr first, so an overrunning command can be killed.
      if (options.stop?.aborted) {
        stopBeforeOpen()
        return
      }
      options.stop?.addEventListener('abort', stopBeforeOpen, {once: true})
      this.openChannel(client, `printf '${PID_MARKER}%s\\n' "$$" >&2; ${command}`, attach).catch((error: unknown) => {
        if (!finished) reject(error)
      })
    })
  }

  async close(): Promise<void> {
    // A handshake still under way (a probe behind a lossy path) is abandoned: nothing waits for it any
    // more. Cut, not ended: a polite end sent into a lossy path kept the process alive for ~50 s.
    if (!this.client && this.handshaking) cut(this.handshaking)
    const client = this.client ?? (await this.connecting?.catch(() => {}))
    this.client = undefined
    this.connecting = undefined
    // Any other (a connection that dropped while ending, a handshake given up) is cut now.
    for (const other of this.opened) if (other !== client) cut(other)
    if (!client) return
    await new Promise<void>((resolve) => {
      // A polite end that the server does not answer in time (its packets lost on a lossy path) would
      // keep the socket, and with it this process, alive through TCP's retransmissions: cut it. Many
      // round trips on a healthy path; on a lossy one it would hold a diagnosis's verdict.
      const timer = setTimeout(() => {
        cut(client)
        resolve()
      }, POLITE_END_MS)
      client.once('close', () => {
        clearTimeout(timer)
        resolve()
      })
      client.end()
    })
  }
}

const OPEN_FAILED = 'CHANNEL_OPEN_FAILED'

/** How long a killed command (a timeout, an interrupt) gets to end and report before it is given up. */
const STOP_GRACE_MS = 3000
/**
 * The same for a command stopped early because its output is all that is wanted (a settled diagnosis
 * has read its streamed rounds): a lossy path to the probe must not hold the verdict for a channel's close.
 */
const STOPPED_EARLY_GRACE_MS = 400
/** How long close() waits for the server to answer a polite end before it cuts the connection. */
const POLITE_END_MS = 400

/**
 * Cut a connection whatever its state. ssh2's destroy() does nothing once end() has half-closed the
 * socket (it checks that the socket is still writable), and a socket half-closed into a lossy path
 * waits for a FIN that may not come for a minute, keeping mc alive after its answer: so the socket
 * itself is destroyed too.
 */
function cut(client: Client): void {
  client.destroy()
  ;(client as unknown as {_sock?: {destroy(): void}})._sock?.destroy()
}

/** "10s", "1.5s", "0.2s": a sub-second timeout must not read as "within 0s". */
function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms < 10_000 ? 1 : 0))}s`
}
const PID_MARKER = 'mc-pid:'
const PID_LINE = /^mc-pid:(\d+)\n/

/** An unknown host key under a prompting policy: drop this handshake, ask, then connect again. */
class PromptNeeded extends Error {
  constructor(readonly key: Buffer) {
    super('host key needs a decision')
  }
}

/**
 * The key a server presents, without logging in (what `mc probe trust NAME` shows before it replaces
 * the old entry with KnownHostsFile.replace).
 */
export async function scanHostKey(host: string, port = 22, timeoutMs = 10_000): Promise<{type: string; fingerprint: string; blob: Buffer}> {
  const ssh2 = await loadSsh2()
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    let presented: Buffer | undefined
    const done = () => {
      client.end()
      if (presented) resolve({type: keyTypeOf(presented), fingerprint: fingerprint(presented), blob: presented})
    }
    client.on('error', (error: Error & {level?: string}) => {
      if (presented) done()
      else
        reject(
          error.level === 'client-timeout'
            ? new TimeoutError(`No SSH answer from ${hostPattern(host, port)} within ${formatSeconds(timeoutMs)}`)
            : new TransientError(`Cannot reach ${hostPattern(host, port)}: ${error.message}`),
        )
    })
    client.on('close', () => {
      if (presented) done()
      else reject(new TransientError(`${hostPattern(host, port)} closed the connection before showing a host key`))
    })
    client.connect({
      host,
      port,
      username: 'mc-host-key-scan',
      readyTimeout: timeoutMs,
      hostVerifier(key: Buffer) {
        presented = key
        return false
      },
    })
  })
}
