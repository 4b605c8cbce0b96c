import {Command, Flags, type Interfaces} from '@oclif/core'
import {setMaxListeners} from 'node:events'
import {formatWithOptions} from 'node:util'

import {AuthError, ChecksFailedError, ExitCode, InterruptedError, McError, OutputError, PartialFailureError, type ProviderFailure, ValidationError} from '../core/errors.js'
import {createDebugLog, type DebugLog, debugEnabledFromEnv} from '../core/log.js'
import type {ProviderName} from '../core/model.js'
import {redactString} from '../core/redact.js'
import {colorEnabled} from '../output/color.js'
import type {Column} from '../output/columns.js'
import {regionsFooter} from '../output/regions-footer.js'
import {checkFieldNames, renderDocument, renderRows, selectColumns, type Shape, sortRecords} from '../output/shape.js'
import {loadCredentialModule, parseProviderList, PROVIDERS} from '../drivers/registry.js'
import type {RegionsListed} from '../services/catalog.js'
import type {DriverRequest} from '../services/drivers.js'
import {type FanOutResult, settle, throwIfAllFailed} from '../services/fanout.js'
import {resolveProviderSettings} from '../store/settings.js'
import {shapeFromFlags} from './output-flags.js'
import {type Progress, startProgress} from './progress.js'

export type McFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof McCommand)['baseFlags'] & T['flags']>
export type McArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

/** Flags for commands that talk to clouds. */
export const cloudFlags = {
  provider: Flags.string({
    char: 'p',
    summary: `Provider(s): ${PROVIDERS.join(', ')}, a comma list, or "all". Default: every provider with credentials.`,
    multiple: true,
    delimiter: ',',
    env: 'MC_PROVIDER',
  }),
  region: Flags.string({
    char: 'r',
    summary:
      'Region, or "all" to list every region: EC2 every enabled region, Rackspace every region of its catalogue, OpenStack every region with a compute endpoint. Linode listings are global; its region is for new nodes.',
  }),
  endpoint: Flags.string({summary: 'API endpoint URL that replaces the provider default (EC2-compatible clouds, private OpenStack, the sandbox).'}),
}

/**
 * Shared flags, lazy driver access, and one error policy: typed errors become their documented exit
 * code and a one-line message, the same with and without --json.
 */
