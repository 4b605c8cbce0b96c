import {Args} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {ValidationError} from '../../core/errors.js'
import {readStdinToEnd} from '../../cli/stdin.js'
import {type ConfigEntry, setConfigValue} from '../../services/config.js'
import {activeProfile} from '../../store/settings.js'

export default class ConfigSet extends McCommand<typeof ConfigSet> {
  static override summary = 'Set a key in an mc profile (file mode 0600).'
  static override description =
    'Keys are <provider>.<name>; "mc config list --keys" shows them all. Give "-" as the value to read it from stdin, so a secret never lands in shell history.'
  static override examples = [
    '<%= config.bin %> config set ec2.region us-east-1',
    '<%= config.bin %> config set rackspace.username alice --profile rax',
    'printf %s "$RAX_KEY" | <%= config.bin %> config set rackspace.apiKey - --profile rax',
  ]
  static override args = {
    key: Args.string({description: 'Key, e.g. ec2.region or linode.token.', required: true}),
    value: Args.string({description: 'Value, or "-" to read it from stdin.', required: true}),
  }

  public async run(): Promise<ConfigEntry> {
    const value = this.args.value === '-' ? (await readStdinToEnd(`the value of ${this.args.key}`)).trim() : this.args.value
    // An empty stdin is nearly always an unset variable in `printf %s "$TOKEN" | mc config set ... -`.
    if (this.args.value === '-' && value === '') throw new ValidationError(`Nothing on stdin for ${this.args.key}; "mc config unset ${this.args.key}" removes a value.`)
    const result = setConfigValue(activeProfile({profile: this.flags.profile}), this.args.key, value)
    this.print(`${result.profile}: ${result.key} = ${result.value}`)
    return result
  }
}
