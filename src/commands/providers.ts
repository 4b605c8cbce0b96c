import {McCommand} from '../cli/mc-command.js'
import {recordFlags} from '../cli/output-flags.js'
import type {Column} from '../output/columns.js'
import {providerStatuses, type ProviderStatus} from '../services/providers.js'

export type ProvidersResult = {providers: ProviderStatus[]}

const columns: Column<ProviderStatus>[] = [
  {header: 'provider', value: (p) => p.provider},
  {header: 'credentials', value: (p) => (p.credentials ? 'found' : 'missing')},
  {header: 'from', value: (p) => p.source},
  {header: 'region', value: (p) => p.region},
  {header: 'endpoint', value: (p) => p.endpoint},
]

export default class Providers extends McCommand<typeof Providers> {
  static override summary = 'List the providers mc speaks, whether credentials were found, and where from.'
  static override description = 'Reads only environment variables and files; sends no request and never prints a secret.'
  static override examples = ['<%= config.bin %> providers', '<%= config.bin %> providers --profile sandbox --json', '<%= config.bin %> providers --output yaml']
  static override flags = {...recordFlags([columns])}
  static override recordColumns = [columns]

  public async run(): Promise<ProvidersResult> {
    const providers = this.printRows(await providerStatuses({profile: this.flags.profile}), columns)
    if (this.shape.format === 'table') for (const p of providers.filter((status) => !status.credentials)) this.print(`${p.provider}: looked at ${p.lookedAt.join('; ')}`)
    return {providers}
  }
}
