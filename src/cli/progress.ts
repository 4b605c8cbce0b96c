/**
 * Progress of a long wait, on stderr only. On a terminal, a spinner with the seconds spent on the
 * current step, each finished step left above it as a line; otherwise (a pipe, a log file, CI) one
 * line per step and nothing else. Never stdout: that carries the data.
 */
export interface Progress {
  /** A new step: the spinner turns to it (the last step stays as a line), or a line is written. */
  step(text: string): void
  /** A line of its own (a result, a warning), written above the spinner without breaking it. */
  line(text: string): void
  /** What the spinner shows while waiting, never left as a line (nothing without a terminal). */
  status(text: string): void
  /** Leave the last step as a line and stop the spinner. Safe to call twice. */
  stop(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const FRAME_MS = 100
const CLEAR_LINE = '\r\u001B[K'

type Stream = Pick<NodeJS.WriteStream, 'write'> & {isTTY?: boolean}

/** `spinner`: animate on a terminal (default: when the stream is a TTY and TERM is not "dumb"). */
export function startProgress(stream: Stream = process.stderr, options: {spinner?: boolean; now?: () => number} = {}): Progress {
  const spinner = options.spinner ?? (Boolean(stream.isTTY) && process.env.TERM !== 'dumb')
  if (!spinner) {
    return {
      step: (text) => stream.write(`${text}\n`),
      line: (text) => stream.write(`${text}\n`),
      status() {},
      stop() {},
    }
  }

  const now = options.now ?? Date.now
  let current: string | undefined
  /** The current text is a step (left as a line when the next comes), not a status. */
  let isStep = false
  let since = now()
  let frame = 0
  let timer: NodeJS.Timeout | undefined
  const draw = () => {
    if (current === undefined) return
    const seconds = Math.floor((now() - since) / 1000)
    stream.write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${current}${seconds > 0 ? ` (${seconds}s)` : ''}`)
  }
  const settle = () => {
    if (current !== undefined) stream.write(isStep ? `${CLEAR_LINE}${current}\n` : CLEAR_LINE)
  }
  const show = (text: string, step: boolean) => {
    settle()
    current = text
    isStep = step
    since = now()
    // unref: a spinner never keeps mc running after its work is done.
    timer ??= setInterval(draw, FRAME_MS).unref()
    draw()
  }

  return {
    step: (text) => show(text, true),
    status(text) {
      if (text === current) return
      if (isStep || current === undefined) {
        show(text, false)
        return
      }
      // A new status keeps the clock of the wait it describes.
      current = text
      draw()
    },
    line(text) {
      stream.write(`${CLEAR_LINE}${text}\n`)
      draw()
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      settle()
      current = undefined
    },
  }
}
