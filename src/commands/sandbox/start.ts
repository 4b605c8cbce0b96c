import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {ValidationError} from '../../core/errors.js'
import {SANDBOX_CLOUDS} from '../../sandbox/clouds.js'
import {defaultSandboxDir, runSandbox, SANDBOX_PROFILE, sandboxStatus, type SandboxStatus, startDetached} from '../../sandbox/control.js'
import {FaultSyntaxError, parseFaults} from '../../sandbox/faults.js'
import {describeStatus} from './status.js'

export type SandboxStartResult = SandboxStatus

export default class SandboxStart extends McCommand<typeof SandboxStart> {
  static override summary = `Start local emulators of every cloud mc speaks (${SANDBOX_CLOUDS.join(', ')}), with SSH-reachable nodes.`
  static override description = `Binds 127.0.0.1 only and writes the mc profile "${SANDBOX_PROFILE}", so every command works with --profile ${SANDBOX_PROFILE} (or MC_PROFILE=${SANDBOX_PROFILE}). Nodes created through the APIs answer SSH on 127.0.0.1 at the port in their mc-ssh-port tag and run commands on this machine as you. State survives restarts; "mc sandbox reset" clears it. Without --detach the sandbox runs until Ctrl-C.`
  static override examples = [
    '<%= config.bin %> sandbox start --detach',
    '<%= config.bin %> sandbox start --detach --port 4566 --fault throttle=0.2 --fault latency=200ms',
    '<%= config.bin %> sandbox start --detach --seed-nodes 5000 --json',
    '<%= config.bin %> sandbox start --detach --network',
    '<%= config.bin %> sandbox start',
  ]
  static override flags = {
    detach: Flags.boolean({char: 'd', summary: 'Run in the background (a child process with a pidfile); "mc sandbox stop" ends it.'}),
    port: Flags.integer({summary: "Port on 127.0.0.1 (0: any free port). Default: the previous run's port if free.", min: 0, max: 65_535}),
    'boot-delay': Flags.integer({summary: 'Milliseconds nodes take to go from pending to running (and to stop or reboot).', default: 2000, min: 0}),
    fault: Flags.string({summary: 'Inject a fault: throttle=0.2, throttle=linode:0.5, latency=200ms, fail=linode, fail=rackspace/SYD (one region) (repeatable).', multiple: true}),
    'seed-nodes': Flags.integer({summary: 'Make each emulated cloud hold this many running nodes (no SSH), for listing at scale.', min: 0}),
    ssh: Flags.boolean({summary: 'Give nodes created through the APIs an SSH server.', default: true, allowNo: true}),
    network: Flags.boolean({
      summary:
        'Put nodes, a data center and a target (10.8.1.10) in network namespaces behind routers and a shared transit, so traces see real paths and "mc sandbox fault add loss=transit:30%" is a real fault. Where this machine cannot (no user namespaces for a non-root user), says why on stderr and runs on loopback.',
    }),
    'data-dir': Flags.directory({summary: 'Where the sandbox keeps its state. Default: <mc data dir>/sandbox.'}),
  }

  public async run(): Promise<SandboxStartResult> {
    const {flags} = this
    try {
      parseFaults(flags.fault)
    } catch (error) {
      if (error instanceof FaultSyntaxError) throw new ValidationError(error.message)
      throw error
    }
    if (!flags.detach && this.jsonEnabled()) {
      throw new ValidationError('--json needs --detach: a sandbox in the foreground runs until Ctrl-C. Use "mc sandbox start --detach --json".')
    }
    const dataDir = flags['data-dir'] ?? defaultSandboxDir()
    const options = {dataDir, port: flags.port, bootDelayMs: flags['boot-delay'], faults: flags.fault, seedNodes: flags['seed-nodes'], ssh: flags.ssh, network: flags.network}
    if (flags.detach) {
      await startDetached(options)
      const status = await sandboxStatus(dataDir)
      if (status.networkUnavailable) this.warnNoNetwork(status.networkUnavailable)
      this.print(describeStatus(status))
      return status
    }
    const running = await runSandbox(options)
    if (running.handle.networkUnavailable) this.warnNoNetwork(running.handle.networkUnavailable)
    const status = await sandboxStatus(dataDir).catch(() => {})
    this.print(describeStatus(status ?? {running: true, dataDir, profile: SANDBOX_PROFILE, pid: running.state.pid, port: running.state.port, endpoints: running.state.endpoints}))
    this.logToStderr('Press Ctrl-C to stop.')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve())
      process.once('SIGTERM', () => resolve())
    })
    await running.stop()
    this.logToStderr('Sandbox stopped.')
    return {running: false, dataDir, profile: SANDBOX_PROFILE}
  }

  private warnNoNetwork(reason: string): void {
    this.logToStderr(`mc sandbox: no network: ${reason}. Running on loopback instead (every path is one hop; "networkUnavailable" in --json says why).`)
  }
}
