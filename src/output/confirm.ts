import {ExitCode, McError, ValidationError} from '../core/errors.js'

/** A person answered "no": nothing was done, and a script sees exit 2 as the README says. */
export class ConfirmationRefusedError extends McError {
  override readonly exitCode = ExitCode.usage
  override readonly code = 'REFUSED'
}

/** Prompts only for a person at a terminal: never when stdin is not a TTY or CI is set. */
export function canPrompt(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY) && !env.CI
}

/** Ask before a destructive action; without a terminal, demand --yes instead of hanging. */
export async function confirmOrRequireYes(question: string, yes: boolean): Promise<boolean> {
  if (yes) return true
  if (!canPrompt()) {
    throw new ValidationError(`${question} Refusing without confirmation: pass --yes to confirm (no prompt without a terminal or with CI set).`)
  }
  const {confirm} = await import('@inquirer/prompts')
  return confirm({message: question, default: false}, {output: process.stderr})
}

/** Ask, and end the command with exit 2 and `refused` (what was not done) when the answer is no. */
export async function requireConfirmation(question: string, yes: boolean, refused: string): Promise<void> {
  if (!(await confirmOrRequireYes(question, yes))) throw new ConfirmationRefusedError(refused)
}
