import {Flags} from '@oclif/core'
import {userInfo} from 'node:os'
import {join, resolve} from 'node:path'

import {checkSelectionFlags, vantageFlags} from '../../cli/check-flags.js'
import {McCommand} from '../../cli/mc-command.js'
import {selectChecks} from '../../services/check-spec.js'
import {DEFAULT_COMMAND_FILE, HISTORY_DAYS, type NagiosConfigResult, type NagiosMode, writeNagiosConfig} from '../../services/nagios-config.js'
import {mcPaths} from '../../store/paths.js'

export default class NagiosConfig extends McCommand<typeof NagiosConfig> {
  static override summary = "Write Nagios object definitions that run mc's checks continuously: hosts for probes and targets, a service per vantage point, target and check."
  static override description = `--mode ssh (default): Nagios runs each check on the probe through check_by_ssh with mc's key and known_hosts (the nagios user must be able to read both: see --key-file, --known-hosts). The path check and the local vantage point need --mode passive.
--mode passive: mc-passive.sh, run from cron (mc-passive.cron), runs "mc check run --output nagios" per vantage point and target and submits each answer to Nagios' command file; Nagios flags answers that stop coming.
Without --target or --file, the targets and checks are those in the history of the last ${HISTORY_DAYS} days. Load the files with cfg_dir=DIR in nagios.cfg, then check with nagios4 -v.`
  static override examples = [
    '<%= config.bin %> nagios config --out /etc/nagios4/conf.d/mc',
    '<%= config.bin %> nagios config --out /etc/nagios4/conf.d/mc -t 192.0.2.10 --check ping --check tcp:443 --key-file /etc/nagios4/mc/mc_ed25519 --known-hosts /etc/nagios4/mc/known_hosts',
    '<%= config.bin %> nagios config --out /etc/nagios4/conf.d/mc --mode passive -f checks.yaml --interval 2 --contact-group admins',
  ]
  static override flags = {
    out: Flags.directory({char: 'o', summary: 'Directory to write the configuration to (created if only its last level is missing).', required: true}),
    mode: Flags.string({summary: 'ssh: Nagios runs checks through check_by_ssh; passive: a cron job runs mc and submits results.', options: ['ssh', 'passive'], default: 'ssh'}),
    ...vantageFlags,
    ...checkSelectionFlags,
    interval: Flags.integer({summary: 'Minutes between checks.', default: 5, min: 1, max: 59}),
    'key-file': Flags.string({summary: "Private key path as the Nagios server reads it (default: mc's key)."}),
    'known-hosts': Flags.string({summary: "known_hosts path as the Nagios server reads it (default: mc's known_hosts)."}),
    'contact-group': Flags.string({summary: 'Nagios contact group to notify (e.g. admins).'}),
    'command-file': Flags.string({summary: "Nagios' external command file that passive results go to.", default: DEFAULT_COMMAND_FILE}),
  }

  public async run(): Promise<NagiosConfigResult> {
    const {flags} = this
    const {definitions, from} = selectChecks(flags)
    const result = writeNagiosConfig({
      outDir: resolve(flags.out),
      mode: flags.mode as NagiosMode,
      definitions,
      from,
      intervalMinutes: flags.interval,
      dataDir: mcPaths().dataDir,
      keyFile: flags['key-file'],
      knownHostsFile: flags['known-hosts'],
      contactGroup: flags['contact-group'],
      mcCommand: [process.execPath, join(this.config.root, 'bin', 'run.js')],
      commandFile: flags['command-file'],
      cronUser: userInfo().username,
      mcHome: process.env.MC_HOME,
    })

    if (result.createdDir) this.logToStderr(`Created directory ${result.outDir}.`)
    this.print(`Wrote ${result.files.length} files to ${result.outDir}: ${result.hosts.length} hosts, ${result.services} services (mode ${result.mode}).`)
    if (result.skipped.length > 0) {
      this.print(`Not configured (${result.skipped.length}):`)
      for (const reason of new Set(result.skipped.map((s) => s.reason))) {
        const which = result.skipped.filter((s) => s.reason === reason).map((s) => `${s.vantage} -> ${s.target} ${s.check}`)
        this.print(`  ${which.join(', ')}: ${reason}`)
      }
    }

    this.print(`Next: add "cfg_dir=${result.outDir}" to nagios.cfg, run "nagios4 -v /etc/nagios4/nagios.cfg", then reload Nagios.`)
    if (result.mode === 'passive') this.print(`Then install ${join(result.outDir, 'mc-passive.cron')} into /etc/cron.d.`)
    return result
  }
}
