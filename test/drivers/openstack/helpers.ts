import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {createDebugLog, type DebugLog} from '../../../src/core/log.js'
import type {ProviderName} from '../../../src/core/model.js'
import type {DriverContext, ProviderSettings} from '../../../src/drivers/types.js'
import type {DriverOverrides} from '../../../src/drivers/openstack/flavour.js'

/** Retries that do not make a test wait: the same attempts, millisecond backoff. */
export const FAST: DriverOverrides = {retry: {baseDelayMs: 1, maxDelayMs: 5}}

export interface Sandbox {
  dir: string
  lines: string[]
  log: DebugLog
  context(): DriverContext
  cleanup(): void
}

/** A temp dir for the token cache and a debug log that keeps its (redacted) lines for assertions. */
export function sandboxDir(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'mc-openstack-'))
  const lines: string[] = []
  const log = createDebugLog(true, (text) => lines.push(text))
  return {
    dir,
    lines,
    log,
    context: () => ({log, dataDir: join(dir, 'data'), cacheDir: join(dir, 'cache')}),
    cleanup: () => rmSync(dir, {recursive: true, force: true}),
  }
}

export function settings(
  provider: ProviderName,
  opts: {values?: Record<string, string>; env?: NodeJS.ProcessEnv; region?: string; endpoint?: string; homeDir?: string} = {},
): ProviderSettings {
  return {
    provider,
    profileName: 'test',
    values: opts.values ?? {},
    region: opts.region,
    endpoint: opts.endpoint,
    env: opts.env ?? {},
    homeDir: opts.homeDir ?? tmpdir(),
  }
}
