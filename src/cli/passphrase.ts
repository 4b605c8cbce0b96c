import {canPrompt} from '../output/confirm.js'
import type {PassphrasePrompt} from '../services/probe-session.js'

/**
 * Ask for an encrypted key's passphrase on a terminal (masked, on stderr). Without a terminal there
 * is no prompt: such a key is skipped, and ssh-agent is the way to use it unattended.
 */
export function passphrasePrompt(): PassphrasePrompt | undefined {
  if (!canPrompt()) return undefined
  return async (keyFile, attempt) => {
    const {password} = await import('@inquirer/prompts')
    const message = `${attempt > 1 ? 'Wrong passphrase. ' : ''}Passphrase for ${keyFile}`
    return password({message, mask: true}, {output: process.stderr})
  }
}
