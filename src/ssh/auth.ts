import {existsSync} from 'node:fs'

import type {ParsedKey} from 'ssh2'

import {AuthError, ConfigError} from '../core/errors.js'
import {readOptionalFile} from '../core/files.js'
import {registerSecret} from '../core/redact.js'
import {tildify} from '../store/paths.js'

/** How mc proves who it is to probes. */
export interface SshIdentity {
  /** ssh-agent socket; default $SSH_AUTH_SOCK. false: never use an agent. */
  agent?: string | false
  /** Private key files (OpenSSH or PEM; ed25519, ECDSA, RSA), tried after the agent, in order. */
  keyFiles?: string[]
  /**
   * Asked for an encrypted key's passphrase (the CLI prompts on a TTY); undefined skips that key.
   * `attempt` counts from 1; a wrong passphrase is asked again up to 3 times.
   */
  passphrase?: (keyFile: string, attempt: number) => Promise<string | undefined>
}

export interface LoadedIdentity {
  agent?: string
  keys: {path: string; key: ParsedKey}[]
  /** Why configured keys were left out, for the message when authentication fails. */
  skipped: string[]
}

type ParseKey = (data: Buffer | string, passphrase?: string) => ParsedKey | ParsedKey[] | Error

const MAX_PASSPHRASE_ATTEMPTS = 3

function firstKey(parsed: ParsedKey | ParsedKey[] | Error): ParsedKey | Error {
  return Array.isArray(parsed) ? parsed[0] : parsed
}

/** Read and decrypt the configured keys once (one passphrase prompt per key per run, not per probe). */
export async function loadIdentity(identity: SshIdentity, parseKey: ParseKey, env: NodeJS.ProcessEnv = process.env): Promise<LoadedIdentity> {
  const agentSocket = identity.agent === false ? undefined : (identity.agent ?? env.SSH_AUTH_SOCK)
  const loaded: LoadedIdentity = {agent: agentSocket && existsSync(agentSocket) ? agentSocket : undefined, keys: [], skipped: []}
  if (agentSocket && !loaded.agent) loaded.skipped.push(`ssh-agent socket ${agentSocket} does not exist`)
  for (const path of identity.keyFiles ?? []) {
    const data = readOptionalFile(path, 'SSH key')
    if (data === undefined) throw new ConfigError(`SSH key ${tildify(path)} does not exist. Fix the key path in the probe settings or create the key.`)
    let parsed = firstKey(parseKey(data))
    if (parsed instanceof Error && /no passphrase given/i.test(parsed.message)) {
      if (!identity.passphrase) {
        loaded.skipped.push(`${tildify(path)} is encrypted and no passphrase was given (add it to ssh-agent, or run mc on a terminal)`)
        continue
      }
      let declined = false
      for (let attempt = 1; attempt <= MAX_PASSPHRASE_ATTEMPTS; attempt++) {
        const passphrase = await identity.passphrase(path, attempt)
        if (passphrase === undefined) {
          declined = true
          break
        }
        registerSecret(passphrase)
        parsed = firstKey(parseKey(data, passphrase))
        if (!(parsed instanceof Error)) break
      }
      if (declined && parsed instanceof Error) {
        loaded.skipped.push(`${tildify(path)} is encrypted and its passphrase was not given`)
        continue
      }
      if (parsed instanceof Error) {
        throw new AuthError(`Cannot decrypt SSH key ${tildify(path)}: wrong passphrase (${MAX_PASSPHRASE_ATTEMPTS} attempts).`)
      }
    }
    if (parsed instanceof Error) throw new ConfigError(`Cannot read SSH key ${tildify(path)}: ${parsed.message}`)
    loaded.keys.push({path, key: parsed})
  }
  return loaded
}

/** Where the identities came from, for an authentication failure message. */
export function describeIdentity(identity: LoadedIdentity): string {
  const tried = [...(identity.agent ? ['ssh-agent'] : []), ...identity.keys.map((k) => tildify(k.path))]
  const skipped = identity.skipped.length > 0 ? `; skipped: ${identity.skipped.join('; ')}` : ''
  return `${tried.length > 0 ? `tried ${tried.join(', ')}` : 'no agent and no key files were configured'}${skipped}`
}
