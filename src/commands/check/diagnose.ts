import {Flags} from '@oclif/core'

import {outputFlags, vantageFlags} from '../../cli/check-flags.js'
import {passphrasePrompt} from '../../cli/passphrase.js'
import {McCommand} from '../../cli/mc-command.js'
import {InterruptedError, ValidationError} from '../../core/errors.js'
import {colorEnabled} from '../../output/color.js'
import {renderDiagnosis, renderDiagnosisNagios} from '../../output/diagnosis.js'
import {DEFAULT_ROUNDS, diagnose, type DiagnoseResult} from '../../services/diagnose.js'

export default class CheckDiagnose extends McCommand<typeof CheckDiagnose> {
  static override summary = 'Say where a network fault is: ping and trace from every vantage point, then triangulate.'
  static override description = `One verdict per target, with the evidence: healthy; target down; degradation on the target's side; on one vantage point's side; on a shared path starting at hop H; several faults at once; or inconclusive, naming the evidence missing. Loss at a hop that does not persist to the target is ICMP rate limiting and never blamed.
--output nagios maps verdicts to states: healthy OK, vantage-side WARNING, target-down/target-side/shared-path/multiple-faults CRITICAL, inconclusive UNKNOWN.`
  static override examples = [
    '<%= config.bin %> check diagnose --target 192.0.2.10',
    '<%= config.bin %> check diagnose -t api.example.net --from local --from edge-rackspace-ord --from edge-linode-us-west --json',
    '<%= config.bin %> check diagnose -t 192.0.2.10 --max-age 300 --output nagios',
  ]
  static override flags = {
    ...vantageFlags,
    count: Flags.integer({summary: 'Echo requests and mtr rounds per vantage point.', default: DEFAULT_ROUNDS, min: 5, max: 100}),
    'max-age': Flags.integer({summary: 'Reuse ping and path results at most this many seconds old from the history.', min: 1}),
    ...outputFlags,
  }

  public async run(): Promise<DiagnoseResult> {
    const targets = this.flags.target ?? []
    if (targets.length === 0) throw new ValidationError('Pass --target HOST (repeatable).')
    this.logToStderr(`Tracing ${targets.join(', ')} from ${this.flags.from.join(', ')} (${this.flags.count} rounds)...`)
    const result = await this.interruptible(
      () => new InterruptedError('Diagnosis interrupted.'),
      (signal) => diagnose({targets, from: this.flags.from, count: this.flags.count, maxAgeS: this.flags['max-age'], log: this.debugLogger, passphrase: passphrasePrompt(), signal}),
    )
    if (this.flags.output === 'nagios') {
      const nagios = renderDiagnosisNagios(result.verdicts)
      if (this.jsonEnabled()) this.logJson(result)
      else process.stdout.write(nagios.text)
      this.exit(nagios.exitCode)
    }

    this.print(renderDiagnosis(result.verdicts, result.results, {color: colorEnabled()}))
    return result
  }
}
