import {McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {Column} from '../../output/columns.js'
import {configPath, listProfiles} from '../../services/config.js'

type Profile = {name: string; keys: number}
const columns: Column<Profile>[] = [
  {header: 'profile', value: (p) => p.name},
  {header: 'keys', value: (p) => p.keys},
]

export default class ConfigProfiles extends McCommand<typeof ConfigProfiles> {
  static override summary = 'List mc profiles and where the config file is.'
  static override examples = ['<%= config.bin %> config profiles', '<%= config.bin %> config profiles --json']
  static override flags = {...recordFlags([columns])}
  static override recordColumns = [columns]

  public async run(): Promise<{file: string; profiles: Profile[]}> {
    const profiles = this.printRows(listProfiles(), columns)
    this.logToStderr(`config file: ${configPath()}`)
    return {file: configPath(), profiles}
  }
}
