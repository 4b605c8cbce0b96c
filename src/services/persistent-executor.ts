import {InterruptedError, TimeoutError, TransientError} from '../core/errors.js'
import type {ExecOptions, ExecResult, Executor} from '../checks/executor.js'

/**
 * SSH over a lossy path is slow, not dead. A probe's executor stays failed once its handshake
 * failed (so one dead probe fails its checks at once); for a diagnosis that is too early: this
 * wrapper opens a fresh connection (a new executor from `open`) after a handshake that timed out
 * or a connection that dropped, and runs the command again, until `deadline` (epoch ms). Other
 * failures (authentication, host keys) are final at once.
 */
export class PersistentExecutor implements Executor {
  /** Connections opened after the first, for the verdict's record of how hard a vantage was to reach. */
  reconnects = 0
  private current: Executor
  private generation = 0
  private closed = false

  constructor(
    readonly vantage: string,
    private readonly open: (attempt: number) => Executor,
    private readonly deadline: number,
    private readonly now: () => number = Date.now,
  ) {
    this.current = open(0)
  }

  async exec(command: string, options: ExecOptions): Promise<ExecResult> {
    for (;;) {
      const {generation} = this
      try {
        return await this.current.exec(command, options)
      } catch (error) {
        if (error instanceof InterruptedError || !(error instanceof TimeoutError || error instanceof TransientError)) throw error
        if (this.closed || this.now() >= this.deadline || options.signal?.aborted || options.stop?.aborted) throw error
        this.replace(generation)
      }
    }
  }

  /** One reconnect per failed connection, however many commands were waiting on it. */
  private replace(failed: number): void {
    // Closed (the diagnosis is over): a command failing now opens no new connection to linger.
    if (this.closed || this.generation !== failed) return
    const old = this.current
    this.generation++
    this.reconnects++
    this.current = this.open(this.generation)
    old.close().catch(() => {})
  }

  close(): Promise<void> {
    this.closed = true
    return this.current.close()
  }
}
