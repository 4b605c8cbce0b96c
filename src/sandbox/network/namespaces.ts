import {type ChildProcess, execFile, spawn} from 'node:child_process'
import {accessSync, constants, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

/**
 * Network namespaces held by processes, not by names: each namespace is a small shell (`unshare -n
 * sh -c 'read'`) reading from a pipe of the sandbox. When the sandbox ends, even by SIGKILL, the pipe
 * closes, the shells exit and the kernel frees the namespaces with their veths: nothing is left in
 * `ip netns`, and nothing needs a cleanup by name. As root the namespaces are plain; rootless they
 * belong to one user namespace (`unshare -Ur`) held the same way, where the user is root and may
 * create veths, bridges and nftables tables. Commands run in a namespace through nsenter.
 */

export type NetnsMode = 'root' | 'rootless'

const TOOLS = ['ip', 'nft', 'nsenter', 'unshare', 'sysctl'] as const
type Tool = (typeof TOOLS)[number]
export type Tools = Record<Tool, string>

/** sbin is not on an unprivileged user's PATH on Debian; ip and nft live there. */
function findTool(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = [...(env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/sbin', '/usr/bin', '/bin']
  for (const dir of dirs) {
    const path = join(dir, name)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not here
    }
  }

  return undefined
}

function execute(file: string, args: string[], options: {input?: string; timeoutMs?: number} = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, {timeout: options.timeoutMs ?? 20_000, maxBuffer: 8 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[file, ...args].join(' ')}: ${stderr.trim() || error.message}`))
      else resolve(stdout)
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input)
  })
}

function readSysctl(name: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim()
  } catch {
    return undefined
  }
}

/**
 * Can this process build the network sandbox, and how? Tries the real thing: a throwaway namespace
 * with a veth pair and an nftables table, so a kernel or a policy that forbids any of it is found
 * before anything is built. The reason says what to change.
 */
export async function networkSupport(env: NodeJS.ProcessEnv = process.env): Promise<{mode: NetnsMode; tools: Tools} | {reason: string}> {
  if (process.platform !== 'linux') return {reason: `network namespaces exist on Linux only (this is ${process.platform})`}
  const tools: Partial<Tools> = {}
  for (const tool of TOOLS) tools[tool] = findTool(tool, env)
  const missing = TOOLS.filter((tool) => !tools[tool])
  if (missing.length > 0) return {reason: `${missing.join(', ')} not found (Debian: apt-get install iproute2 nftables util-linux)`}
  const found = tools as Tools
  const mode: NetnsMode = process.getuid?.() === 0 ? 'root' : 'rootless'
  const trial = `${found.ip} link add mc-t0 type veth peer name mc-t1 && ${found.nft} add table ip mc_trial`
  try {
    await execute(found.unshare, [...(mode === 'rootless' ? ['--user', '--map-root-user'] : []), '--net', '/bin/sh', '-c', trial], {timeoutMs: 10_000})
    return {mode, tools: found}
  } catch (error) {
    const message = (error as Error).message.split('\n').at(-1) ?? ''
    if (mode === 'root') return {reason: `cannot create a network namespace with a veth pair and an nftables table: ${message}`}
    const hints = [
      ['user.max_user_namespaces', '0', 'sysctl user.max_user_namespaces is 0'],
      ['kernel.unprivileged_userns_clone', '0', 'sysctl kernel.unprivileged_userns_clone is 0'],
      ['kernel.apparmor_restrict_unprivileged_userns', '1', 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)'],
    ]
      .filter(([name, bad]) => readSysctl(name) === bad)
      .map((entry) => entry[2])
    return {
      reason: `an unprivileged user cannot create a user namespace with its own network here (${[...hints, message].join('; ')}); run as root, or allow unprivileged user namespaces`,
    }
  }
}

/** The netns inode a process is in, e.g. "net:[4026532301]". */
function netnsOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/net`)
  } catch {
    return undefined
  }
}

function gone(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** A holder: a shell that says "ready" once its namespace exists, then waits for its stdin to close. */
async function startHolder(file: string, args: string[], what: string): Promise<ChildProcess> {
  const child = spawn(file, [...args, '/bin/sh', '-c', 'echo ready; read _'], {stdio: ['pipe', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr!.on('data', (chunk) => {
    stderr += chunk
  })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 10s`)), 10_000)
    child.stdout!.once('data', () => {
      clearTimeout(timer)
      resolve()
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${what} exited (${code}): ${stderr.trim()}`))
    })
  })
  return child
}

export class Namespaces {
  private readonly holders = new Map<string, ChildProcess>()
  private readonly helpers = new Set<ChildProcess>()
  private userns: ChildProcess | undefined

  private constructor(
    readonly mode: NetnsMode,
    readonly tools: Tools,
  ) {}

