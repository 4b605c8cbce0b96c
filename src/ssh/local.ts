import {spawn} from 'node:child_process'

import {InterruptedError, TransientError} from '../core/errors.js'
import {OutputBuffer} from './output-buffer.js'
import {Semaphore} from './semaphore.js'
import type {ExecOptions, ExecResult, Executor} from '../checks/executor.js'

export interface LocalExecutorOptions {
  /** Vantage name in results. Default "local". */
  vantage?: string
  /** Commands at once. Default 8. */
  concurrency?: number
  /** Environment for commands (default: this process's). */
  env?: NodeJS.ProcessEnv
}

/** Runs check scripts on this machine with /bin/sh: the same interface as a probe over SSH. */
export class LocalExecutor implements Executor {
  readonly vantage: string
  private readonly slots: Semaphore

  constructor(private readonly options: LocalExecutorOptions = {}) {
    this.vantage = options.vantage ?? 'local'
    this.slots = new Semaphore(options.concurrency ?? 8)
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.slots.use(() => this.run(command, options))
  }

  private run(command: string, options: ExecOptions): Promise<ExecResult> {
    const started = performance.now()
    return new Promise<ExecResult>((resolve, reject) => {
      if (options.signal?.aborted) {
        reject(new InterruptedError('Interrupted before running a local check'))
        return
      }
      // Its own process group, so a timeout kills the tool and anything it started.
      const child = spawn('/bin/sh', ['-c', command], {detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: this.options.env ?? process.env})
      const stdout = new OutputBuffer()
      const stderr = new OutputBuffer()
      let timedOut = false
      let stopped = false
      const kill = () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }
      const timer = setTimeout(() => {
        timedOut = true
        kill()
      }, options.timeoutMs)
      const stopEarly = () => {
        stopped = true
        kill()
        // coreutils timeout runs the tool in a process group of its own, which the kill above misses:
        // with its output closed, the tool (mtr writes a line a probe) ends on its next write.
        child.stdout.destroy()
        child.stderr.destroy()
      }
      options.signal?.addEventListener('abort', kill, {once: true})
      if (options.stop?.aborted) stopEarly()
      else options.stop?.addEventListener('abort', stopEarly, {once: true})
      child.stdout.on('data', (chunk: Buffer) => {
        stdout.push(chunk)
        options.onOutput?.(chunk.toString('utf8'))
      })
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
      child.on('error', (error) => {
        clearTimeout(timer)
        reject(new TransientError(`Cannot run /bin/sh: ${error.message}`))
      })
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', kill)
        options.stop?.removeEventListener('abort', stopEarly)
        if (options.signal?.aborted && !timedOut) {
          reject(new InterruptedError('Interrupted while a local check was running'))
          return
        }
        resolve({
          stdout: stdout.text(),
          stderr: stderr.text(),
          exitCode: code,
          signal: signal ?? undefined,
          timedOut,
          ...(stopped ? {stopped} : {}),
          durationMs: performance.now() - started,
        })
      })
    })
  }

  async close(): Promise<void> {}
}
