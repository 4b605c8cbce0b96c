import {readFileSync} from 'node:fs'

import {ConfigError} from './errors.js'

/** Read a file that may legitimately be absent (undefined); any other failure is a ConfigError naming it. */
export function readOptionalFile(path: string, what: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const {code} = (error as NodeJS.ErrnoException)
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new ConfigError(`Cannot read ${what} ${path}: ${(error as Error).message}. Fix its permissions or remove it.`)
  }
}
