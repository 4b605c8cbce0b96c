/**
 * Typed errors. Each carries the exit code documented in README ("Exit codes"), and a message a
 * person can act on. Commands never print stack traces for these.
 */

export const ExitCode = {
  ok: 0,
  general: 1,
  usage: 2,
  auth: 3,
  notFound: 4,
  partial: 5,
  rateLimit: 6,
  provider: 7,
  timeout: 8,
  config: 9,
  output: 10,
  checksFailed: 11,
  interrupted: 130,
} as const
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode]

export class McError extends Error {
  readonly exitCode: number = ExitCode.general
  /** Stable machine-readable code for `--json` output. */
  readonly code: string = 'ERROR'
  constructor(message: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = new.target.name
  }
}

export class ValidationError extends McError {
  override readonly exitCode = ExitCode.usage
  override readonly code = 'VALIDATION'
  constructor(
    message: string,
    readonly fields: {field: string; reason: string}[] = [],
  ) {
    super(message)
  }
}

export class AuthError extends McError {
  override readonly exitCode = ExitCode.auth
  override readonly code = 'AUTH'
}

export class NotFoundError extends McError {
  override readonly exitCode = ExitCode.notFound
  override readonly code = 'NOT_FOUND'
}

export class RateLimitError extends McError {
  override readonly exitCode = ExitCode.rateLimit
  override readonly code = 'RATE_LIMIT'
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

export class ProviderError extends McError {
  override readonly exitCode = ExitCode.provider
  override readonly code = 'PROVIDER'
  constructor(
    message: string,
    readonly providerCode?: string,
    readonly status?: number,
    options?: {cause?: unknown},
  ) {
    super(message, options)
  }
}

/** A transient failure worth retrying (5xx, connection reset). */
export class TransientError extends ProviderError {
  constructor(
    message: string,
    providerCode?: string,
    status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message, providerCode, status)
  }
}

export class TimeoutError extends McError {
  override readonly exitCode = ExitCode.timeout
  override readonly code = 'TIMEOUT'
}

export class ConfigError extends McError {
  override readonly exitCode = ExitCode.config
  override readonly code = 'CONFIG'
}

/** mc could not write a file it was told to write, or deliver metrics to a sink (Graphite, Pushgateway). */
export class OutputError extends McError {
  override readonly exitCode = ExitCode.output
  override readonly code = 'OUTPUT'
  /** What the command produced anyway (printed under --json next to the error). */
  constructor(
    message: string,
    readonly result?: unknown,
  ) {
    super(message)
  }
}

/** `check run --fail-on`: the checks ran, and some found a state at or above the one a pipeline fails on. */
export class ChecksFailedError extends McError {
  override readonly exitCode = ExitCode.checksFailed
  override readonly code = 'CHECKS_FAILED'
  /** The run's answer (printed under --json next to the error). */
  constructor(
    message: string,
    readonly result?: unknown,
  ) {
    super(message)
  }
}

export class InterruptedError extends McError {
  override readonly exitCode = ExitCode.interrupted
  override readonly code = 'INTERRUPTED'
  /** `result`: what the run did before the interrupt (printed with --json beside the error). */
  constructor(
    message: string,
    readonly result?: object,
  ) {
    super(message)
  }
}

export interface ProviderFailure {
  provider: string
  code: string
  exitCode: number
  message: string
}

/**
 * Some providers answered and some did not; `result` is what did arrive. Exit 5 unless the failures
 * call for a more telling documented code (a probe whose host key changed: 3).
 */
export class PartialFailureError<T = unknown> extends McError {
  override readonly exitCode: number
  override readonly code = 'PARTIAL'
  constructor(
    readonly failures: ProviderFailure[],
    readonly result: T,
    exitCode: number = ExitCode.partial,
  ) {
    super(`${failures.length} provider(s) failed: ${failures.map((f) => `${f.provider} (${f.message})`).join('; ')}`)
    this.exitCode = exitCode
  }
}

/** Every part (provider, node) failed. The exit code is theirs when they agree (all auth, say), else general. */
export class AllFailedError extends McError {
  override readonly exitCode: number
  override readonly code: string
  constructor(readonly failures: ProviderFailure[]) {
    super(failures.map((f) => `${f.provider}: ${f.message}`).join(' | '))
    const codes = new Set(failures.map((f) => f.exitCode))
    this.exitCode = codes.size === 1 ? failures[0].exitCode : ExitCode.general
    this.code = codes.size === 1 ? failures[0].code : 'ERROR'
  }
}

export function toMcError(error: unknown): McError {
  if (error instanceof McError) return error
  if (error instanceof Error) return new McError(error.message, {cause: error})
  return new McError(String(error))
}

export function describeFailure(provider: string, error: unknown): ProviderFailure {
  const e = toMcError(error)
  return {provider, code: e.code, exitCode: e.exitCode, message: e.message}
}
