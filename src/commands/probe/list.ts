import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import {PartialFailureError} from '../../core/errors.js'
import type {Column} from '../../output/columns.js'
import {openProbeContext} from '../../services/probe-context.js'
import {listProbes, type ProbeListResult, type ProbeView} from '../../services/probe-fleet.js'

const columns: Column<ProbeView>[] = [
  {header: 'probe', value: (p) => p.name},
  {header: 'kind', value: (p) => p.kind},
  {header: 'fleet', value: (p) => p.fleet},
  {header: 'provider', value: (p) => p.provider ?? p.labels.provider},
  {header: 'region', value: (p) => p.region ?? p.labels.region},
  {header: 'state', value: (p) => p.state},
  {header: 'live', value: (p) => p.live},
  {header: 'ssh', value: (p) => (p.host ? `${p.user}@${p.host}:${p.port}` : '')},
  {header: 'usd/hour', value: (p) => p.priceHourly},
  {header: 'note', value: (p) => p.detail},
]

export default class ProbeList extends McCommand<typeof ProbeList> {
  static override summary = "List probes: the inventory, each node's live state, and drift."
  static override description =
    'Drift both ways: nodes tagged as mc probes in a cloud but missing from the inventory ("untracked"), and inventory entries whose node is gone. The machine running mc is always the vantage point "local" and is not listed.'
  static override examples = ['<%= config.bin %> probe list', '<%= config.bin %> probe list --fleet edge --json']
  static override flags = {fleet: Flags.string({summary: 'Only this fleet.'}), ...recordFlags([columns])}
  static override recordColumns = [columns]

  public async run(): Promise<ProbeListResult> {
    const context = openProbeContext(this.driverRequest())
    try {
      const listed = await listProbes(context.inventory, context.openDriver, this.flags.fleet)
      const result = {...listed, probes: this.printRows(listed.probes, columns)}
      // Drift notes: beside a table, on stderr beside CSV; JSON and YAML carry them as data.
      const note = (text: string) => (this.shape.format === 'csv' ? this.logToStderr(text) : this.print(text))
      for (const node of result.untracked) {
        note(`untracked: ${node.provider}:${node.region} node ${node.nodeId} (${node.name}, fleet ${node.fleet ?? '?'}) is tagged as an mc probe but not in the inventory`)
      }

      for (const name of result.gone) note(`gone: probe ${name}'s node no longer exists; "mc probe destroy ${name}" forgets it`)
      if (result.errors.length > 0) throw new PartialFailureError(result.errors, result)
      return result
    } finally {
      context.close()
    }
  }
}
