import {ValidationError} from '../core/errors.js'

/**
 * Everything on stdin up to EOF, however slowly the producer writes it. readFileSync(0) fails with
 * EAGAIN when stdin is a non-blocking pipe whose writer has not written yet; the stream waits for EOF.
 */
export async function readStdinToEnd(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Reading ${what} from stdin; end it with Ctrl-D.\n`)
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk)
  const text = Buffer.concat(chunks).toString('utf8')
  if (text.includes('\uFFFD')) throw new ValidationError(`${what} read from stdin is not valid UTF-8.`)
  return text
}
