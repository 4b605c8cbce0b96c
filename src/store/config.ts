import {readFileSync} from 'node:fs'

import {ConfigError, ValidationError} from '../core/errors.js'
import {registerSecret} from '../core/redact.js'
import {writeFileAtomic} from './atomic-write.js'
import {withFileLock} from './file-lock.js'
import {CONFIG_KEYS, isSecretKey} from './config-keys.js'
import {tildify} from './paths.js'

/**
 * mc's own config: named profiles of `<provider>.<key>` settings, in one JSON file written
 * atomically with mode 0600 (it may hold secrets).
 */
export interface ConfigFile {
  profiles: Record<string, Record<string, string>>
}

export const DEFAULT_PROFILE = 'default'
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

export function readConfig(path: string): ConfigFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {profiles: {}}
    throw new ConfigError(`Cannot read mc config ${tildify(path)}: ${(error as Error).message}. Check its permissions.`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new ConfigError(`mc config ${tildify(path)} is not valid JSON (${(error as Error).message}). Fix or remove the file.`)
  }
  const config = validateConfig(parsed, path)
  for (const profile of Object.values(config.profiles)) {
    for (const [key, value] of Object.entries(profile)) if (isSecretKey(key)) registerSecret(value)
  }
  return config
}

function validateConfig(value: unknown, path: string): ConfigFile {
  const bad = (why: string) => new ConfigError(`mc config ${tildify(path)} is malformed: ${why}. Fix or remove the file.`)
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw bad('expected a JSON object')
  const profiles = (value as {profiles?: unknown}).profiles ?? {}
  if (typeof profiles !== 'object' || Array.isArray(profiles) || profiles === null) throw bad('"profiles" must be an object')
  for (const [name, profile] of Object.entries(profiles)) {
    if (!profile || typeof profile !== 'object' || Array.isArray(profile)) throw bad(`profile "${name}" must be an object`)
    for (const [key, v] of Object.entries(profile)) {
      if (typeof v !== 'string') throw bad(`profile "${name}" key "${key}" must be a string`)
    }
  }
  return {profiles: profiles as ConfigFile['profiles']}
}

export function writeConfig(path: string, config: ConfigFile): void {
  writeFileAtomic(path, JSON.stringify(config, null, 2) + '\n', 0o600)
}

export function validateProfileName(name: string): string {
  if (!PROFILE_NAME.test(name)) {
    throw new ValidationError(`Invalid profile name "${name}": use letters, digits, ".", "_" or "-" (at most 64).`)
  }
  return name
}

export function validateKey(key: string): string {
  if (!CONFIG_KEYS.has(key)) {
    const known = [...CONFIG_KEYS.keys()].join(', ')
    throw new ValidationError(`Unknown config key "${key}". Known keys: ${known}.`)
  }
  return key
}

/**
 * Read, change and write the config under its lock, so concurrent `mc config set` runs each keep
 * their change (without it, 2-3 of 20 parallel writes were lost). `change` returns false to skip the write.
 */
function updateConfig(path: string, change: (config: ConfigFile) => boolean): boolean {
  return withFileLock(
    path,
    () => {
      const config = readConfig(path)
      if (!change(config)) return false
      writeConfig(path, config)
      return true
    },
    {what: `mc config ${tildify(path)}`},
  )
}

export function setValue(path: string, profile: string, key: string, value: string): void {
  validateProfileName(profile)
  validateKey(key)
  updateConfig(path, (config) => {
    config.profiles[profile] = {...config.profiles[profile], [key]: value}
    return true
  })
}

export function unsetValue(path: string, profile: string, key: string): boolean {
  return updateConfig(path, (config) => {
    const entries = config.profiles[profile]
    if (!entries || !(key in entries)) return false
    delete entries[key]
    return true
  })
}

/** Replace a whole profile (the sandbox writes its profile this way). */
export function writeProfile(path: string, profile: string, values: Record<string, string>): void {
  validateProfileName(profile)
  for (const key of Object.keys(values)) validateKey(key)
  updateConfig(path, (config) => {
    config.profiles[profile] = values
    return true
  })
}

/** Set some keys of a profile and remove others, in one locked write (`mc configure`). */
export function updateProfile(path: string, profile: string, set: Record<string, string>, remove: string[] = []): void {
  validateProfileName(profile)
  for (const key of [...Object.keys(set), ...remove]) validateKey(key)
  updateConfig(path, (config) => {
    const values = {...config.profiles[profile]}
    for (const key of remove) delete values[key]
    config.profiles[profile] = {...values, ...set}
    return true
  })
}

export function removeProfile(path: string, profile: string): boolean {
  return updateConfig(path, (config) => {
    if (!(profile in config.profiles)) return false
    delete config.profiles[profile]
    return true
  })
}
