import {Flags} from '@oclif/core'

import {checkSelectionFlags, outputFlags, vantageFlags} from '../../cli/check-flags.js'
import {passphrasePrompt} from '../../cli/passphrase.js'
import {McCommand} from '../../cli/mc-command.js'
import type {Verdict} from '../../analysis/types.js'
import type {CheckDefinition, CheckResult} from '../../checks/types.js'
import {InterruptedError, OutputError, PartialFailureError, type ProviderFailure, ValidationError} from '../../core/errors.js'
import {renderCheckMatrix} from '../../output/check-matrix.js'
import {colorEnabled} from '../../output/color.js'
import {renderDiagnosis} from '../../output/diagnosis.js'
import {renderGraphite, sendGraphite} from '../../output/graphite.js'
import {renderNagios} from '../../output/nagios.js'
import {pushToGateway, writePromTextfile} from '../../output/prometheus.js'
import {selectChecks} from '../../services/check-spec.js'
import {parseDuration, runEvery} from '../../services/check-loop.js'
import {runCheckSuite, vantageFailures} from '../../services/check-run.js'
import {verdictsFor} from '../../services/diagnose.js'

/** `errors`: the vantage points that could not be used (their results are UNKNOWN with the reason). */
export type CheckRunCommandResult = {runId: number; vantages: string[]; results: CheckResult[]; verdicts?: Verdict[]; errors: ProviderFailure[]}
/** What `--every` ends with after SIGINT/SIGTERM: how many rounds completed and the last one's run. */
export type CheckLoopResult = {rounds: number; lastRunId?: number}

type Definitions = CheckDefinition[]

const NAGIOS_CRITICAL = 2
const NAGIOS_UNKNOWN = 3

export default class CheckRun extends McCommand<typeof CheckRun> {
  static override summary = 'Run the same network checks from every vantage point: this machine and every probe.'
  static override description = `Checks: ping, tcp:PORT, http[:PORT], https[:PORT], dns[:PORT], path (mtr over ICMP), path:tcp:PORT (mtr over TCP, for targets that drop ICMP), path:udp:PORT. monitoring-plugins run where a probe has them, portable fallbacks (ping, curl, bash /dev/tcp, getent) where not; results say which ran. Every result is stored in the history.
The exit code says whether mc could run the checks, not what they found: 0 when every vantage point answered; when one could not be used, its results are UNKNOWN with the reason and mc exits 3 (host key changed or unknown, login refused), 8 (SSH handshake timed out) or 5 (unreachable, or mixed reasons). --output nagios exits with the worst state instead (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
A metrics sink (--graphite, --pushgateway, --prom-textfile) that fails makes the exit code 10 (with --output nagios: UNKNOWN unless CRITICAL) when every vantage point answered; the results are printed and stored all the same.
--every runs the checks again and again (start to start), storing every round and sending metrics each time, until SIGINT or SIGTERM; then it exits 0, or 10 if a sink failed in any round.`
  static override examples = [
    '<%= config.bin %> check run --target 192.0.2.10 --check ping --check tcp:443 --check path',
    '<%= config.bin %> check run -t db.example.net --check tcp:5432 --from local --from edge-linode-us-west --output nagios',
    '<%= config.bin %> check run -f checks.yaml --graphite graphite.example.net:2003 --prom-textfile /var/lib/node_exporter/mc.prom',
    '<%= config.bin %> check run -t 192.0.2.10 --check ping -w 100,5% -c 300,20% --count 20 --json',
    '<%= config.bin %> check run -f checks.yaml --every 60s --prom-textfile /var/lib/node_exporter/mc.prom',
  ]
  static override flags = {
    ...vantageFlags,
    ...checkSelectionFlags,
    tools: Flags.string({summary: 'Which implementation: auto (plugins when present), plugins, portable.', options: ['auto', 'plugins', 'portable'], default: 'auto'}),
    ...outputFlags,
    'timeout-state': Flags.string({summary: 'What a check that overran counts as in Nagios output.', options: ['UNKNOWN', 'CRITICAL'], default: 'UNKNOWN'}),
    graphite: Flags.string({summary: 'Send metrics to Graphite (plaintext protocol) at host:port.'}),
    'prom-textfile': Flags.string({summary: 'Write Prometheus metrics to this file (atomically), for node_exporter.'}),
    pushgateway: Flags.string({summary: 'Push Prometheus metrics to this Pushgateway URL, grouped by vantage.'}),
    diagnose: Flags.boolean({summary: 'Also triangulate each target (needs the ping and path checks).'}),
    every: Flags.string({summary: 'Run again every interval (60s, 5m) until SIGINT/SIGTERM, storing history and sending metrics each round.', exclusive: ['json']}),
  }

  public async run(): Promise<CheckLoopResult | CheckRunCommandResult> {
    const {flags} = this
    const {definitions, from} = selectChecks(flags)
    if (definitions.length === 0) throw new ValidationError('Nothing to check: pass --target HOST (repeatable) or --file checks.yaml.')
    const intervalMs = flags.every === undefined ? undefined : parseDuration(flags.every, '--every interval')
    if (intervalMs !== undefined && intervalMs < 1000) throw new ValidationError('--every must be at least 1s.')
    if (intervalMs !== undefined && flags.output === 'nagios') {
      throw new ValidationError('--output nagios answers once, as a plugin does; for continuous checks in Nagios use "mc nagios config".')
    }

    return this.interruptible<CheckLoopResult | CheckRunCommandResult>(
      () => new InterruptedError('Checks interrupted; results so far are in the history.'),
      (signal) => (intervalMs === undefined ? this.runSingle(definitions, from, signal) : this.loop(definitions, from, intervalMs, signal)),
    )
  }

