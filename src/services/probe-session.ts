import {existsSync} from 'node:fs'
import {join} from 'node:path'

import type {DebugLog} from '../core/log.js'
import type {HostKeyPolicy} from '../ssh/host-keys.js'
import {KnownHostsFile} from '../ssh/known-hosts.js'
import {SshPool} from '../ssh/pool.js'
import type {Probe} from '../store/inventory.js'
import {mcKeyPaths} from '../store/mc-key.js'

/** Asked for an encrypted key's passphrase; undefined skips the key. */
export type PassphrasePrompt = (keyFile: string, attempt: number) => Promise<string | undefined>

export type ProbeSessionOptions = {
  dataDir: string
  log: DebugLog
  hostKeyPolicy?: HostKeyPolicy
  /** Keys of adopted probes, tried after mc's own key. */
  extraKeyFiles?: string[]
  passphrase?: PassphrasePrompt
  connectTimeoutMs?: number
  /** Use mc's key even before it exists: a deploy creates it before its first connection. */
  mcKeyComing?: boolean
}

export function knownHostsFile(dataDir: string): KnownHostsFile {
  return new KnownHostsFile(join(dataDir, 'known_hosts'))
}

/**
 * One SSH pool for a run: mc's key first (deployed probes; it exists once mc deployed anything),
 * then adopted probes' own keys, then the agent.
 */
export function openProbePool(options: ProbeSessionOptions): SshPool {
  const mcKey = mcKeyPaths(options.dataDir).privateKeyPath
  const keyFiles = [...(options.mcKeyComing || existsSync(mcKey) ? [mcKey] : []), ...(options.extraKeyFiles ?? [])]
  return new SshPool({
    knownHosts: knownHostsFile(options.dataDir),
    hostKeyPolicy: options.hostKeyPolicy ?? 'strict',
    identity: {keyFiles: [...new Set(keyFiles)], passphrase: options.passphrase},
    connectTimeoutMs: options.connectTimeoutMs,
    log: options.log,
  })
}

export function sshTarget(probe: Probe): {host: string; name: string; port: number; username: string} {
  return {name: probe.name, host: probe.host ?? '', port: probe.port, username: probe.user}
}

export function adoptedKeyFiles(probes: Probe[]): string[] {
  return probes.flatMap((p) => (p.keyPath ? [p.keyPath] : []))
}
