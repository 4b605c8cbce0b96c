import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** Real tool output recorded by fixtures/capture.ts. */
export interface Capture {
  argv: string[]
  exitCode: number | null
  stdout: string
  stderr: string
}

const file = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'captured.json'), 'utf8')) as {
  captures: Record<string, Capture>
  derived: Record<string, string>
}

export function captured(name: string): Capture {
  const capture = file.captures[name]
  if (!capture) throw new Error(`no capture named ${name}`)
  return capture
}

/** mtr 0.92-format renderings of real captures. */
export function derived(name: string): string {
  const text = file.derived[name]
  if (text === undefined) throw new Error(`no derived fixture named ${name}`)
  return text
}

export const captureNames = (prefix: string): string[] => Object.keys(file.captures).filter((n) => n.startsWith(prefix))
