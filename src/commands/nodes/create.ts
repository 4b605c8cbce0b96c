import {Flags} from '@oclif/core'
import {readFileSync} from 'node:fs'

import {cloudFlags, McCommand} from '../../cli/mc-command.js'
import {ValidationError} from '../../core/errors.js'
import type {Node} from '../../core/model.js'
import {nodeDetails} from '../../output/node-details.js'
import {parseTags} from '../../services/filters.js'
import {createNode, readPublicKey} from '../../services/nodes.js'

export default class NodesCreate extends McCommand<typeof NodesCreate> {
  static override summary = 'Create a node in one cloud.'
  static override description =
    'Image and size are ids as `mc images list` and `mc sizes list` show them. With --public-key-file the key is imported under --key-name when the cloud does not have it yet. Without --no-wait, mc waits until the node runs and prints its addresses.'
  static override examples = [
    '<%= config.bin %> nodes create --provider ec2 --region us-east-1 --name web-1 --image ami-0abcdef1234567890 --size t3.micro --key-name mc --public-key-file ~/.ssh/id_ed25519.pub',
    '<%= config.bin %> nodes create --provider linode --region us-west --name probe-1 --image linode/debian12 --size g6-nanode-1 --tag team=ops',
    '<%= config.bin %> nodes create --profile sandbox --provider rackspace --region ORD --name n1 --image debian-12 --size general1-1 --json',
  ]
  static override flags = {
    ...cloudFlags,
    name: Flags.string({summary: 'Node name (EC2 Name tag, Nova server name, Linode label).', required: true}),
    image: Flags.string({summary: 'Image id.', required: true}),
    size: Flags.string({summary: 'Size id (instance type, flavor, Linode type).', required: true}),
    location: Flags.string({summary: 'Zone or region when it differs from --region (e.g. an EC2 availability zone).'}),
    'key-name': Flags.string({summary: 'Key pair name in the cloud.'}),
    'public-key-file': Flags.file({summary: 'OpenSSH public key to import as --key-name when missing.', exists: true}),
    tag: Flags.string({summary: 'Tag as key=value (repeatable).', multiple: true}),
    'user-data-file': Flags.file({summary: 'cloud-init user data.', exists: true}),
    'allow-ssh-icmp': Flags.boolean({summary: 'Open SSH and ICMP where the cloud has a firewall (EC2 security group, OpenStack mc-probe security group).'}),
    'client-token': Flags.string({summary: 'Idempotency token: retrying with the same token never makes a second node.'}),
    wait: Flags.boolean({summary: 'Wait until the node is running.', default: true, allowNo: true}),
    'wait-timeout': Flags.integer({summary: 'Seconds to wait for running.', default: 600, min: 1}),
  }

  public async run(): Promise<Node> {
    const {flags} = this
    if (flags['public-key-file'] && !flags['key-name']) {
      throw new ValidationError('--public-key-file needs --key-name: the name the key is imported under.')
    }
    const provider = await this.singleProvider()
    const node = await this.withProgress((progress) =>
      createNode(
        provider,
        {
          name: flags.name,
          image: flags.image,
          size: flags.size,
          location: flags.location,
          keyName: flags['key-name'],
          publicKey: flags['public-key-file'] ? readPublicKey(flags['public-key-file']) : undefined,
          tags: parseTags(flags.tag),
          userData: flags['user-data-file'] ? readFileSync(flags['user-data-file'], 'utf8') : undefined,
          allowSshAndIcmp: flags['allow-ssh-icmp'],
          clientToken: flags['client-token'],
        },
        {wait: flags.wait, waitTimeoutMs: flags['wait-timeout'] * 1000, onStep: (text) => progress.step(text)},
        this.driverRequest(),
      ),
    )
    this.print(nodeDetails(node))
    return node
  }
}
