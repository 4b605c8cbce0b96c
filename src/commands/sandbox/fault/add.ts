import {Args, Flags} from '@oclif/core'

import {McCommand} from '../../../cli/mc-command.js'
import {changeFaults, defaultSandboxDir} from '../../../sandbox/control.js'

export type SandboxFaultResult = {faults: string[]}

export default class SandboxFaultAdd extends McCommand<typeof SandboxFaultAdd> {
  static override summary = 'Inject faults into the running sandbox: packet loss on a network link, or API throttling, latency and failures.'
  static override description = `Network faults need "mc sandbox start --network": loss=LINK:P% drops P % of the packets arriving over LINK (nftables, on the receiving side), down=LINK drops all of them. LINK is transit (the shared transit router, crossed by the data center and by EC2, Rackspace and OpenStack regions, not by Linode's), dc (the data center's uplink into the transit), target (the sandbox's target, 10.8.1.10) or CLOUD:REGION (what that region's nodes send, at its router). A link has one fault at a time: a new one replaces it.
API faults are as for "mc sandbox start --fault": throttle=0.2, latency=ec2:200ms, fail=linode, fail=rackspace/SYD, hold=boot. Prints the faults now active.`
  static override examples = [
    '<%= config.bin %> sandbox fault add loss=transit:30%',
    '<%= config.bin %> sandbox fault add loss=linode:us-west:50%',
    '<%= config.bin %> sandbox fault add down=target',
    '<%= config.bin %> sandbox fault add throttle=ec2:0.5 latency=200ms',
  ]
  static override strict = false
  static override args = {fault: Args.string({description: 'Fault, e.g. loss=transit:30% (several allowed).', required: true})}
  static override flags = {
    'data-dir': Flags.directory({summary: 'The sandbox data dir. Default: <mc data dir>/sandbox.'}),
  }

  public async run(): Promise<SandboxFaultResult> {
    const faults = await changeFaults(this.flags['data-dir'] ?? defaultSandboxDir(), {add: this.positionals})
    this.print(`Active faults: ${faults.join(', ')}`)
    return {faults}
  }
}
