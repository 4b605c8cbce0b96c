import {Flags} from '@oclif/core'

import {checkSelectionFlags, vantageFlags} from '../../cli/check-flags.js'
import {recordFlags} from '../../cli/output-flags.js'
import {passphrasePrompt} from '../../cli/passphrase.js'
import {localVantageRefusal} from '../../sandbox/control.js'
import {McCommand} from '../../cli/mc-command.js'
import type {Verdict} from '../../analysis/types.js'
import {FAIL_ON, type FailOn, failsOn} from '../../checks/thresholds.js'
import type {CheckDefinition, CheckResult} from '../../checks/types.js'
import {ChecksFailedError, InterruptedError, OutputError, PartialFailureError, type ProviderFailure, ValidationError} from '../../core/errors.js'
import {renderCheckMatrix, resultColumns} from '../../output/check-matrix.js'
import {colorEnabled} from '../../output/color.js'
import {renderDiagnosis} from '../../output/diagnosis.js'
import {renderGraphite, sendGraphite} from '../../output/graphite.js'
import {renderNagios} from '../../output/nagios.js'
import {pushToGateway, writePromTextfile} from '../../output/prometheus.js'
import {sortRecords} from '../../output/shape.js'
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
For pipelines, --fail-on makes what the checks found count: exit 11 when any result is at or above the level (critical: CRITICAL; warning: WARNING or CRITICAL; unknown: anything not OK), after the results are printed and stored. A vantage point that could not be used still exits 3, 8 or 5; exit 11 outweighs a failed metrics sink's 10.
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
    ...recordFlags([resultColumns], ['nagios']),
    'timeout-state': Flags.string({summary: 'What a check that overran counts as in Nagios output.', options: ['UNKNOWN', 'CRITICAL'], default: 'UNKNOWN'}),
    graphite: Flags.string({summary: 'Send metrics to Graphite (plaintext protocol) at host:port.'}),
    'prom-textfile': Flags.string({summary: 'Write Prometheus metrics to this file (atomically), for node_exporter.'}),
    pushgateway: Flags.string({summary: 'Push Prometheus metrics to this Pushgateway URL, grouped by vantage.'}),
    'fail-on': Flags.string({
      summary: 'Exit 11 when any result is at or above this state: critical (CRITICAL), warning (WARNING or CRITICAL), unknown (anything not OK).',
      options: [...FAIL_ON],
    }),
    diagnose: Flags.boolean({summary: 'Also triangulate each target (needs the ping and path checks).'}),
    every: Flags.string({summary: 'Run again every interval (60s, 5m) until SIGINT/SIGTERM, storing history and sending metrics each round.', exclusive: ['json']}),
  }
  static override recordColumns = [resultColumns]

  public async run(): Promise<CheckLoopResult | CheckRunCommandResult> {
    const {flags} = this
    const {definitions, from} = selectChecks(flags)
    if (definitions.length === 0) throw new ValidationError('Nothing to check: pass --target HOST (repeatable) or --file checks.yaml.')
    const intervalMs = this.interval()
    return this.interruptible<CheckLoopResult | CheckRunCommandResult>(
      () => new InterruptedError('Checks interrupted; results so far are in the history.'),
      (signal) => (intervalMs === undefined ? this.runSingle(definitions, from, signal) : this.loop(definitions, from, intervalMs, signal)),
    )
  }

  /** --every in ms, refused with the flags that answer once (--output nagios, --fail-on) or print data. */
  private interval(): number | undefined {
    const {every} = this.flags
    const nagios = this.shape.format === 'nagios'
    if (this.flags['fail-on'] && (every !== undefined || nagios)) {
      throw new ValidationError(
        `--fail-on sets the exit code of one run; ${every === undefined ? '--output nagios exits with the worst state already' : 'with --every mc runs until stopped'}.`,
      )
    }
    if (every === undefined) return undefined
    const intervalMs = parseDuration(every, '--every interval')
    if (intervalMs < 1000) throw new ValidationError('--every must be at least 1s.')
    if (nagios) throw new ValidationError('--output nagios answers once, as a plugin does; for continuous checks in Nagios use "mc nagios config".')
    if (this.shape.format !== 'table' || this.shape.query !== undefined) {
      throw new ValidationError('--every prints a table per round; for data, read the history or use --prom-textfile, --pushgateway or --graphite.')
    }
    return intervalMs
  }

  /**
   * One run whose exit code also says whether every vantage point could be used, then (--fail-on)
   * what the checks found. Both outweigh a metrics sink that failed (already warned on stderr).
   */
  private async runSingle(definitions: Definitions, from: string[], signal: AbortSignal): Promise<CheckRunCommandResult> {
    let result: CheckRunCommandResult
    let undelivered: OutputError | undefined
    try {
      result = await this.runOnce(definitions, from, signal)
    } catch (error) {
      if (!(error instanceof OutputError)) throw error
      undelivered = error
      result = error.result as CheckRunCommandResult
    }

    if (result.errors.length > 0) throw new PartialFailureError(result.errors, result, vantageFailures(result.results).exitCode)
    const level = this.flags['fail-on'] as FailOn | undefined
    const failing = level ? result.results.filter((r) => failsOn(r.state, level)) : []
    if (failing.length > 0) {
      const named = failing.slice(0, 5).map((r) => `${r.vantage} -> ${r.target} ${r.check} ${r.state}`)
      const more = failing.length > named.length ? `; and ${failing.length - named.length} more` : ''
      throw new ChecksFailedError(
        `${failing.length} of ${result.results.length} check results at or above ${level!.toUpperCase()} (--fail-on ${level}): ${named.join('; ')}${more}.`,
        result,
      )
    }
    if (undelivered) throw undelivered
    return result
  }

  private async runOnce(definitions: Definitions, from: string[], signal: AbortSignal): Promise<CheckRunCommandResult> {
    const {flags} = this
    const run = await this.withProgress((progress) => {
      let done = 0
      progress.status(`running ${definitions.length} check${definitions.length === 1 ? '' : 's'} from ${from.join(', ')}`)
      return runCheckSuite({
        definitions,
        from,
        tools: flags.tools as 'auto',
        log: this.debugLogger,
        passphrase: passphrasePrompt(),
        signal,
        onResult(r) {
          progress.line(`${r.vantage} ${r.target} ${r.check}: ${r.state}`)
          progress.status(`running checks: ${++done} result${done === 1 ? '' : 's'} in`)
        },
        meta: {targets: [...new Set(definitions.map((d) => d.target))], ...(flags.every ? {every: flags.every} : {})},
        localRefusal: localVantageRefusal(definitions.map((d) => d.target)),
        warn: (message) => this.warn_(message),
      })
    })
    const verdicts = flags.diagnose ? verdictsFor([...new Set(definitions.map((d) => d.target))], run.results) : undefined
    const undelivered = await this.export(run.results)
    const results = sortRecords(run.results, this.shape.sort, resultColumns)
    const result = {...run, results, verdicts, errors: vantageFailures(run.results).failures}
    if (this.shape.format === 'nagios') {
      const nagios = renderNagios(results, {timeoutState: flags['timeout-state'] as 'UNKNOWN'})
      process.stdout.write(nagios.text)
      // Metrics that did not arrive make an OK or WARNING answer UNKNOWN; CRITICAL stays CRITICAL.
      this.exit(undelivered.length > 0 && nagios.exitCode !== NAGIOS_CRITICAL ? NAGIOS_UNKNOWN : nagios.exitCode)
    }

    if (this.wantsRows) {
      this.printRows(results, resultColumns)
    } else {
      this.print(renderCheckMatrix(results, {color: colorEnabled()}))
      if (verdicts) this.print(`\n${renderDiagnosis(verdicts, results, {color: colorEnabled()})}`)
    }

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
    if (undeliveredRounds > 0)
      throw new OutputError(`Metrics were not delivered in ${undeliveredRounds} of ${rounds} round(s); see the warnings above. Every round is in the history.`, {rounds, lastRunId})
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