export abstract class McCommand<T extends typeof Command> extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {
    profile: Flags.string({summary: 'mc profile to use (default: MC_PROFILE or "default").', helpGroup: 'GLOBAL', env: 'MC_PROFILE'}),
    debug: Flags.boolean({summary: 'Log API requests and responses to stderr, secrets redacted (or MC_DEBUG=1).', helpGroup: 'GLOBAL'}),
  }

  /** The column sets a command prints, so --columns and --sort names are checked before any work. */
  static recordColumns: Column<never>[][] = []

  protected flags!: McFlags<T>
  protected args!: McArgs<T>
  /** Every positional argument, for variadic commands (static strict = false). */
  protected positionals: string[] = []
  /** How output is shaped (src/cli/output-flags.ts); set once the flags are parsed. */
  protected shape: Shape = {format: 'table', header: true}
  private shaped = false
  private progress?: Progress
  private debugLog?: DebugLog

  public override async init(): Promise<void> {
    await super.init()
    const {args, argv, flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (super.ctor as typeof McCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as McFlags<T>
    this.args = args as McArgs<T>
    this.positionals = argv as string[]
    const ctor = this.ctor as unknown as typeof McCommand
    if ('output' in (ctor.flags ?? {})) {
      this.shape = await shapeFromFlags(flags)
      checkFieldNames(this.shape, ctor.recordColumns)
    } else if (flags.json) {
      this.shape = {format: 'json', header: true}
    }
    this.shaped = true
  }

  /**
   * True when stdout carries the command's whole answer as a document (--output json or yaml, or
   * --query in any format) instead of human output: oclif then prints what run() returns, through
   * logJson. Until the flags are parsed, oclif's own test for --json.
   */
  public override jsonEnabled(): boolean {
    if (!this.shaped) return super.jsonEnabled()
    return this.documentOutput || this.shape.query !== undefined
  }

  /** --output json or yaml: errors, too, are printed as a document. */
  protected get documentOutput(): boolean {
    if (!this.shaped) return super.jsonEnabled()
    return this.shape.format === 'json' || this.shape.format === 'yaml'
  }

  /** A command whose table is not one row per record (a matrix, a details view) prints rows when asked for columns, no header or CSV. */
  protected get wantsRows(): boolean {
    return this.shape.format === 'csv' || this.shape.columns !== undefined || !this.shape.header
  }

  protected get debugLogger(): DebugLog {
    this.debugLog ??= createDebugLog(Boolean(this.flags?.debug) || debugEnabledFromEnv())
    return this.debugLog
  }

  /** What a service needs to open drivers: profile, region, endpoint and the debug log. */
  protected driverRequest(): DriverRequest {
    const flags = this.flags as Record<string, unknown>
    return {
      profile: flags.profile as string | undefined,
      region: flags.region as string | undefined,
      endpoint: flags.endpoint as string | undefined,
      log: this.debugLogger,
    }
  }

  /** --provider as names; without it, every provider whose credentials are found. */
  protected async selectedProviders(): Promise<ProviderName[]> {
    const values = (this.flags as Record<string, unknown>).provider as string[] | undefined
    if (values && values.length > 0) return parseProviderList(values)
    const request = this.driverRequest()
    const found: ProviderName[] = []
    for (const provider of PROVIDERS) {
      const settings = resolveProviderSettings(provider, request)
      if ((await loadCredentialModule(provider)).detectCredentials(settings).found) found.push(provider)
    }
    if (found.length === 0) {
      throw new AuthError('No cloud credentials found for any provider. Pass --provider, run "mc providers" to see where mc looks, or try "mc sandbox start".')
    }
    return found
  }

  /** Exactly one provider, for commands that act on one node or key. */
  protected async singleProvider(): Promise<ProviderName> {
    const values = (this.flags as Record<string, unknown>).provider as string[] | undefined
    const providers = values && values.length > 0 ? parseProviderList(values) : []
    if (providers.length !== 1) {
      throw new ValidationError(`This command acts on one cloud: pass --provider with exactly one of ${PROVIDERS.join(', ')}.`)
    }
    return providers[0]
  }

  /**
   * Records sorted as --sort asks, printed as a table or CSV with the --columns asked for; nothing
   * when the answer is a document (oclif prints what run() returns). Returns the sorted records, for
   * the command's result.
   */
  protected printRows<R>(rows: R[], columns: Column<R>[]): R[] {
    const sorted = sortRecords(rows, this.shape.sort, columns)
    if (this.jsonEnabled()) return sorted
    const text = renderRows(sorted, selectColumns(columns, this.shape.columns), this.shape, {color: colorEnabled()})
    if (text) this.log(text)
    return sorted
  }

  /**
   * The end of every cross-provider listing: fail outright if no provider answered, print the rows
   * (a table gets a footer on stderr naming the regions each provider listed), then return
   * `{<key>: rows, errors, regions}` or raise the partial failure (exit 5) that carries it.
   */
  protected finishListing<K extends string, R>(
    key: K,
    listing: {items: R[]; result: FanOutResult<unknown>; regions: RegionsListed[]},
    columns: Column<R>[],
  ): Record<K, R[]> & {errors: ProviderFailure[]; regions: RegionsListed[]} {
    throwIfAllFailed(listing.result)
    const items = this.printRows(listing.items, columns)
    const footer = this.jsonEnabled() || this.shape.format !== 'table' ? undefined : regionsFooter(listing.regions)
    if (footer) this.logToStderr(footer)
    const data = {[key]: items, errors: listing.result.failures, regions: listing.regions} as Record<K, R[]> & {
      errors: ProviderFailure[]
      regions: RegionsListed[]
    }
    return settle(listing.result, data)
  }

  /**
   * The command's answer as a document: JSON, YAML, or a --query result as a table or CSV.
   * (oclif's logJson runs a JSON colouriser over the whole document even without a theme: 100-150 ms
   * for 1,000 nodes; plain JSON.stringify prints the same bytes in a few ms.)
   */
  public override logJson(json: unknown): void {
    this.printDocument(json, true)
  }

  /** `query` false for error documents: --query describes the data, not an error. */
  private printDocument(document: unknown, query: boolean): void {
    let text: string
    try {
      // Before the flags are parsed (a usage error), a document is oclif's --json.
      const shape: Shape = this.shaped ? {...this.shape, query: query ? this.shape.query : undefined} : {format: 'json', header: true}
      text = renderDocument(document, shape, {color: colorEnabled()})
    } catch (error) {
      // oclif prints run()'s result after catch() and finally() ran: report here, with the usage exit code.
      this.logToStderr(`Error: ${redactString((error as Error).message)}`)
      process.exitCode = exitCodeOf(error as Error)
      return
    }
    if (text) process.stdout.write(`${text}\n`)
  }

  /**
   * Run `work` with a signal that Ctrl-C (SIGINT) or SIGTERM aborts with `reason()`. `onSignal` hears
   * every signal, `again` true from the second on. The handlers are gone when `work` settles.
   */
  protected async interruptible<R>(reason: () => Error, work: (signal: AbortSignal) => Promise<R>, onSignal?: (again: boolean) => void): Promise<R> {
    const controller = new AbortController()
    // Every check, channel and request of a run listens to this one signal.
    setMaxListeners(0, controller.signal)
    const handler = () => {
      const again = controller.signal.aborted
      onSignal?.(again)
      if (!again) controller.abort(reason())
    }

    process.on('SIGINT', handler)
    process.on('SIGTERM', handler)
    try {
      return await work(controller.signal)
    } finally {
      process.off('SIGINT', handler)
      process.off('SIGTERM', handler)
    }
  }

  /**
   * Progress, warnings and errors go to stderr with and without --json (oclif silences them under
   * --json): stdout carries the data only, so a script still sees why a run was slow or partial.
   */
  public override logToStderr(message = '', ...args: unknown[]): void {
    const text = formatWithOptions({colors: false}, message, ...args)
    if (this.progress) this.progress.line(text)
    else process.stderr.write(`${text}\n`)
  }

  /**
   * Run a long wait with progress on stderr (src/cli/progress.ts): a spinner on a terminal, a line
   * per step otherwise. A document answer (--json, --output yaml, --query) gets the lines, never a
   * spinner. Stopped before the command prints its answer, so a terminal never mixes the two.
   */
  protected async withProgress<R>(work: (progress: Progress) => Promise<R>): Promise<R> {
    const progress = startProgress(process.stderr, this.jsonEnabled() ? {spinner: false} : {})
    this.progress = progress
    try {
      return await work(progress)
    } finally {
      progress.stop()
      this.progress = undefined
    }
  }

  /** Human output goes to stdout only when --json is off. */
  protected print(text: string): void {
    if (!this.jsonEnabled()) this.log(text)
  }

  protected warn_(text: string): void {
    this.logToStderr(`Warning: ${redactString(text)}`)
  }

  /** Runs after catch and before oclif's process.exit: every path (success, error, signal) ends here. */
  protected override async finally(error: Error | undefined): Promise<void> {
    await Promise.all([flushed(process.stdout), flushed(process.stderr)])
    return super.finally(error)
  }

  protected override async catch(error: Error & {oclif?: {exit?: number}; exitCode?: number}): Promise<never> {
    if (error.oclif?.exit !== undefined && error.message === `EEXIT: ${error.oclif.exit}`) throw error
    if (error instanceof PartialFailureError) {
      if (this.jsonEnabled()) this.logJson({...(error.result as object), errors: error.failures.map((f) => ({...f, message: redactString(f.message)}))})
      for (const f of error.failures) this.logToStderr(`Error (${f.provider}): ${redactString(f.message)}`)
      return this.exit(error.exitCode)
    }
    const exitCode = exitCodeOf(error)
    const message = redactString(error.message || String(error))
    if (this.documentOutput) {
      const json = {error: {code: error instanceof McError ? error.code : exitCode === ExitCode.usage ? 'USAGE' : 'ERROR', message, exitCode}}
      // What the command produced before failing (an interrupted deploy's probes, results a metrics
      // sink did not take) is still data.
      const partial = error instanceof InterruptedError || error instanceof OutputError || error instanceof ChecksFailedError ? error.result : undefined
      this.printDocument(partial ? {...(partial as object), ...json} : json, false)
    } else {
      this.logToStderr(`Error: ${message}`)
      if (!(error instanceof McError) && exitCode === ExitCode.general && error.stack && this.debugLogger.enabled) {
        this.logToStderr(redactString(error.stack))
      }
    }
    return this.exit(exitCode)
  }
}

/**
 * Wait until everything written to a stream has reached the OS. process.exit (oclif's error path)
 * drops what a pipe has not taken yet: a 200 KB --json document piped to jq was cut at 64 KiB.
 */
export async function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return
  await new Promise<void>((resolve) => {
    const done = () => {
      stream.off('error', done)
      stream.off('close', done)
      resolve()
    }

    stream.once('error', done)
    stream.once('close', done)
    stream.write('', done)
  })
}

function exitCodeOf(error: Error & {oclif?: {exit?: number}}): number {
  if (error instanceof McError) return error.exitCode
  // oclif's own parse errors (unknown flag, missing arg, bad option) carry exit 2.
  if (error.oclif?.exit !== undefined) return error.oclif.exit
  return ExitCode.general
}
