import {Args} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {unsetConfigValue} from '../../services/config.js'
import {activeProfile} from '../../store/settings.js'

export default class ConfigUnset extends McCommand<typeof ConfigUnset> {
  static override summary = 'Remove a key from an mc profile.'
  static override examples = ['<%= config.bin %> config unset ec2.endpoint', '<%= config.bin %> config unset linode.token --profile old']
  static override args = {key: Args.string({description: 'Key, e.g. ec2.endpoint.', required: true})}

  public async run(): Promise<{profile: string; key: string; removed: boolean}> {
    const profile = activeProfile({profile: this.flags.profile})
    const removed = unsetConfigValue(profile, this.args.key)
    this.print(removed ? `${profile}: ${this.args.key} removed` : `${profile}: ${this.args.key} was not set`)
    return {profile, key: this.args.key, removed}
  }
}
