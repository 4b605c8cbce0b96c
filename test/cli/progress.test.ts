import {setTimeout as sleep} from 'node:timers/promises'
import {describe, expect, it} from 'vitest'

import {startProgress} from '../../src/cli/progress.js'

/** A stream that keeps what is written; `isTTY` as a terminal or a pipe. */
function sink(isTTY: boolean) {
  const chunks: string[] = []
  return {isTTY, chunks, write: (chunk: string) => chunks.push(chunk) > 0, text: () => chunks.join('')}
}

const ERASE = '\r\u001B[K'

/** What a terminal shows after carriage returns and erase-line codes: the lines as a person sees them. */
function screen(text: string): string[] {
  const lines: string[] = []
  let line = ''
  for (const part of text.split(new RegExp(`(${ERASE.replace('[', String.raw`\[`)}|\n)`))) {
    if (part === ERASE) line = ''
    else if (part === '\n') {
      lines.push(line)
      line = ''
    } else line += part
  }
  return line ? [...lines, line] : lines
}

describe('progress without a terminal', () => {
  it('one line per step and per result; a status (the spinner text) writes nothing; no escape codes', () => {
    const out = sink(false)
    const progress = startProgress(out)
    progress.step('creating web-1 in linode us-east')
    progress.status('waiting: 0 results in')
    progress.line('local 127.0.0.1 ping: OK')
    progress.step('node 51000005 is running')
    progress.stop()
    progress.stop()
    expect(out.text()).toBe('creating web-1 in linode us-east\nlocal 127.0.0.1 ping: OK\nnode 51000005 is running\n')
  })
})

describe('progress on a terminal', () => {
  it('spins on the current step with the seconds it has taken, leaves finished steps as lines, and clears a status', () => {
    const out = sink(true)
    let now = 1_000_000
    const progress = startProgress(out, {now: () => now})
    progress.step('creating web-1')
    expect(screen(out.text())).toEqual(['⠋ creating web-1'])
    progress.step('waiting until it runs')
    now += 12_000
    progress.status('waiting until it runs')
    progress.line('a warning')
    // The finished step stays, the warning goes above the spinner, which shows 12 s on the wait.
    expect(screen(out.text())).toEqual(['creating web-1', 'a warning', expect.stringMatching(/^. waiting until it runs \(12s\)$/)])
    progress.step('node is running')
    progress.stop()
    expect(screen(out.text())).toEqual(['creating web-1', 'a warning', 'waiting until it runs', 'node is running'])
    expect(out.text().endsWith('node is running\n')).toBe(true)
  })

  it('a status is never left as a line', () => {
    const out = sink(true)
    const progress = startProgress(out)
    progress.status('running 4 checks')
    progress.line('local 127.0.0.1 ping: OK')
    progress.status('running checks: 1 result in')
    progress.stop()
    expect(screen(out.text())).toEqual(['local 127.0.0.1 ping: OK'])
  })

  it('animates while nothing happens, and stops animating at stop()', async () => {
    const out = sink(true)
    const progress = startProgress(out)
    progress.step('waiting')
    const frames = () => out.chunks.filter((c) => c.includes('waiting')).length
    const deadline = Date.now() + 10_000
    while (frames() < 3 && Date.now() < deadline) await sleep(50)
    expect(frames()).toBeGreaterThanOrEqual(3)
    progress.stop()
    const written = out.chunks.length
    await sleep(300)
    expect(out.chunks.length).toBe(written)
  })
})
