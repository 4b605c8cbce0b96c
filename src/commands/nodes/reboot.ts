import {Args, Flags} from '@oclif/core'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {rebootNode} from '../../services/nodes.js'

export type NodesRebootResult = {id: string; provider: string; hard: boolean}

export default class NodesReboot extends McCommand<typeof NodesReboot> {
  static override summary = 'Reboot a node.'
  static override examples = [
    '<%= config.bin %> nodes reboot i-0abc123def4567890 --provider ec2 --region us-east-1',
    '<%= config.bin %> nodes reboot 4f0e4bd2-5b31-4a4e-a0c8-4f1bb2a3c7de --provider rackspace --region ORD --hard',
  ]
  static override args = {id: Args.string({description: 'Node id.', required: true})}
  static override flags = {
    ...cloudFlags,
    hard: Flags.boolean({summary: 'Power-cycle instead of asking the OS to reboot (Nova HARD reboot).'}),
  }

  public async run(): Promise<NodesRebootResult> {
    const provider = await this.singleProvider()
    await rebootNode(provider, this.args.id, this.flags.hard, this.driverRequest())
    this.print(`rebooting ${provider} ${this.args.id}`)
    return {id: this.args.id, provider, hard: this.flags.hard}
  }
}
