import {ValidationError} from '../core/errors.js'

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
