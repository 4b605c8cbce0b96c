import {Args, Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {ConfirmationRefusedError, confirmOrRequireYes} from '../../output/confirm.js'
import {openProbeContext} from '../../services/probe-context.js'
import {trustProbe} from '../../services/probe-fleet.js'

export default class ProbeTrust extends McCommand<typeof ProbeTrust> {
  static override summary = "Accept a probe's new host key deliberately (after a rebuild), replacing the one mc knew."
  static override description = "Check the fingerprint on the probe's console first: a changed key is also what a man-in-the-middle looks like."
  static override examples = ['<%= config.bin %> probe trust edge-linode-us-west', '<%= config.bin %> probe trust dc-1 --yes']
  static override args = {name: Args.string({description: 'Probe name.', required: true})}
  static override flags = {yes: Flags.boolean({char: 'y', summary: 'Trust without asking.'})}

  public async run(): Promise<{name: string; fingerprint: string; trusted: boolean}> {
    const context = openProbeContext(this.driverRequest())
    try {
      const probe = context.inventory.get(this.args.name)
      const result = await trustProbe(probe, context.dataDir, (fingerprint, keyType) =>
        confirmOrRequireYes(`${probe.name} (${probe.host}:${probe.port}) presents ${keyType} key ${fingerprint}. Trust it and forget the old key?`, this.flags.yes),
      )
      if (!result.trusted) throw new ConfirmationRefusedError(`Not confirmed: nothing changed; mc keeps the host key it knew for ${probe.name}.`)
      this.print(`trusted ${result.fingerprint} for ${probe.name}`)
      return {name: probe.name, ...result}
    } finally {
      context.close()
    }
  }
}
