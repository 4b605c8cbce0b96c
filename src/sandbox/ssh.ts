import {type ChildProcess, spawn} from 'node:child_process'
import {timingSafeEqual} from 'node:crypto'
import {statSync} from 'node:fs'
import {homedir} from 'node:os'
import ssh2, {type Connection, type ServerChannel} from 'ssh2'

import {runningStatus} from './lifecycle.js'
import type {NodeRecord, SandboxCloud} from './types.js'
import type {SshHost} from './world.js'

// ssh2 is CommonJS: its classes come from the default export under ESM.
const {Server, utils} = ssh2

/** Signal a session's whole process group; the shell alone if the group is already gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal)
  } catch {
    child.kill(signal)
  }
}

type Lookup = (cloud: SandboxCloud, id: string) => NodeRecord | undefined

/** Where a node's commands run when the sandbox has a network (src/sandbox/network): its namespace. */
export interface NodePlacement {
  /** Give the node its place in the network before its SSH server opens. */
  attach(node: NodeRecord): Promise<void>
  /** The argv prefix that runs a program there (nsenter ... --); empty: on this machine as it is. */
  enter(node: NodeRecord): string[]
}

/**
 * Where a session's shell starts: the home directory, or "/" when it does not exist (a service user,
 * a CI container), as sshd does. Spawning in a missing directory would fail every command.
 */
