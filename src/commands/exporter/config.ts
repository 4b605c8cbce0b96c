import {Flags} from '@oclif/core'
import {join} from 'node:path'

import {McCommand} from '../../cli/mc-command.js'
import {ValidationError} from '../../core/errors.js'
import {renderAlertRules, renderPrometheusConfig} from '../../services/exporter-prometheus.js'
import {parseDuration} from '../../services/check-loop.js'
import {readAllowList} from '../../services/exporter-allow.js'
import {Inventory} from '../../store/inventory.js'
import {ensureOutputDir, writeOutputFile} from '../../store/output-file.js'
import {mcPaths} from '../../store/paths.js'

export type ExporterConfigResult = {prometheus?: string; rules?: string; files?: string[]}

const RULES_FILE = 'mc-rules.yml'

export default class ExporterConfig extends McCommand<typeof ExporterConfig> {
  static override summary = 'Print the Prometheus scrape configuration and alert rules for mc exporter.'
  static override description = `--prometheus prints a prometheus.yml: one job per check, whose targets (the allow-list's) times vantage points (this machine and every ready probe, or --vantage) are relabelled into /probe?target=&check=&from=, a /diagnose job and a job for the exporter's own metrics. --rules prints alert rules: McTargetDown (every vantage point fails), McVantageSide (one vantage point fails what the others pass), McTargetSide and McSharedPath (from the diagnosis), McExporterScrapeFailing. --dir writes both files. With several --exporter addresses, hashmod relabelling shards the probes between them.`
  static override examples = [
    '<%= config.bin %> exporter config --config exporter.yml --prometheus > /etc/prometheus/prometheus.yml',
    '<%= config.bin %> exporter config --config exporter.yml --dir /etc/prometheus --exporter mc-a:9469 --exporter mc-b:9469',
    '<%= config.bin %> exporter config --config exporter.yml --rules --for 5m',
  ]
  static override flags = {
    config: Flags.file({char: 'f', summary: 'The allow-list YAML the exporter runs with.', required: true, exists: true}),
    prometheus: Flags.boolean({summary: 'Print the scrape configuration (prometheus.yml).', exclusive: ['rules', 'dir']}),
    rules: Flags.boolean({summary: 'Print the alert rules.', exclusive: ['prometheus', 'dir']}),
    dir: Flags.string({summary: `Write prometheus.yml and ${RULES_FILE} into this directory.`}),
    exporter: Flags.string({summary: 'Exporter address HOST:PORT (repeatable: probes are sharded between them).', multiple: true, default: ['127.0.0.1:9469']}),
    'shard-by': Flags.string({
      summary: 'With several exporters, what one exporter owns: a target (every vantage point of it) or a vantage point.',
      options: ['target', 'vantage'],
      default: 'target',
    }),
    vantage: Flags.string({summary: 'Vantage points to scrape (repeatable). Default: local and every ready probe.', multiple: true}),
    interval: Flags.string({summary: 'Scrape (and rule evaluation) interval.', default: '30s'}),
    'diagnose-interval': Flags.string({summary: 'Scrape interval of /diagnose.', default: '60s'}),
    for: Flags.string({summary: 'How long a condition lasts before an alert fires.', default: '2m'}),
    scheme: Flags.string({summary: 'http, or https when the exporter has tls_server_config.', options: ['http', 'https'], default: 'http'}),
    'ca-file': Flags.string({summary: "CA certificate Prometheus checks the exporter's certificate with."}),
    'basic-auth-user': Flags.string({summary: 'User Prometheus sends (basic_auth_users of the web config).', dependsOn: ['basic-auth-password-file']}),
    'basic-auth-password-file': Flags.string({summary: "File Prometheus reads that user's password from.", dependsOn: ['basic-auth-user']}),
  }

  public async run(): Promise<ExporterConfigResult> {
    const {flags} = this
    if (!flags.prometheus && !flags.rules && !flags.dir) throw new ValidationError('Say what to print: --prometheus, --rules, or --dir DIR for both files.')
    const allow = readAllowList(flags.config)
    const intervalS = this.seconds(flags.interval, '--interval')
    const prometheus =
      flags.prometheus || flags.dir
        ? renderPrometheusConfig({
            allow,
            vantages: flags.vantage ?? readyVantages(),
            exporters: flags.exporter,
            shardBy: flags['shard-by'] as 'target',
            intervalS,
            diagnoseIntervalS: this.seconds(flags['diagnose-interval'], '--diagnose-interval'),
            scheme: flags.scheme as 'http',
            basicAuth: flags['basic-auth-user'] ? {username: flags['basic-auth-user'], passwordFile: flags['basic-auth-password-file']!} : undefined,
            caFile: flags['ca-file'],
            rulesFile: RULES_FILE,
          })
        : undefined
    const rules = flags.rules || flags.dir ? renderAlertRules({forS: parseDuration(flags.for, '--for') / 1000, intervalS}) : undefined
    if (flags.dir) {
      if (ensureOutputDir(flags.dir)) this.logToStderr(`Created directory ${flags.dir}.`)
      const files = [join(flags.dir, 'prometheus.yml'), join(flags.dir, RULES_FILE)]
      writeOutputFile(files[0], prometheus!)
      writeOutputFile(files[1], rules!)
      this.print(`Wrote ${files.join(' and ')}.`)
      return {prometheus, rules, files}
    }
    if (!this.jsonEnabled()) process.stdout.write(prometheus ?? rules!)
    return {prometheus, rules}
  }

  private seconds(text: string, what: string): number {
    const ms = parseDuration(text, what)
    if (ms < 1000) throw new ValidationError(`${what} must be at least 1s.`)
    return ms / 1000
  }
}

/** What `mc exporter` will have: this machine and every probe ready now. */
function readyVantages(): string[] {
  const inventory = Inventory.open(mcPaths().dataDir)
  try {
    return [
      'local',
      ...inventory
        .list()
        .filter((p) => p.state === 'ready' && p.host)
        .map((p) => p.name),
    ]
  } finally {
    inventory.close()
  }
}
