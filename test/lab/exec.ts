import {execFile, execFileSync} from 'node:child_process'

/** Run a program (never a shell string) and return its stdout; the error names the command and its stderr. */
export function run(file: string, args: string[], options: {input?: string; timeoutMs?: number} = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, {timeout: options.timeoutMs ?? 10_000, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      if (error) reject(new Error(`${[file, ...args].join(' ')} failed: ${stderr.trim() || error.message}`))
      else resolve(stdout)
    })
    // A program that exits without reading its input closes the pipe: its exit status tells the story.
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input)
  })
}

/** The synchronous form, for teardown from a process 'exit' handler, where nothing asynchronous runs. */
export function runSync(file: string, args: string[]): string {
  return execFileSync(file, args, {timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'})
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