  static async open(mode: NetnsMode, tools: Tools): Promise<Namespaces> {
    const namespaces = new Namespaces(mode, tools)
    if (mode === 'rootless') namespaces.userns = await startHolder(tools.unshare, ['--user', '--map-root-user'], 'the user namespace')
    return namespaces
  }

  /** nsenter arguments that join the user namespace (rootless) before anything else. */
  private userArgs(): string[] {
    return this.userns ? ['-t', String(this.userns.pid), '--user', '--preserve-credentials'] : []
  }

  async create(name: string): Promise<void> {
    if (this.holders.has(name)) throw new Error(`namespace ${name} exists`)
    const holder = this.userns
      ? await startHolder(this.tools.nsenter, [...this.userArgs(), '--', this.tools.unshare, '--net'], `namespace ${name}`)
      : await startHolder(this.tools.unshare, ['--net'], `namespace ${name}`)
    this.holders.set(name, holder)
  }

  has(name: string): boolean {
    return this.holders.has(name)
  }

  /** PID of the process holding a namespace, as `ip link ... netns PID` takes it. */
  pid(name: string): number {
    const holder = this.holders.get(name)
    if (!holder?.pid || gone(holder)) throw new Error(`namespace ${name} is gone`)
    return holder.pid
  }

  /** The argv prefix that runs a program inside a namespace (nsenter execs it: same PID). */
  enter(name: string): string[] {
    return [this.tools.nsenter, ...this.userArgs(), `--net=/proc/${this.pid(name)}/ns/net`, '--']
  }

  exec(name: string, argv: string[], input?: string): Promise<string> {
    const [file, ...args] = [...this.enter(name), ...argv]
    return execute(file, args, {input})
  }

  /** Several `ip` commands in one process (ip -batch), stopping at the first that fails. */
  ip(name: string, lines: string[]): Promise<string> {
    return this.exec(name, [this.tools.ip, '-batch', '-'], lines.join('\n') + '\n')
  }

  nft(name: string, ruleset: string): Promise<string> {
    return this.exec(name, [this.tools.nft, '-f', '-'], ruleset)
  }

  /** Start a long-running program inside a namespace; the caller stops it (it is also killed by close). */
  spawn(name: string, argv: string[]): ChildProcess {
    const [file, ...args] = [...this.enter(name), ...argv]
    const child = spawn(file, args, {stdio: ['ignore', 'pipe', 'pipe']})
    this.helpers.add(child)
    child.once('exit', () => this.helpers.delete(child))
    return child
  }

  /** Every process of this user that is inside one of these namespaces (helpers, SSH sessions, stragglers). */
  processesInside(): number[] {
    const inodes = new Set([...this.holders.values()].map((h) => (h.pid ? netnsOf(h.pid) : undefined)).filter(Boolean))
    const holderPids = new Set([...this.holders.values()].map((h) => h.pid))
    const found: number[] = []
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue
      const pid = Number(entry)
      if (holderPids.has(pid)) continue
      const inode = netnsOf(pid)
      if (inode && inodes.has(inode)) found.push(pid)
    }

    return found
  }

  /** The PIDs that hold namespaces, the user namespace included: for tests that check nothing outlives the sandbox. */
  holderPids(): number[] {
    return [...this.holders.values(), ...(this.userns ? [this.userns] : [])].map((h) => h.pid!).filter(Boolean)
  }

  /**
   * Kill everything inside, then release the namespaces (their shells read EOF and exit; SIGKILL
   * after 2 s). Resolves once every holder has exited, so the kernel has freed the namespaces.
   */
  async close(): Promise<void> {
    for (const child of this.helpers) if (!gone(child)) child.kill('SIGKILL')
    // Again until none is left (for at most 5 s): one killed a moment ago may still be exiting, and an
    // SSH session may have been forked inside after the last look. One that outlived its holders
    // would keep its namespace (and its veths) alive after the sandbox said it stopped.
    const killUntil = Date.now() + 5000
    for (let inside = this.processesInside(); inside.length > 0 && Date.now() < killUntil; inside = this.processesInside()) {
      for (const pid of inside) {
        try {
          process.kill(pid, 'SIGKILL')
        } catch {
          // already gone, or not ours
        }
      }

      await sleep(20)
    }

    const all = [...this.holders.values(), ...(this.userns ? [this.userns] : [])]
    this.holders.clear()
    this.userns = undefined
    for (const holder of all) holder.stdin?.end()
    const deadline = Date.now() + 2000
    while (all.some((h) => !gone(h)) && Date.now() < deadline) await sleep(20)
    for (const holder of all) if (!gone(holder)) holder.kill('SIGKILL')
    while (all.some((h) => !gone(h))) await sleep(20)
  }
}
