import {McCommand} from '../../cli/mc-command.js'
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

  public async run(): Promise<{file: string; profiles: Profile[]}> {
    const profiles = listProfiles()
    this.printRows(profiles, columns)
    this.logToStderr(`config file: ${configPath()}`)
    return {file: configPath(), profiles}
  }
}
