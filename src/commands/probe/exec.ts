import {Args, Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {passphrasePrompt} from '../../cli/passphrase.js'
import {ExitCode, TimeoutError, ValidationError} from '../../core/errors.js'
import {openProbeContext} from '../../services/probe-context.js'
import {execOnProbe} from '../../services/probe-fleet.js'
import {adoptedKeyFiles, openProbePool} from '../../services/probe-session.js'
import type {ExecResult} from '../../checks/executor.js'

export default class ProbeExec extends McCommand<typeof ProbeExec> {
  static override summary = 'Run a shell command on a probe and print what it prints.'
  static override description = "The exit code is the command's own. The host key must already be known (mc probe deploy/add recorded it)."
  static override examples = ['<%= config.bin %> probe exec edge-linode-us-west -- mtr -n --report -c 5 192.0.2.10', '<%= config.bin %> probe exec dc-1 --json -- uptime']
  static override strict = false
  static override args = {name: Args.string({description: 'Probe name.', required: true})}
  static override flags = {timeout: Flags.integer({summary: 'Seconds before the command is stopped.', default: 60, min: 1})}

  public async run(): Promise<ExecResult> {
    const command = this.positionals.slice(1).join(' ')
    if (!command) throw new ValidationError('Give the command after the probe name, e.g. mc probe exec NAME -- uptime')
    const context = openProbeContext(this.driverRequest())
    const probe = context.inventory.get(this.args.name)
    const pool = openProbePool({dataDir: context.dataDir, log: this.debugLogger, extraKeyFiles: adoptedKeyFiles([probe]), passphrase: passphrasePrompt()})
    try {
      const result = await execOnProbe(probe, pool, command, this.flags.timeout * 1000)
      if (!this.jsonEnabled()) {
        process.stdout.write(result.stdout)
        process.stderr.write(result.stderr)
      }

      if (result.timedOut) throw new TimeoutError(`${command} did not finish on ${probe.name} within ${this.flags.timeout}s and was stopped.`)
      if (result.exitCode !== 0 && !this.jsonEnabled()) this.exit(result.exitCode ?? ExitCode.general)
      return result
    } finally {
      await pool.close()
      context.close()
    }
  }
}
