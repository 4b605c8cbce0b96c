import {Args, Flags} from '@oclif/core'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import type {KeyPair} from '../../core/model.js'
import {importKeyPair} from '../../services/nodes.js'

export default class KeysImport extends McCommand<typeof KeysImport> {
  static override summary = 'Import an OpenSSH public key into a cloud as a named key pair.'
  static override examples = [
    '<%= config.bin %> keys import mc --public-key-file ~/.ssh/id_ed25519.pub --provider ec2 --region us-east-1',
    '<%= config.bin %> keys import ops --public-key-file ops.pub --provider linode --json',
  ]
  static override args = {name: Args.string({description: 'Key pair name in the cloud.', required: true})}
  static override flags = {
    ...cloudFlags,
    'public-key-file': Flags.file({summary: 'OpenSSH public key file (never a private key).', required: true, exists: true}),
  }

  public async run(): Promise<KeyPair> {
    const key = await importKeyPair(await this.singleProvider(), this.args.name, this.flags['public-key-file'], this.driverRequest())
    this.print(`imported ${key.provider} key pair ${key.name}${key.fingerprint ? ` (${key.fingerprint})` : ''}`)
    return key
  }
}
