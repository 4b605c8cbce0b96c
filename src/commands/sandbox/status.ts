import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {EMULATORS} from '../../sandbox/clouds.js'
import {defaultSandboxDir, sandboxStatus, type SandboxStatus} from '../../sandbox/control.js'

export type SandboxStatusResult = SandboxStatus

/** Human view of a status: endpoints and who to log in as, never a secret (--json has those). */
export function describeStatus(status: SandboxStatus): string {
  if (!status.running) return `mc sandbox is not running (data dir ${status.dataDir}). Start it with "mc sandbox start --detach".`
  const lines = [`mc sandbox is running: pid ${status.pid}, 127.0.0.1:${status.port}, data dir ${status.dataDir}`]
  const e = status.endpoints
  const c = status.credentials
  if (e) {
    for (const {cloud, describe} of EMULATORS) {
      if (e[cloud] === undefined) continue
      const who = c?.[cloud] && describe(c[cloud])
      lines.push(`  ${cloud.padEnd(10)} ${e[cloud]}${who ? `  (${who})` : ''}`)
    }
  }
  if (status.nodes)
    lines.push(
      `  nodes: ${Object.entries(status.nodes)
        .map(([cloud, n]) => `${cloud} ${n}`)
        .join(', ')}`,
    )
  if (status.faults && status.faults.length > 0) lines.push(`  faults: ${status.faults.join(', ')}`)
  const net = status.network
  if (net) {
    const dc = net.datacenter.ssh
    lines.push(
      `  network (${net.mode}): target ${net.target}, transit ${net.transit}`,
      `  data center ${net.datacenter.address}: mc probe add dc --host ${dc.host} --port ${dc.port} --user ${dc.user} --key ${dc.keyFile} --yes`,
      ...net.sites.map(
        (s) => `  ${`${s.cloud}:${s.region}`.padEnd(24)} ${s.address} behind ${s.router} (${s.via === 'transit' ? 'via the transit' : "peers with the target's provider"})`,
      ),
    )
  }
  if (status.networkUnavailable) lines.push(`  network: unavailable (${status.networkUnavailable}); running on loopback`)
  lines.push(`Use it with --profile ${status.profile} (or MC_PROFILE=${status.profile}); "mc sandbox status --json" shows the credentials for other clients.`)
  return lines.join('\n')
}

export default class SandboxStatusCommand extends McCommand<typeof SandboxStatusCommand> {
  static override summary = 'Show whether the sandbox runs, its endpoints, and (with --json) the credentials for other clients.'
  static override description =
    'The JSON form has each emulated API\'s endpoint and credentials, so the AWS CLI, Libcloud or scripts can be pointed at it. Exit code 0 whether or not it runs; read "running".'
  static override examples = ['<%= config.bin %> sandbox status', '<%= config.bin %> sandbox status --json']
  static override flags = {
    'data-dir': Flags.directory({summary: 'The sandbox data dir. Default: <mc data dir>/sandbox.'}),
  }

  public async run(): Promise<SandboxStatusResult> {
    const status = await sandboxStatus(this.flags['data-dir'] ?? defaultSandboxDir())
    this.print(describeStatus(status))
    return status
  }
}
