import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {requireConfirmation} from '../../output/confirm.js'
import {defaultSandboxDir, resetSandbox} from '../../sandbox/control.js'

export type SandboxResetResult = {reset: boolean; running: boolean}

export default class SandboxReset extends McCommand<typeof SandboxReset> {
  static override summary = 'Delete every node, key pair, security group and token in the sandbox.'
  static override description =
    'Works whether or not the sandbox runs. Credentials and the mc profile stay, so clients need no change. Asks for confirmation on a terminal; without one (or with CI set) it needs --yes.'
  static override examples = ['<%= config.bin %> sandbox reset --yes']
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
    'data-dir': Flags.directory({summary: 'The sandbox data dir. Default: <mc data dir>/sandbox.'}),
  }

  public async run(): Promise<SandboxResetResult> {
    await requireConfirmation('Delete every node, key and token in the mc sandbox?', this.flags.yes, 'Not confirmed: nothing reset.')
    const {running} = await resetSandbox(this.flags['data-dir'] ?? defaultSandboxDir())
    this.print(`mc sandbox reset${running ? ' (it keeps running)' : ''}.`)
    return {reset: true, running}
  }
}
