import {Args} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {type ConfigEntry, getConfigValue} from '../../services/config.js'
import {activeProfile} from '../../store/settings.js'

export default class ConfigGet extends McCommand<typeof ConfigGet> {
  static override summary = 'Print one key of an mc profile (secrets masked).'
  static override examples = ['<%= config.bin %> config get ec2.region', '<%= config.bin %> config get linode.token --profile sandbox --json']
  static override args = {key: Args.string({description: 'Key, e.g. ec2.region.', required: true})}

  public async run(): Promise<ConfigEntry> {
    const result = getConfigValue(activeProfile({profile: this.flags.profile}), this.args.key)
    this.print(result.value)
    return result
  }
}
