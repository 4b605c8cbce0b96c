import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {createDebugLog, type DebugLog, silentLog} from '../../../src/core/log.js'
import {createDriver} from '../../../src/drivers/ec2/index.js'
import type {CloudDriver, ProviderSettings} from '../../../src/drivers/types.js'

export const ACCESS_KEY_ID = 'AKIDEXAMPLEMCTEST01'
export const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYMCTESTKEY'

/** A scratch home directory (no ~/.aws of the developer's), removed by `cleanup`. */
export function tempHome(): {home: string; cleanup: () => void} {
  const home = mkdtempSync(join(tmpdir(), 'mc-ec2-test-'))
  return {home, cleanup: () => rmSync(home, {recursive: true, force: true})}
}

export function ec2Settings(endpoint: string | undefined, home: string, overrides: Partial<ProviderSettings> = {}): ProviderSettings {
  return {
    provider: 'ec2',
    profileName: 'test',
    values: {accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY},
    region: 'us-east-1',
    endpoint,
    env: {},
    homeDir: home,
    ...overrides,
  }
}

const opened: CloudDriver[] = []

/** Through the real factory, as `mc` opens it; closed by `closeDrivers`. */
export async function openDriver(settings: ProviderSettings, log: DebugLog = silentLog, signal?: AbortSignal): Promise<CloudDriver> {
  const driver = await createDriver(settings, {log, dataDir: settings.homeDir, cacheDir: settings.homeDir, signal})
  opened.push(driver)
  return driver
}

export async function closeDrivers(): Promise<void> {
  for (const driver of opened.splice(0)) await driver.close?.()
}

export function captureLog(): {log: DebugLog; lines: string[]} {
  const lines: string[] = []
  return {log: createDebugLog(true, (text) => lines.push(text)), lines}
}
