import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {Column} from '../../output/columns.js'
import {type ConfigEntry, listConfig} from '../../services/config.js'
import {CONFIG_KEYS, type ConfigKey} from '../../store/config-keys.js'

export type ConfigListResult = {entries: ConfigEntry[]} | {keys: (ConfigKey & {key: string})[]}

const entryColumns: Column<ConfigEntry>[] = [
  {header: 'profile', value: (e) => e.profile},
  {header: 'key', value: (e) => e.key},
  {header: 'value', value: (e) => e.value},
]
const keyColumns: Column<ConfigKey & {key: string}>[] = [
  {header: 'key', value: (k) => k.key},
  {header: 'secret', value: (k) => (k.secret ? 'yes' : '')},
  {header: 'description', value: (k) => k.description},
]

export default class ConfigList extends McCommand<typeof ConfigList> {
  static override summary = 'List the settings of every profile (or one with --profile), secrets masked.'
  static override examples = ['<%= config.bin %> config list', '<%= config.bin %> config list --profile sandbox --json', '<%= config.bin %> config list --keys']
  static override flags = {keys: Flags.boolean({summary: 'List the keys mc knows instead of the values set.'}), ...recordFlags([entryColumns, keyColumns])}
  static override recordColumns = [entryColumns, keyColumns]

  public async run(): Promise<ConfigListResult> {
    if (this.flags.keys) {
      return {
        keys: this.printRows(
          [...CONFIG_KEYS.entries()].map(([key, k]) => ({key, ...k})),
          keyColumns,
        ),
      }
    }
    return {entries: this.printRows(listConfig(this.flags.profile), entryColumns)}
  }
}
