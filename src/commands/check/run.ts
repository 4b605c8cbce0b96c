import {Flags} from '@oclif/core'

import {outputFlags, vantageFlags} from '../../cli/check-flags.js'
import {McCommand} from '../../cli/mc-command.js'
import type {Verdict} from '../../analysis/types.js'
import type {CheckResult} from '../../checks/types.js'
import {InterruptedError, ValidationError} from '../../core/errors.js'
import {renderCheckMatrix} from '../../output/check-matrix.js'
import {colorEnabled} from '../../output/color.js'
import {renderDiagnosis} from '../../output/diagnosis.js'
import {renderGraphite, sendGraphite} from '../../output/graphite.js'
import {renderNagios} from '../../output/nagios.js'
import {pushToGateway, writePromTextfile} from '../../output/prometheus.js'
import {definitionsFor, readChecksFile} from '../../services/check-spec.js'
import {runCheckSuite} from '../../services/check-run.js'
import {verdictsFor} from '../../services/diagnose.js'

export type CheckRunCommandResult = {runId: number; vantages: string[]; results: CheckResult[]; verdicts?: Verdict[]}

export default class CheckRun extends McCommand<typeof CheckRun> {
  static override summary = 'Run the same network checks from every vantage point: this machine and every probe.'
  static override description = `Checks: ping, tcp:PORT, http[:PORT], https[:PORT], dns[:PORT], path (mtr). monitoring-plugins run where a probe has them, portable fallbacks (ping, curl, bash /dev/tcp, getent) where not; results say which ran. Every result is stored in the history.
The exit code says whether mc could run the checks (0), not what they found; --output nagios exits with the worst state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).`
  static override examples = [
    '<%= config.bin %> check run --target 192.0.2.10 --check ping --check tcp:443 --check path',
    '<%= config.bin %> check run -t db.example.net --check tcp:5432 --from local --from edge-linode-us-west --output nagios',
    '<%= config.bin %> check run -f checks.yaml --graphite graphite.example.net:2003 --prom-textfile /var/lib/node_exporter/mc.prom',
    '<%= config.bin %> check run -t 192.0.2.10 --check ping -w 100,5% -c 300,20% --count 20 --json',
  ]
  static override flags = {
    ...vantageFlags,
    check: Flags.string({summary: 'Check to run (repeatable): ping, tcp:PORT, http[:PORT], https[:PORT], dns[:PORT], path.', multiple: true}),
    file: Flags.file({char: 'f', summary: 'YAML checks file with many targets and checks.', exists: true}),
    warning: Flags.string({char: 'w', summary: 'Warning threshold: "RTA_MS,LOSS%" applies to ping and path, plain seconds to tcp, http and dns.'}),
    critical: Flags.string({char: 'c', summary: 'Critical threshold, same forms as --warning.'}),
    count: Flags.integer({summary: 'Echo requests (ping) or rounds per hop (path).', min: 1, max: 100}),
    timeout: Flags.integer({summary: 'Seconds each check may take.', min: 1, max: 600}),
    tools: Flags.string({summary: 'Which implementation: auto (plugins when present), plugins, portable.', options: ['auto', 'plugins', 'portable'], default: 'auto'}),
    ...outputFlags,
    'timeout-state': Flags.string({summary: 'What a check that overran counts as in Nagios output.', options: ['UNKNOWN', 'CRITICAL'], default: 'UNKNOWN'}),
    graphite: Flags.string({summary: 'Send metrics to Graphite (plaintext protocol) at host:port.'}),
    'prom-textfile': Flags.string({summary: 'Write Prometheus metrics to this file (atomically), for node_exporter.'}),
    pushgateway: Flags.string({summary: 'Push Prometheus metrics to this Pushgateway URL, grouped by vantage.'}),
    diagnose: Flags.boolean({summary: 'Also triangulate each target (needs the ping and path checks).'}),
  }

  public async run(): Promise<CheckRunCommandResult> {
    const {flags} = this
    const defaults = {count: flags.count, timeoutS: flags.timeout, warning: flags.warning, critical: flags.critical}
    const file = flags.file ? readChecksFile(flags.file, defaults) : undefined
    const targets = flags.target ?? []
    if (!file && targets.length === 0) throw new ValidationError('Nothing to check: pass --target HOST (repeatable) or --file checks.yaml.')
    const definitions = [...(file?.definitions ?? []), ...definitionsFor(targets, flags.check ?? ['ping'], defaults)]
    const from = flags.from.length === 1 && flags.from[0] === 'all' && file?.from ? file.from : flags.from

    const controller = new AbortController()
    const stop = () => controller.abort(new InterruptedError('Checks interrupted; results so far are in the history.'))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      const run = await runCheckSuite({
        definitions, from, tools: flags.tools as 'auto', log: this.debugLogger, signal: controller.signal,
        onResult: (r) => this.logToStderr(`${r.vantage} ${r.target} ${r.check}: ${r.state}`),
        meta: {targets: [...new Set(definitions.map((d) => d.target))]},
      })
      const verdicts = flags.diagnose ? verdictsFor([...new Set(definitions.map((d) => d.target))], run.results) : undefined
      await this.export(run.results)
      const result = {...run, verdicts}
      if (flags.output === 'nagios') {
        const nagios = renderNagios(run.results, {timeoutState: flags['timeout-state'] as 'UNKNOWN'})
        if (this.jsonEnabled()) this.logJson(result)
        else process.stdout.write(nagios.text)
        this.exit(nagios.exitCode)
      }

      this.print(renderCheckMatrix(run.results, {color: colorEnabled()}))
      if (verdicts) this.print(`\n${renderDiagnosis(verdicts, run.results, {color: colorEnabled()})}`)
      return result
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
  }

  /** Metrics sinks; each failure is a warning, never the loss of the run (it is in the history). */
  private async export(results: CheckResult[]): Promise<void> {
    const {flags} = this
    const sinks: [string, () => Promise<unknown>][] = []
    if (flags.graphite) {
      const [host, port] = flags.graphite.split(':')
      sinks.push([`graphite ${flags.graphite}`, () => sendGraphite(renderGraphite(results), {host, port: port ? Number(port) : 2003})])
    }

    if (flags['prom-textfile']) sinks.push([`prometheus textfile ${flags['prom-textfile']}`, async () => writePromTextfile(flags['prom-textfile']!, results)])
    if (flags.pushgateway) sinks.push([`pushgateway ${flags.pushgateway}`, () => pushToGateway(flags.pushgateway!, results)])
    for (const [name, send] of sinks) {
      try {
        await send()
      } catch (error) {
        this.warn_(`${name}: ${(error as Error).message}`)
      }
    }
  }
}
