import {readFileSync} from 'node:fs'
import {parse as parseYaml} from 'yaml'

import {ValidationError} from '../core/errors.js'

/** Checks and fleet files: every bad field is named by its path (targets[0].checks) and the file. */

/** The YAML document in a file; a file that cannot be read or parsed is "Cannot read <what> <path>: why" (exit 2). */
export function readYamlDocument(path: string, what: string): unknown {
  try {
    return parseYaml(readFileSync(path, 'utf8'))
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no such file' : (error as Error).message.split('\n')[0]
    throw new ValidationError(`Cannot read ${what} ${path}: ${reason}`)
  }
}

export type FieldError = (field: string, reason: string) => ValidationError

/** A ValidationError that names the file and the path of the bad field, e.g. targets[0].checks. */
export function fieldError(what: string): FieldError {
  return (field, reason) => new ValidationError(`${what}: ${field || 'the document'} ${reason}.`, [{field, reason}])
}

/** An object with only the known keys: a misspelt key is an error, not silently ignored. */
export function record(value: unknown, at: string, bad: FieldError, known: string[]): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad(at, `must be a mapping (key: value), not ${describeValue(value)}`)
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw bad(at ? `${at}.${key}` : key, `is not a known key (known: ${known.join(', ')})`)
  }

  return value as Record<string, unknown>
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  return `the ${typeof value} ${JSON.stringify(value)}`
}
