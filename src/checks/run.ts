import {InterruptedError, toMcError} from '../core/errors.js'
import type {Executor} from './executor.js'
import {buildCheckCommand, type CheckCommand, type ToolChoice} from './commands.js'
import {parseCheckOutput, SERVICE} from './parse.js'
import type {CheckDefinition, CheckResult} from './types.js'

export interface RunChecksOptions {
  tools?: ToolChoice
  /** Called as each result arrives (progress on stderr, streaming output). */
  onResult?: (result: CheckResult) => void
  signal?: AbortSignal
  /** Stops the checks early on purpose (see ExecOptions.stop); their results say stopped. */
  stop?: AbortSignal
  /** What each check prints, as it prints it (a diagnosis reads mtr --raw while mtr runs). */
  onOutput?: (vantage: string, check: string, chunk: string) => void
}

/**
 * Run every check from every vantage at once; executors bound their own concurrency. All definitions
 * are validated before anything runs. A vantage that cannot be reached yields UNKNOWN results that
 * carry the reason (error.code/message) and never stops the other vantages. Results come back in
 * vantage x check order, whatever order they finished in.
 */
export async function runChecks(executors: Executor[], definitions: CheckDefinition[], options: RunChecksOptions = {}): Promise<CheckResult[]> {
  const commands = definitions.map((d) => buildCheckCommand(d, options.tools))
  // Checks that last by design queue for a vantage's channels first, so its quick checks fill in
  // around them instead of delaying them.
  const startOrder = [...commands.keys()].sort((a, b) => Number(lasting(commands[b])) - Number(lasting(commands[a])))
  const runs = executors.flatMap((executor) => {
    const results: Promise<CheckResult>[] = []
    for (const i of startOrder) results[i] = runOne(executor, commands[i], options)
    return results
  })
  return Promise.all(runs)
}

function unavailable(vantage: string): string {
  return `vantage ${vantage} unavailable: `
}

/** True for a result mc could not get because its vantage could not be used (not a check that failed there). */
export function isVantageFailure(result: CheckResult): boolean {
  return result.implementation === 'none' && result.error !== undefined && result.summary.includes(` - ${unavailable(result.vantage)}`)
}

/** ping and path send `count` rounds, a second apart unless root: they take seconds whatever the target does. */
function lasting(command: CheckCommand): boolean {
  return command.check.kind === 'ping' || command.check.kind === 'path'
}

async function runOne(executor: Executor, command: CheckCommand, options: RunChecksOptions): Promise<CheckResult> {
  const started = performance.now()
  let result: CheckResult
  try {
    const {onOutput} = options
    const exec = await executor.exec(command.command, {
      timeoutMs: command.timeoutMs,
      signal: options.signal,
      stop: options.stop,
      ...(onOutput ? {onOutput: (chunk: string) => onOutput(executor.vantage, command.check.name, chunk)} : {}),
    })
    result = parseCheckOutput(command.check, exec, executor.vantage)
    if (exec.stopped) result.stopped = true
  } catch (error) {
    if (error instanceof InterruptedError) throw error
    result = unknownResult(executor.vantage, command.check, toMcError(error), {started, vantageDown: true})
  }
  options.onResult?.(result)
  return result
}

/**
 * The UNKNOWN result of a check mc could not run: the reason in the summary (after "vantage X
 * unavailable: " when the vantage point itself could not be used) and in `error`.
 */
export function unknownResult(
  vantage: string,
  check: Pick<CheckDefinition, 'kind' | 'name' | 'target'>,
  error: {code: string; message: string},
  how: {started: number; vantageDown?: boolean},
): CheckResult {
  return {
    vantage,
    target: check.target,
    check: check.name ?? check.kind,
    kind: check.kind,
    state: 'UNKNOWN',
    summary: `${SERVICE[check.kind]} UNKNOWN - ${how.vantageDown ? unavailable(vantage) : ''}${error.message}`,
    metrics: [],
    implementation: 'none',
    durationMs: Math.round(performance.now() - how.started),
    raw: '',
    at: new Date().toISOString(),
    error: {code: error.code, message: error.message},
  }
}
