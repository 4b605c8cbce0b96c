import {Flags} from '@oclif/core'

import {McCommand} from '../cli/mc-command.js'
import {OutputError, ValidationError} from '../core/errors.js'
import {renderHtmlReport} from '../output/html-report/render.js'
import {renderMarkdownReport} from '../output/markdown-report.js'
import {parseDuration} from '../services/check-loop.js'
import {buildReport, type ReportData} from '../services/report.js'
import {writeOutputFile} from '../store/output-file.js'

export type ReportResult = ReportData & {htmlFile?: string}

export default class Report extends McCommand<typeof Report> {
  static override summary = 'Report on the check history: latency and loss charts, the status matrix, the latest diagnosis and the probe fleet.'
  static override description = `--html writes one self-contained page (styles, chart library and data inlined; it makes no network request when opened) that falls back to tables without JavaScript. --markdown prints the same report as Markdown, e.g. for a CI job summary. --json prints the report's data.
The diagnosis is recomputed from each vantage point's newest ping and path results in the window.`
  static override examples = [
    '<%= config.bin %> report --html report.html',
    '<%= config.bin %> report --html /var/www/mc/index.html --since 7d --target 192.0.2.10 --target db.example.net',
    '<%= config.bin %> report --markdown --since 2h >> "$GITHUB_STEP_SUMMARY"',
    '<%= config.bin %> report --since 30m --json',
  ]
  static override flags = {
    html: Flags.string({summary: 'Write the HTML report to this file (replaced atomically; a symlink is followed, a FIFO or device written in place).'}),
    markdown: Flags.boolean({summary: 'Print the report as Markdown on stdout.'}),
    since: Flags.string({summary: 'How far back: a duration (90m, 24h, 7d) or an ISO 8601 time.', default: '24h'}),
    target: Flags.string({char: 't', summary: 'Only this target (repeatable). Default: every target with results in the window.', multiple: true}),
  }

  public async run(): Promise<ReportResult> {
    const {flags} = this
    if (!flags.html && !flags.markdown && !this.jsonEnabled()) {
      throw new ValidationError('Say what to make: --html FILE, --markdown, or --json for the data.')
    }

    const data = buildReport({since: sinceDate(flags.since), targets: flags.target})
    if (flags.markdown) this.print(renderMarkdownReport(data))
    if (flags.html) {
      try {
        writeOutputFile(flags.html, renderHtmlReport(data, {mcVersion: this.config.version}), 0o644)
      } catch (error) {
        // The data is still an answer under --json; the exit code (10) says the page was not written.
        throw error instanceof OutputError ? new OutputError(error.message, data) : error
      }

      this.logToStderr(`Wrote ${flags.html}: ${data.targets.length} target(s), ${data.vantages.length} vantage point(s).`)
    }

    return {...data, htmlFile: flags.html}
  }
}

function sinceDate(text: string): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const date = new Date(text)
    if (Number.isNaN(date.getTime())) throw new ValidationError(`--since "${text}" is not a valid ISO 8601 time.`)
    return date
  }

  return new Date(Date.now() - parseDuration(text, '--since'))
}
