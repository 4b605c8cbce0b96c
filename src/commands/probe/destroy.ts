import {Args, Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {AllFailedError, PartialFailureError, ValidationError} from '../../core/errors.js'
import {requireConfirmation} from '../../output/confirm.js'
import {openProbeContext} from '../../services/probe-context.js'
import {type DestroyOutcome, destroyProbes} from '../../services/probe-fleet.js'

export type ProbeDestroyResult = {destroyed: DestroyOutcome[]}

export default class ProbeDestroy extends McCommand<typeof ProbeDestroy> {
  static override summary = 'Destroy probes: their cloud nodes and their inventory entries.'
  static override description = 'An adopted host (mc probe add) is only forgotten, never touched. Asks for confirmation unless --yes.'
  static override examples = [
    '<%= config.bin %> probe destroy edge-linode-us-west',
    '<%= config.bin %> probe destroy --fleet edge --yes',
    '<%= config.bin %> probe destroy --all --yes --json',
  ]
  static override strict = false
  static override args = {name: Args.string({description: 'Probe name(s).'})}
  static override flags = {
    fleet: Flags.string({summary: 'Every probe of this fleet.', exclusive: ['all']}),
    all: Flags.boolean({summary: 'Every probe in the inventory.'}),
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
  }

  public async run(): Promise<ProbeDestroyResult> {
    const context = openProbeContext(this.driverRequest())
    try {
      const names = this.flags.all || this.flags.fleet ? context.inventory.list({fleet: this.flags.fleet}).map((p) => p.name) : [...new Set(this.positionals)]
      if (names.length === 0) {
        if (this.flags.all || this.flags.fleet) return {destroyed: []}
        throw new ValidationError('Name the probes to destroy, or pass --fleet NAME or --all.')
      }

      for (const name of names) context.inventory.get(name)
      await requireConfirmation(`Destroy ${names.length} probe(s): ${names.join(', ')}?`, this.flags.yes, 'Not confirmed: nothing destroyed.')

      const destroyed = await this.withProgress((progress) => destroyProbes(context.inventory, names, context.openDriver, (name, step) => progress.step(`[${name}] ${step}`)))
      for (const d of destroyed.filter((o) => o.ok)) this.print(`destroyed ${d.name}${d.nodeId ? ` (node ${d.nodeId})` : ''}`)
      const failures = destroyed.filter((d) => !d.ok).map((d) => d.error!)
      if (failures.length === destroyed.length) throw new AllFailedError(failures)
      if (failures.length > 0) throw new PartialFailureError(failures, {destroyed})
      return {destroyed}
    } finally {
      context.close()
    }
  }
}