  /** One run whose exit code also says whether every vantage point could be used. */
  private async runSingle(definitions: Definitions, from: string[], signal: AbortSignal): Promise<CheckRunCommandResult> {
    let result: CheckRunCommandResult
    try {
      result = await this.runOnce(definitions, from, signal)
    } catch (error) {
      // A vantage point mc could not use outweighs a metrics sink that failed (already warned on stderr).
      if (!(error instanceof OutputError) || (error.result as CheckRunCommandResult).errors.length === 0) throw error
      result = error.result as CheckRunCommandResult
    }

    if (result.errors.length > 0) throw new PartialFailureError(result.errors, result, vantageFailures(result.results).exitCode)
    return result
  }

  private async runOnce(definitions: Definitions, from: string[], signal: AbortSignal): Promise<CheckRunCommandResult> {
    const {flags} = this
    const run = await runCheckSuite({
      definitions, from, tools: flags.tools as 'auto', log: this.debugLogger, passphrase: passphrasePrompt(), signal,
      onResult: (r) => this.logToStderr(`${r.vantage} ${r.target} ${r.check}: ${r.state}`),
      meta: {targets: [...new Set(definitions.map((d) => d.target))], ...(flags.every ? {every: flags.every} : {})},
    })
    const verdicts = flags.diagnose ? verdictsFor([...new Set(definitions.map((d) => d.target))], run.results) : undefined
    const undelivered = await this.export(run.results)
    const result = {...run, verdicts, errors: vantageFailures(run.results).failures}
    if (flags.output === 'nagios') {
      const nagios = renderNagios(run.results, {timeoutState: flags['timeout-state'] as 'UNKNOWN'})
      if (this.jsonEnabled()) this.logJson(result)
      else process.stdout.write(nagios.text)
      // Metrics that did not arrive make an OK or WARNING answer UNKNOWN; CRITICAL stays CRITICAL.
      this.exit(undelivered.length > 0 && nagios.exitCode !== NAGIOS_CRITICAL ? NAGIOS_UNKNOWN : nagios.exitCode)
    }

    this.print(renderCheckMatrix(run.results, {color: colorEnabled()}))
    if (verdicts) this.print(`\n${renderDiagnosis(verdicts, run.results, {color: colorEnabled()})}`)
    if (undelivered.length > 0) {
      throw new OutputError(`Metrics not delivered to ${undelivered.join('; ')}. The results are in the history (run ${run.runId}).`, result)
    }

    return result
  }

  /** Rounds start to start; a signal ends the loop with exit 0, since every finished round is stored. */
  private async loop(definitions: Definitions, from: string[], intervalMs: number, signal: AbortSignal): Promise<CheckLoopResult> {
    let lastRunId: number | undefined
    let undeliveredRounds = 0
    const {rounds} = await runEvery({
      intervalMs,
      signal,
      round: async (index) => {
        this.print(`== round ${index} at ${new Date().toISOString()}`)
        try {
          lastRunId = (await this.runOnce(definitions, from, signal)).runId
        } catch (error) {
          // The round itself finished and is stored; export() already said which sink failed.
          if (!(error instanceof OutputError)) throw error
          undeliveredRounds++
          lastRunId = (error.result as CheckRunCommandResult).runId
        }
      },
      onError: (error, index) => this.warn_(`round ${index} failed: ${error.message}`),
      onOverrun: (index, tookMs) => this.warn_(`round ${index} took ${(tookMs / 1000).toFixed(1)}s, longer than --every ${this.flags.every}; the next starts now.`),
    })
    this.logToStderr(`Stopped after ${rounds} round${rounds === 1 ? '' : 's'}.`)
    if (undeliveredRounds > 0) throw new OutputError(`Metrics were not delivered in ${undeliveredRounds} of ${rounds} round(s); see the warnings above. Every round is in the history.`, {rounds, lastRunId})
    return {rounds, lastRunId}
  }

  /**
   * Metrics sinks: every one is tried, each failure is reported on stderr and named in the answer
   * (the command then exits 10); the run itself is in the history either way.
   */
  private async export(results: CheckResult[]): Promise<string[]> {
    const {flags} = this
    const sinks: [string, () => Promise<unknown>][] = []
    if (flags.graphite) {
      const [host, port] = flags.graphite.split(':')
      sinks.push([`graphite ${flags.graphite}`, () => sendGraphite(renderGraphite(results), {host, port: port ? Number(port) : 2003})])
    }

    if (flags['prom-textfile']) sinks.push([`prometheus textfile ${flags['prom-textfile']}`, async () => writePromTextfile(flags['prom-textfile']!, results)])
    if (flags.pushgateway) sinks.push([`pushgateway ${flags.pushgateway}`, () => pushToGateway(flags.pushgateway!, results)])
    const failed: string[] = []
    for (const [name, send] of sinks) {
      try {
        await send()
      } catch (error) {
        this.warn_(`${name}: ${(error as Error).message}`)
        failed.push(`${name} (${(error as Error).message})`)
      }
    }

    return failed
  }
}
