import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {defaultSandboxDir, stopSandbox} from '../../sandbox/control.js'

export type SandboxStopResult = {stopped: boolean; pid?: number}

export default class SandboxStop extends McCommand<typeof SandboxStop> {
  static override summary = 'Stop a detached sandbox and wait until it has exited.'
  static override description =
    'Sends SIGTERM to the PID in the sandbox pidfile and waits; after 10 seconds it kills the sandbox and every command its nodes still run. Stopping a sandbox that is not running is not an error.'
  static override examples = ['<%= config.bin %> sandbox stop', '<%= config.bin %> sandbox stop --json']
  static override flags = {
    'data-dir': Flags.directory({summary: 'The sandbox data dir. Default: <mc data dir>/sandbox.'}),
  }

  public async run(): Promise<SandboxStopResult> {
    const result = await stopSandbox(this.flags['data-dir'] ?? defaultSandboxDir())
    this.print(result.stopped ? `mc sandbox (pid ${result.pid}) stopped.` : 'mc sandbox was not running.')
    return result
  }
}
