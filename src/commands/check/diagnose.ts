import {Flags} from '@oclif/core'

import {vantageFlags} from '../../cli/check-flags.js'
import {recordFlags} from '../../cli/output-flags.js'
import {passphrasePrompt} from '../../cli/passphrase.js'
import {McCommand} from '../../cli/mc-command.js'
import {isIPv4, isIPv6} from 'node:net'

import {ADDRESS_FAMILIES, type AddressFamily, type CheckResult} from '../../checks/types.js'
import {InterruptedError, ValidationError} from '../../core/errors.js'
import {colorEnabled} from '../../output/color.js'
import {renderDiagnosis, renderDiagnosisNagios, verdictColumns} from '../../output/diagnosis.js'
import {sortRecords} from '../../output/shape.js'
import {localVantageRefusal} from '../../sandbox/control.js'
import {parseDuration} from '../../services/check-loop.js'
import {DEFAULT_ROUNDS, diagnose, type DiagnoseProtocol, DIAGNOSE_PROTOCOLS, type DiagnoseResult} from '../../services/diagnose.js'

export default class CheckDiagnose extends McCommand<typeof CheckDiagnose> {
  static override summary = 'Say where a network fault is: ping and trace from every vantage point, then triangulate.'
  static override description = `One verdict per target, with the evidence: healthy; target down; degradation on the target's side; on one vantage point's side; on a shared path starting at hop H; several faults at once; or inconclusive, naming the evidence missing. Loss at a hop that does not persist to the target is ICMP rate limiting and never blamed.
Measuring stops as soon as the verdict is settled: mtr's rounds are read as they arrive from every vantage point at once, and a sequential test decides each vantage point's loss (under 0.5 % error per decision); a verdict usually needs 10-40 rounds, a few seconds. --max-time caps it (default 10s; measuring stops a second before it, so that stopping the checks and judging fit in): the verdict then says it stopped at the limit and what was still undecided, and never names separate faults from a hop the test has not decided (it reads such a hop as agreeing with the settled vantage points, or says the verdict is inconclusive). --count sends a fixed number of rounds instead. The explanation says how many rounds and probes the verdict rests on.
A probe that logs in as a non-root user (admin, ubuntu, ec2-user) runs mtr through sudo -n when it has passwordless sudo, at root's pace; otherwise mtr's floor there is one round a second, so it runs several mtr processes side by side (six for the default 10s, fewer for a longer --max-time). The explanation names such probes and how they traced.
A target that answers no ICMP echo from any vantage point (a cloud security group, a load balancer) is traced over TCP (--protocol auto, the default): to the first port that answers of the ports its checks in the history use, then 443, 80 and 22; the explanation says so. That TCP trace waits up to 3 s for ICMP to hear the target and is skipped if it did (two traces at once from one vantage point disturb each other's replies); with --count it follows the ICMP trace. A target whose TCP, HTTP or DNS check succeeded from any vantage point in the last 10 minutes is never called down.
A host name is resolved on each vantage point itself (CDNs and GeoDNS answer each one differently), and each traces the address its own resolver gives first, the one a client there would use: with --family auto (the default) that may be IPv4 on one vantage point and IPv6 on another; --family 4 or 6 forces one, as ping -4/-6 do. An IPv6 address is traced with ping -6 and mtr -6. The verdict reasons per address reached, says which vantage point reached which address and over which family, and names the address whose path is faulty. A name that does not resolve on a vantage point is a DNS finding for it (with the resolver's error), not a path fault.
--output nagios maps verdicts to states: healthy OK, vantage-side WARNING, target-down/target-side/shared-path/multiple-faults CRITICAL, inconclusive UNKNOWN.`
  static override examples = [
    '<%= config.bin %> check diagnose --target 192.0.2.10',
    '<%= config.bin %> check diagnose -t api.example.net --from local --from edge-rackspace-ord --from edge-linode-us-west --json',
    '<%= config.bin %> check diagnose -t 192.0.2.10 --max-age 300 --output nagios',
    '<%= config.bin %> check diagnose -t api.example.net --protocol tcp --port 443',
    '<%= config.bin %> check diagnose -t api.example.net --family 6',
  ]
  static override flags = {
    ...vantageFlags,
    count: Flags.integer({
      summary: `A fixed number of mtr rounds per vantage point (e.g. ${DEFAULT_ROUNDS}) instead of stopping once the verdict is settled.`,
      min: 5,
      max: 100,
      exclusive: ['max-time'],
    }),
    'max-time': Flags.string({summary: 'Stop measuring after this long (10s, 30s, 1m) and give the verdict the evidence supports so far.', default: '10s'}),
    protocol: Flags.string({
      summary: 'How to trace: auto (ICMP; TCP when the target answers no ICMP echo), icmp, tcp or udp.',
      options: [...DIAGNOSE_PROTOCOLS],
      default: 'auto',
    }),
    family: Flags.string({
      summary: 'Address family to trace over: auto (the address each vantage point resolves the name to first), 4 or 6.',
      options: [...ADDRESS_FAMILIES],
      default: 'auto',
    }),
    port: Flags.integer({summary: 'Port to trace over TCP or UDP (required with --protocol udp); with auto or tcp, the port tried first.', min: 1, max: 65_535}),
    'max-age': Flags.integer({summary: 'Reuse ping and path results at most this many seconds old from the history.', min: 1}),
    ...recordFlags([verdictColumns], ['nagios']),
  }
  static override recordColumns = [verdictColumns]

