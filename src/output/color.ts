import {styleText} from 'node:util'

type Style = Parameters<typeof styleText>[0]

/** Colour only on a TTY, never with NO_COLOR set (https://no-color.org). */
export function colorEnabled(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true
  return Boolean(stream.isTTY) && env.TERM !== 'dumb'
}

export function paint(style: Style, text: string, enabled = colorEnabled()): string {
  return enabled ? styleText(style, text) : text
}
