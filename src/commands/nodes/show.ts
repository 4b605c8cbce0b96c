import {Args} from '@oclif/core'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {Node} from '../../core/model.js'
import {nodeColumns} from '../../output/model-columns.js'
import {nodeDetails} from '../../output/node-details.js'
import {showNode} from '../../services/nodes.js'

export default class NodesShow extends McCommand<typeof NodesShow> {
  static override summary = 'Show one node with every field mc knows, provider-specific ones included.'
  static override examples = [
    '<%= config.bin %> nodes show i-0abc123def4567890 --provider ec2 --region us-east-1',
    '<%= config.bin %> nodes show 12345678 --provider linode --json',
  ]
  static override args = {id: Args.string({description: 'Node id, as `mc nodes list` shows it.', required: true})}
  static override description = 'The table is every field, one per line; --columns, --no-header or --csv print the node as one row of the nodes list columns.'
  static override flags = {...cloudFlags, ...recordFlags([nodeColumns])}
  static override recordColumns = [nodeColumns]

  public async run(): Promise<Node> {
    const node = await showNode(await this.singleProvider(), this.args.id, this.driverRequest())
    if (this.wantsRows) this.printRows([node], nodeColumns)
    else this.print(nodeDetails(node))
    return node
  }
}
