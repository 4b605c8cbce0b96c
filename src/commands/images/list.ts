import {Flags} from '@oclif/core'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {recordFlags} from '../../cli/output-flags.js'
import type {ProviderFailure} from '../../core/errors.js'
import type {Image} from '../../core/model.js'
import {imageColumns} from '../../output/model-columns.js'
import {listImages} from '../../services/catalog.js'

export type ImagesListResult = {images: Image[]; errors: ProviderFailure[]}

export default class ImagesList extends McCommand<typeof ImagesList> {
  static override summary = 'List machine images a cloud offers.'
  static override description =
    'On EC2 the default is your own images plus recent Linux images from well-known owners (Canonical, Debian, Amazon), never the whole public catalogue; --owner widens or narrows it.'
  static override examples = [
    '<%= config.bin %> images list --provider linode',
    '<%= config.bin %> images list --provider ec2 --region eu-west-1 --owner 099720109477 --name "ubuntu/images/*24.04*"',
    '<%= config.bin %> images list --profile sandbox --json',
  ]
  static override flags = {
    ...cloudFlags,
    ...recordFlags([imageColumns]),
    owner: Flags.string({summary: 'Image owner (EC2 account id or alias such as "self", "amazon").', multiple: true}),
    name: Flags.string({summary: 'Image name; "*" matches anything.'}),
  }

  static override recordColumns = [imageColumns]

  public async run(): Promise<ImagesListResult> {
    return this.finishListing('images', await listImages(await this.selectedProviders(), {owners: this.flags.owner, name: this.flags.name}, this.driverRequest()), imageColumns)
  }
}
