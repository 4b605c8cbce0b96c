import {Flags} from '@oclif/core'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {ProviderFailure} from '../../core/errors.js'
import type {Node} from '../../core/model.js'
import {nodeColumns} from '../../output/model-columns.js'
import {listNodes, type RegionsListed} from '../../services/catalog.js'
import {parseStates, parseTags} from '../../services/filters.js'

export type NodesListResult = {nodes: Node[]; errors: ProviderFailure[]; regions: RegionsListed[]}

export default class NodesList extends McCommand<typeof NodesList> {
  static override summary = 'List nodes across one, several or all clouds.'
  static override description =
    'Providers are queried concurrently. If one fails, the others are still listed, its error goes to stderr (and to "errors" in --json), and the exit code is 5 (partial).'
  static override examples = [
    '<%= config.bin %> nodes list --provider ec2 --region us-east-1',
    '<%= config.bin %> nodes list --provider all --state running --json',
    '<%= config.bin %> nodes list --provider ec2,linode --tag mc-fleet=edge --csv',
    '<%= config.bin %> nodes list --profile sandbox --name "probe-*"',
  ]
  static override flags = {
    ...cloudFlags,
    ...recordFlags([nodeColumns]),
    state: Flags.string({summary: 'Only nodes in these states (comma list): pending, running, stopped, ...', multiple: true, delimiter: ','}),
    tag: Flags.string({summary: 'Only nodes with this tag, as key=value (repeatable; all must match).', multiple: true}),
    name: Flags.string({summary: 'Only nodes with this name; "*" matches anything.'}),
  }

  static override recordColumns = [nodeColumns]

  public async run(): Promise<NodesListResult> {
    const filter = {states: parseStates(this.flags.state), tags: parseTags(this.flags.tag), name: this.flags.name}
    return this.finishListing('nodes', await listNodes(await this.selectedProviders(), filter, this.driverRequest()), nodeColumns)
  }
}
