import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {parseDuration} from '../../services/check-loop.js'
import {localVantageRefusal} from '../../sandbox/control.js'
import {Exporter} from '../../services/exporter.js'
import {readAllowList} from '../../services/exporter-allow.js'
import {parseListen, startExporterServer} from '../../services/exporter-server.js'
import {readWebConfig} from '../../services/exporter-web.js'

export type ExporterRunResult = {url: string; vantages: string[]; requests: number}

export default class ExporterRun extends McCommand<typeof ExporterRun> {
  static override summary = 'Serve checks to Prometheus: /probe, /diagnose and /metrics (the blackbox_exporter multi-target pattern).'
  static override description = `Prometheus owns the schedule: each scrape of /probe?target=T&check=C&from=V runs that one check from that vantage point (this machine, "local", or a probe, over one SSH connection per probe held for the exporter's life) and answers probe_success, probe_duration_seconds and the check's metrics (names and units as in --prom-textfile) before the scrape timeout Prometheus sends. /diagnose?target=T answers the latest verdict (mc_diagnosis{kind,hop}), diagnosing again when it is older than --max-age: as mc check diagnose does, stopping once the verdict is settled or at the scrape timeout Prometheus sends (less --timeout-offset and a second to judge), with mc_diagnosis_settled and mc_diagnosis_rounds. /metrics has mc's own. Try one: curl 'http://127.0.0.1:9469/probe?target=192.0.2.10&check=tcp:443&from=local'. Every result goes into the history ("mc report" shows them).
Only what the allow-list (--config) names runs; anything else gets 400 and the reason. It listens on 127.0.0.1 unless --listen says otherwise; --web-config adds basic auth and TLS (exporter-toolkit's format). SIGINT or SIGTERM stops it cleanly (exit 0). "mc exporter config --prometheus" writes the matching scrape configuration and alert rules.`
  static override examples = ['<%= config.bin %> exporter --config exporter.yml', '<%= config.bin %> exporter --config exporter.yml --listen 10.0.0.5:9469 --web-config web.yml']
  static override enableJsonFlag = false
  static override flags = {
    config: Flags.file({char: 'f', summary: 'Allow-list YAML: the targets, checks and vantage points that may run.', required: true, exists: true}),
    listen: Flags.string({summary: 'Address to listen on, HOST:PORT.', default: '127.0.0.1:9469'}),
    'web-config': Flags.file({summary: 'exporter-toolkit web config: basic_auth_users (bcrypt) and tls_server_config.', exists: true}),
    'max-age': Flags.string({summary: 'Reuse a stored diagnosis this fresh (60s, 5m) before tracing again.', default: '5m'}),
    'diagnose-count': Flags.integer({
      summary: "A fixed number of mtr rounds per vantage point of a diagnosis, instead of stopping once the verdict is settled or at the scrape's time budget.",
      min: 5,
      max: 100,
    }),
    'timeout-offset': Flags.string({summary: 'Time kept free of the scrape timeout for the answer (seconds).', default: '0.5'}),
    'default-timeout': Flags.integer({summary: 'Seconds a request may take when it sends no X-Prometheus-Scrape-Timeout-Seconds.', default: 10, min: 1, max: 600}),
    tools: Flags.string({summary: 'Which implementation: auto (plugins when present), plugins, portable.', options: ['auto', 'plugins', 'portable'], default: 'auto'}),
  }

  public async run(): Promise<ExporterRunResult> {
    const {flags} = this
    const allow = readAllowList(flags.config)
    const web = flags['web-config'] ? readWebConfig(flags['web-config']) : undefined
    const listen = parseListen(flags.listen)
    const offset = Number(flags['timeout-offset'])
    const maxAgeS = parseDuration(flags['max-age'], '--max-age') / 1000
    const exporter = Exporter.open(
      {
        allow,
        log: this.debugLogger,
        timeoutOffsetS: Number.isFinite(offset) && offset >= 0 ? offset : 0.5,
        defaultTimeoutS: flags['default-timeout'],
        maxAgeS,
        diagnoseCount: flags['diagnose-count'],
        tools: flags.tools as 'auto',
        localRefusal: (targets) => localVantageRefusal(targets),
      },
      {listen: flags.listen},
    )
    try {
      const server = await startExporterServer(exporter, listen, web, (message) => this.warn_(message))
      this.logToStderr(`mc exporter listening on ${server.url} (vantage points: ${exporter.vantages.join(', ')}${web?.users.size ? '; basic auth' : ''}${web?.tls ? '; TLS' : ''})`)
      await this.interruptible(
        () => new Error('stopped'),
        (signal) =>
          new Promise<void>((resolve) => {
            signal.addEventListener('abort', () => resolve(), {once: true})
          }),
      )
      this.logToStderr('Stopping: answering the requests in flight...')
      exporter.stop()
      await server.close()
      const requests = exporter.stats.requestCount()
      this.logToStderr(`Stopped after ${requests} request${requests === 1 ? '' : 's'}.`)
      return {url: server.url, vantages: exporter.vantages, requests}
    } finally {
      await exporter.close()
    }
  }
}
