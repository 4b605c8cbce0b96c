import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process'

/**
 * mc on a pseudo-terminal (util-linux `script`), for prompts: wait for a question on the screen,
 * then type an answer. Every wait has a deadline and names what it waited for.
 */
export class PtySession {
  private readonly child: ChildProcessWithoutNullStreams
  private screen = ''
  private consumed = 0
  private readonly exited: Promise<number | null>

  constructor(argv: string[], env: NodeJS.ProcessEnv) {
    const command = argv.map((a) => `'${a.replaceAll("'", String.raw`'\''`)}'`).join(' ')
    this.child = spawn('script', ['-qfec', command, '/dev/null'], {env: {...env, TERM: 'dumb', COLUMNS: '200'}})
    this.child.stdout.on('data', (d: Buffer) => {
      this.screen += d.toString()
    })
    this.child.stderr.on('data', (d: Buffer) => {
      this.screen += d.toString()
    })
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject)
      this.child.on('close', (code) => resolve(code))
    })
  }

  /** Everything shown so far, without terminal escapes. */
  get text(): string {
    return plain(this.screen)
  }

  /** Wait until `pattern` shows up after what earlier waits consumed. */
  async expect(pattern: RegExp | string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const rest = this.text.slice(this.consumed)
      const match = typeof pattern === 'string' ? (rest.includes(pattern) ? {index: rest.indexOf(pattern), 0: pattern} : null) : pattern.exec(rest)
      if (match) {
        // Only up to the end of the match: what follows in the same chunk is for the next wait.
        this.consumed += match.index + match[0].length
        return
      }

      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`pty: waited ${timeoutMs} ms for ${String(pattern)}; the screen shows:\n${this.text}`)
      }

      await new Promise((resolve) => {
        setTimeout(resolve, 50)
      })
    }
  }

  /** Type a line, as a person does (Enter is a carriage return on a terminal). */
  type(text: string): void {
    this.child.stdin.write(`${text}\r`)
  }

  /** A conversation: for each question, wait for it, then type its answer. */
  async answer(conversation: [question: RegExp | string, answer: string][]): Promise<void> {
    for (const [question, answer] of conversation) {
      await this.expect(question)
      this.type(answer)
    }
  }

  async exitCode(timeoutMs = 60_000): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}

function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replaceAll(/\u001B\[[0-9;?]*[A-Za-z]|\u001B[()][A-Z0-9]|\r/g, '')
}