  public async run(): Promise<DiagnoseResult> {
    const targets = this.flags.target ?? []
    if (targets.length === 0) throw new ValidationError('Pass --target HOST (repeatable).')
    const protocol = this.flags.protocol as DiagnoseProtocol
    if (protocol === 'udp' && this.flags.port === undefined) throw new ValidationError('--protocol udp needs --port PORT (the port the target answers on, e.g. 53).')
    if (protocol === 'icmp' && this.flags.port !== undefined) throw new ValidationError('--port applies to tracing over TCP or UDP; drop it or pass --protocol tcp.')
    const family = this.flags.family as AddressFamily
    for (const target of targets) {
      const literal = isIPv4(target) ? '4' : isIPv6(target) ? '6' : undefined
      if (literal && family !== 'auto' && family !== literal)
        throw new ValidationError(`--family ${family} does not fit ${target}, an IPv${literal} address; drop --family or pass a host name.`)
    }
    const maxTimeMs = parseDuration(this.flags['max-time'], '--max-time')
    if (maxTimeMs < 1000) throw new ValidationError('--max-time must be at least 1s.')
    const rounds = this.flags.count === undefined ? `until the verdict is settled, at most ${this.flags['max-time']}` : `${this.flags.count} rounds`
    const diagnosed = await this.withProgress((progress) => {
      const tracing = `Tracing ${targets.join(', ')} from ${this.flags.from.join(', ')} (${rounds})`
      progress.step(`${tracing}...`)
      let done = 0
      const onResult = (r: CheckResult) => {
        progress.line(`${r.vantage} ${r.target} ${r.check}: ${r.state}`)
        progress.status(`${tracing}: ${++done} result${done === 1 ? '' : 's'} in`)
      }
      return this.interruptible(
        () => new InterruptedError('Diagnosis interrupted.'),
        (signal) =>
          diagnose({
            targets,
            from: this.flags.from,
            count: this.flags.count,
            maxTimeMs,
            protocol,
            port: this.flags.port,
            family,
            maxAgeS: this.flags['max-age'],
            log: this.debugLogger,
            passphrase: passphrasePrompt(),
            signal,
            onResult,
            localRefusal: localVantageRefusal(targets),
            warn: (message) => this.warn_(message),
          }),
      )
    })
    const result = {...diagnosed, verdicts: sortRecords(diagnosed.verdicts, this.shape.sort, verdictColumns)}
    if (this.shape.format === 'nagios') {
      const nagios = renderDiagnosisNagios(result.verdicts)
      process.stdout.write(nagios.text)
      this.exit(nagios.exitCode)
    }

    if (this.wantsRows) this.printRows(result.verdicts, verdictColumns)
    else this.print(renderDiagnosis(result.verdicts, result.results, {color: colorEnabled()}))
    return result
  }
}