function startDirectory(): string {
  const home = homedir()
  try {
    return statSync(home).isDirectory() ? home : '/'
  } catch {
    return '/'
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * One SSH server per node, on 127.0.0.1: the node's own host key, public-key logins with the key
 * the node was created with (or its Nova adminPass / Linode root_pass), and exec requests run by
 * /bin/sh as the user running the sandbox. A node that is not running refuses logins, as a booting
 * or stopped machine would.
 */
class NodeServer {
  private readonly clients = new Set<Connection>()
  private readonly children = new Set<ChildProcess>()
  private readonly server: InstanceType<typeof Server>

  constructor(
    private readonly cloud: SandboxCloud,
    private readonly id: string,
    hostKey: string,
    private readonly nodes: {lookup: Lookup; placement?: NodePlacement},
  ) {
    this.server = new Server({hostKeys: [hostKey], ident: 'OpenSSH_9.2p1 Debian-2+deb12u3'}, (client) => this.accept(client))
    // A failed listen is reported through listen(); nothing after it may crash the sandbox.
    this.server.on('error', () => {})
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error)
      this.server.once('error', onError)
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', onError)
        resolve((this.server.address() as {port: number}).port)
      })
    })
  }

  private accept(client: Connection): void {
    this.clients.add(client)
    client.on('close', () => this.clients.delete(client))
    client.on('error', () => client.end())
    const node = this.nodes.lookup(this.cloud, this.id)
    if (!node || node.status !== runningStatus(this.cloud)) {
      client.end()
      return
    }
    client.on('authentication', (ctx) => {
      const current = this.nodes.lookup(this.cloud, this.id)
      if (!current || current.status !== runningStatus(this.cloud)) return ctx.reject()
      if (ctx.method === 'publickey') {
        const key = current.authorizedKeys.map((line) => utils.parseKey(line)).find((k) => !(k instanceof Error) && sameBytes(k.getPublicSSH(), ctx.key.data))
        if (!key || key instanceof Error) return ctx.reject(['publickey', 'password'])
        if (ctx.signature && ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey', 'password'])
        return ctx.accept()
      }
      if (ctx.method === 'password' && current.password !== undefined) {
        const given = Buffer.from(ctx.password)
        return sameBytes(given, Buffer.from(current.password)) ? ctx.accept() : ctx.reject(['publickey', 'password'])
      }
      return ctx.reject(['publickey', 'password'])
    })
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession()
        const env: Record<string, string> = {}
        let child: ChildProcess | undefined
        session.on('env', (accept, _reject, info) => {
          env[info.key] = info.val
          accept?.()
        })
        session.on('pty', (accept) => accept?.())
        session.on('window-change', (accept) => accept?.())
        session.on('signal', (accept, _reject, info) => {
          if (child) signalGroup(child, `SIG${info.name}` as NodeJS.Signals)
          accept?.()
        })
        session.on('exec', (accept, _reject, info) => {
          child = this.run(accept(), ['-c', info.command], env, node)
        })
        session.on('shell', (accept) => {
          child = this.run(accept(), [], env, node)
        })
        session.on('sftp', (_accept, reject) => reject())
        session.on('subsystem', (_accept, reject) => reject())
      })
    })
  }

  /** The node's namespace prefix; a node whose place is gone answers every command with the reason (exit 127). */
  private placed(node: NodeRecord): string[] {
    try {
      return this.nodes.placement?.enter(node) ?? []
    } catch (error) {
      return ['/bin/sh', '-c', 'echo "mc sandbox: $1" >&2; exit 127', 'sh', (error as Error).message]
    }
  }

  /** /bin/sh with the channel as its stdio; the exit status (or signal) goes back to the client. */
  private run(stream: ServerChannel, args: string[], env: Record<string, string>, node: NodeRecord): ChildProcess {
    // Like sshd, each session's shell leads its own session and process group, so a client can stop
    // a command with everything it started (kill -- -PID), and so can the sandbox. In a networked
    // sandbox nsenter runs the shell in the node's namespace (it execs: the PID stays the shell's).
    const [file, ...prefix] = [...this.placed(node), '/bin/sh']
    const child = spawn(file, [...prefix, ...args], {
      cwd: startDirectory(),
      env: {...process.env, ...env, MC_SANDBOX_NODE: `${this.cloud}/${this.id}`},
      stdio: 'pipe',
      detached: true,
    })
    this.children.add(child)
    child.stdin.on('error', () => {})
    stream.on('data', (data: Buffer) => child.stdin.write(data))
    stream.on('end', () => child.stdin.end())
    // ssh2 closes the channel when the connection drops too: hang up the command, as sshd does.
    stream.on('close', () => {
      if (child.exitCode === null && child.signalCode === null) signalGroup(child, 'SIGHUP')
    })
    child.stdout.on('data', (data: Buffer) => stream.write(data))
    child.stderr.on('data', (data: Buffer) => stream.stderr.write(data))
    child.on('error', (error) => {
      stream.stderr.write(`sh: ${error.message}\n`)
      stream.exit(127)
      stream.end()
    })
    child.on('close', (code, signal) => {
      this.children.delete(child)
      if (signal) stream.exit(signal.replace(/^SIG/, ''), false, '')
      else stream.exit(code ?? 0)
      stream.end()
    })
    return child
  }

  close(): Promise<void> {
    for (const child of this.children) signalGroup(child, 'SIGKILL')
    for (const client of this.clients) client.end()
    return new Promise((resolve) => {
      this.server.close(() => resolve())
    })
  }
}

export class SshFleet implements SshHost {
  private readonly servers = new Map<string, NodeServer>()

  constructor(
    private readonly lookup: Lookup,
    private readonly placement?: NodePlacement,
  ) {}

  async open(node: NodeRecord, preferredPort = 0): Promise<number> {
    await this.close(node.cloud, node.id)
    await this.placement?.attach(node)
    const server = new NodeServer(node.cloud, node.id, node.ssh!.hostKey, {lookup: this.lookup, placement: this.placement})
    let port: number
    try {
      port = await server.listen(preferredPort)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || preferredPort === 0) throw error
      port = await server.listen(0)
    }
    this.servers.set(`${node.cloud}/${node.id}`, server)
    return port
  }

  async close(cloud: SandboxCloud, id: string): Promise<void> {
    const key = `${cloud}/${id}`
    const server = this.servers.get(key)
    if (!server) return
    this.servers.delete(key)
    await server.close()
  }

  async closeAll(): Promise<void> {
    const all = [...this.servers.values()]
    this.servers.clear()
    await Promise.all(all.map((s) => s.close()))
  }
}
