import {Args, Flags} from '@oclif/core'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {AllFailedError, PartialFailureError} from '../../core/errors.js'
import {requireConfirmation} from '../../output/confirm.js'
import {destroyNodes, type NodeActionOutcome} from '../../services/nodes.js'

export type NodesDestroyResult = {destroyed: string[]; failed: NodeActionOutcome[]}

export default class NodesDestroy extends McCommand<typeof NodesDestroy> {
  static override summary = 'Destroy (terminate) one or more nodes in one cloud.'
  static override description = 'Asks for confirmation on a terminal; without a terminal or with CI set it needs --yes.'
  static override examples = [
    '<%= config.bin %> nodes destroy i-0abc123def4567890 --provider ec2 --region us-east-1',
    '<%= config.bin %> nodes destroy 123 456 --provider linode --yes',
  ]
  static override strict = false
  static override args = {id: Args.string({description: 'Node id(s).', required: true})}
  static override flags = {
    ...cloudFlags,
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
  }

  public async run(): Promise<NodesDestroyResult> {
    const provider = await this.singleProvider()
    const ids = [...new Set(this.positionals)]
    const question = `Destroy ${ids.length} ${provider} node(s): ${ids.join(', ')}?`
    await requireConfirmation(question, this.flags.yes, 'Not confirmed: nothing destroyed.')
    const outcomes = await destroyNodes(provider, ids, this.driverRequest())
    const result = {destroyed: outcomes.filter((o) => o.ok).map((o) => o.id), failed: outcomes.filter((o) => !o.ok)}
    for (const id of result.destroyed) this.print(`destroyed ${provider} ${id}`)
    const failures = result.failed.map((f) => f.failure!)
    if (result.destroyed.length === 0 && failures.length > 0) throw new AllFailedError(failures)
    if (failures.length > 0) throw new PartialFailureError(failures, result)
    return result
  }
}
