import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

import {ConfigError} from './errors.js'

/**
 * The YAML and INI parsers load when a file is actually parsed, not with the driver: most runs read no
 * clouds.yaml, doctl or linode-cli config, and `yaml` alone is ~70 files (~50 ms and ~7 MB of RSS
 * for an OpenStack listing that never needed it). Both packages are CommonJS, so require() loads them
 * synchronously where the credential lookups run.
 */
const requirePackage = createRequire(import.meta.url)

/** Read a file that may legitimately be absent (undefined); any other failure is a ConfigError naming it. */
export function readOptionalFile(path: string, what: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    const {code} = error as NodeJS.ErrnoException
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw new ConfigError(`Cannot read ${what} ${path}: ${(error as Error).message}. Fix its permissions or remove it.`)
  }
}

/** A YAML provider file (clouds.yaml, secure.yaml): a parse error is a ConfigError naming the file and line, never the line's text. */
export function parseConfigYaml(text: string, path: string): Record<string, unknown> {
  let doc: unknown
  try {
    doc = (requirePackage('yaml') as typeof import('yaml')).parse(text)
  } catch (error) {
    const where = (error as {linePos?: {line: number; col: number}[]}).linePos?.[0]
    throw new ConfigError(
      `${path} is not valid YAML${where ? ` (line ${where.line}, column ${where.col})` : ''}: ${(error as Error).message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}. Fix the file.`,
    )
  }

  if (doc === null || doc === undefined) return {}
  return configMapping(doc, path, 'the document')
}

/** A value that must be a YAML mapping: `auth: 5` is a ConfigError naming the file and the field. */
export function configMapping(value: unknown, path: string, field: string): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
  const what = Array.isArray(value) ? 'a list' : value === null ? 'empty' : `a ${typeof value}`
  throw new ConfigError(`${path} is malformed: ${field} must be a mapping (key: value), not ${what}. Fix the file.`)
}

/**
 * The `ini` package reads anything and drops what it does not understand, so a damaged
 * ~/.aws/credentials looked like "no credentials". Every line must be blank, a comment, a
 * [section], `key = value` (or `key: value`, as Python's configparser writes), or an indented
 * continuation; anything else is a ConfigError naming the file and line (not its text: it may hold a secret).
 */
export function checkIniSyntax(text: string, path: string, what: string): void {
  if (text.includes('\u0000') || text.includes('\uFFFD')) throw new ConfigError(`${what} ${path} is not a text file. Fix or remove it.`)
  const lines = text.split(/\r?\n/)
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim()
    if (trimmed === '' || /^[#;]/.test(trimmed)) continue
    if (/^\[[^\]]+\]$/.test(trimmed)) continue
    if (/^\s/.test(line) && i > 0) continue
    if (/^[^=:[\]\s][^=:]*\s*[=:]/.test(trimmed)) continue
    throw new ConfigError(`${what} ${path} is malformed at line ${i + 1}: expected "[section]" or "key = value". Fix the file.`)
  }
}

/** An INI provider file (~/.aws/credentials, linode-cli's config), checked line by line (checkIniSyntax), then parsed. */
export function parseConfigIni(text: string, path: string, what: string): Record<string, unknown> {
  checkIniSyntax(text, path, what)
  return (requirePackage('ini') as typeof import('ini')).parse(text)
}
