import {Flags} from '@oclif/core'

import {McCommand} from '../../../cli/mc-command.js'
import {changeFaults, defaultSandboxDir} from '../../../sandbox/control.js'
import type {SandboxFaultResult} from './add.js'

export default class SandboxFaultClear extends McCommand<typeof SandboxFaultClear> {
  static override summary = 'Clear faults of the running sandbox: the named ones, or all.'
  static override description =
    "A network fault is named by its link (loss=transit:30% and down=transit both clear the transit's fault); an API fault by its text as added. Prints the faults still active."
  static override examples = ['<%= config.bin %> sandbox fault clear', '<%= config.bin %> sandbox fault clear loss=transit:30%']
  static override strict = false
  static override flags = {
    'data-dir': Flags.directory({summary: 'The sandbox data dir. Default: <mc data dir>/sandbox.'}),
  }

  public async run(): Promise<SandboxFaultResult> {
    const faults = await changeFaults(this.flags['data-dir'] ?? defaultSandboxDir(), {clear: this.positionals.length > 0 ? this.positionals : 'all'})
    this.print(faults.length > 0 ? `Active faults: ${faults.join(', ')}` : 'No faults active.')
    return {faults}
  }
}
