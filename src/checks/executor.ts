/**
 * What runs a shell command on a vantage: a probe over SSH, or this machine. Checks are written
 * against this interface; src/ssh implements it (and src/services wraps it), so checks never import
 * the layer above them.
 */

export interface ExecOptions {
  /** Give up (and stop the command) after this long; the result then says timedOut. */
  timeoutMs: number
  signal?: AbortSignal
  /** Each piece of stdout as it arrives (a diagnosis reads mtr's rounds while mtr still runs). */
  onOutput?: (chunk: string) => void
  /** Stop the command early on purpose: the result then says stopped and carries what it printed so far. */
  stop?: AbortSignal
}

export interface ExecResult {
  stdout: string
  stderr: string
  /** null when the command did not exit by itself (timed out, killed by a signal). */
  exitCode: number | null
  signal?: string
  timedOut: boolean
  /** Ended through ExecOptions.stop. */
  stopped?: boolean
  durationMs: number
}

export interface Executor {
  /** Vantage name for results: the probe's name, or "local". */
  readonly vantage: string
  /**
   * Run one POSIX shell command. Resolves with whatever the command printed, also on a non-zero exit
   * or a timeout; rejects only when the command could not be started (probe unreachable, host key
   * refused, authentication failed).
   */
  exec(command: string, options: ExecOptions): Promise<ExecResult>
  close(): Promise<void>
}
