import {Args, Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {passphrasePrompt} from '../../cli/passphrase.js'
import {canPrompt} from '../../output/confirm.js'
import {parseTags} from '../../services/filters.js'
import {openProbeContext} from '../../services/probe-context.js'
import {loginPrivilege, privilegeLine} from '../../services/probe-privilege.js'
import {adoptProbe, type HostKeyPolicy} from '../../services/probe-fleet.js'
import {openProbePool} from '../../services/probe-session.js'
import type {Probe} from '../../store/inventory.js'

export default class ProbeAdd extends McCommand<typeof ProbeAdd> {
  static override summary = 'Adopt an existing SSH host (a data-center server, a VPS) as a probe.'
  static override description =
    "mc connects once and records the host key, trusting it on first use like OpenSSH's accept-new: on a terminal it shows the fingerprint and asks, unless --yes."
  static override examples = [
    '<%= config.bin %> probe add dc-1 --host 198.51.100.7 --user ops --key ~/.ssh/id_ed25519 --label provider=dc --label region=fra',
    '<%= config.bin %> probe add vps --host vps.example.net --port 2222 --yes --json',
  ]
  static override args = {name: Args.string({description: 'Probe name (the vantage point in results).', required: true})}
  static override flags = {
    host: Flags.string({summary: 'Address or name to SSH to.', required: true}),
    port: Flags.integer({summary: 'SSH port.', default: 22, min: 1, max: 65_535}),
    user: Flags.string({summary: 'Login user.', default: 'root'}),
    key: Flags.file({summary: "Private key for this host (else mc's key and ssh-agent).", exists: true}),
    label: Flags.string({summary: 'Label as key=value, e.g. provider=dc (repeatable).', multiple: true}),
    yes: Flags.boolean({char: 'y', summary: 'Trust the host key on first use without asking.'}),
  }

  public async run(): Promise<Probe> {
    const context = openProbeContext(this.driverRequest())
    const policy: HostKeyPolicy =
      this.flags.yes || !canPrompt()
        ? 'accept-new'
        : async (info) => {
            const {confirm} = await import('@inquirer/prompts')
            return confirm({message: `${info.host}:${info.port} presents ${info.keyType} key ${info.fingerprint}. Trust it?`, default: false}, {output: process.stderr})
          }

    const pool = openProbePool({
      dataDir: context.dataDir,
      log: this.debugLogger,
      hostKeyPolicy: policy,
      extraKeyFiles: this.flags.key ? [this.flags.key] : [],
      passphrase: passphrasePrompt(),
    })
    try {
      const probe = await adoptProbe(
        context.inventory,
        {name: this.args.name, host: this.flags.host, port: this.flags.port, user: this.flags.user, keyPath: this.flags.key, labels: parseTags(this.flags.label) ?? {}},
        pool,
      )
      this.print(`added probe ${probe.name} (${probe.user}@${probe.host}:${probe.port})`)
      const how = probe.user === 'root' ? undefined : privilegeLine(probe, await loginPrivilege(pool, probe))
      if (how) this.print(how)
      return probe
    } finally {
      await pool.close()
      context.close()
    }
  }
}
