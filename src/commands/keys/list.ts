import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {ProviderFailure} from '../../core/errors.js'
import type {KeyPair} from '../../core/model.js'
import {keyPairColumns} from '../../output/model-columns.js'
import {listKeyPairs} from '../../services/catalog.js'

export type KeysListResult = {keys: KeyPair[]; errors: ProviderFailure[]}

export default class KeysList extends McCommand<typeof KeysList> {
  static override summary = 'List the SSH key pairs a cloud knows.'
  static override examples = ['<%= config.bin %> keys list --provider ec2 --region us-east-1', '<%= config.bin %> keys list --provider all --json']
  static override flags = {...cloudFlags, ...recordFlags([keyPairColumns])}

  static override recordColumns = [keyPairColumns]

  public async run(): Promise<KeysListResult> {
    return this.finishListing('keys', await listKeyPairs(await this.selectedProviders(), this.driverRequest()), keyPairColumns)
  }
}
