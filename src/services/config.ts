import {NotFoundError} from '../core/errors.js'
import {redactUrl} from '../core/redact.js'
import {isSecretKey, maskSecret} from '../store/config-keys.js'
import {readConfig, setValue, unsetValue, validateKey, validateProfileName} from '../store/config.js'
import {mcPaths} from '../store/paths.js'

export type ConfigEntry = {profile: string; key: string; value: string; secret: boolean}

function configFile(): string {
  return mcPaths().configFile
}

function entry(profile: string, key: string, value: string): ConfigEntry {
  const secret = isSecretKey(key)
  // A proxy or endpoint URL may carry a password (http://user:password@proxy:3128).
  return {profile, key, value: secret ? maskSecret(value) : redactUrl(value), secret}
}

export function setConfigValue(profile: string, key: string, value: string): ConfigEntry {
  setValue(configFile(), profile, key, value)
  return entry(profile, key, value)
}

export function getConfigValue(profile: string, key: string): ConfigEntry {
  validateKey(key)
  const value = readConfig(configFile()).profiles[profile]?.[key]
  if (value === undefined) throw new NotFoundError(`"${key}" is not set in profile "${profile}".`)
  return entry(profile, key, value)
}

export function unsetConfigValue(profile: string, key: string): boolean {
  validateKey(key)
  return unsetValue(configFile(), profile, key)
}

/** Every entry of a profile (or of all profiles), secrets masked. */
export function listConfig(profile?: string): ConfigEntry[] {
  const {profiles} = readConfig(configFile())
  const names = profile ? [validateProfileName(profile)] : Object.keys(profiles)
  return names.flatMap((name) => Object.entries(profiles[name] ?? {}).map(([key, value]) => entry(name, key, value)))
}

export function listProfiles(): {name: string; keys: number}[] {
  return Object.entries(readConfig(configFile()).profiles).map(([name, values]) => ({name, keys: Object.keys(values).length}))
}

export function configPath(): string {
  return configFile()
}
