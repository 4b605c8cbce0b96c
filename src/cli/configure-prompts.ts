import {InterruptedError} from '../core/errors.js'
import type {ProviderName} from '../core/model.js'
import {maskSecret} from '../store/config-keys.js'
import {validateProfileName} from '../store/config.js'
import {CONFIGURE_QUESTIONS, configurableProviders} from '../services/configure.js'

/**
 * The questions of `mc configure`, on stderr (stdout stays for data). @inquirer/prompts loads only
 * here: it costs ~300 ms to import, which no other command should pay.
 */
export type ConfigurePrompts = {
  provider(titles: Record<string, string>): Promise<ProviderName>
  answers(provider: ProviderName, current: Record<string, string>): Promise<Record<string, string>>
  profile(suggested: string): Promise<string>
  confirm(question: string): Promise<boolean>
}

export async function configurePrompts(): Promise<ConfigurePrompts> {
  const {confirm, input, password, select} = await import('@inquirer/prompts')
  const context = {output: process.stderr}
  return {
    provider: (titles) =>
      interruptible(select<ProviderName>({message: 'Cloud', choices: configurableProviders().map((p) => ({name: `${p}  ${titles[p] ?? ''}`.trim(), value: p}))}, context)),
    async answers(provider, current) {
      const answers: Record<string, string> = {}
      for (const q of CONFIGURE_QUESTIONS[provider] ?? []) {
        const kept = current[q.name]
        if (q.secret) {
          // Enter keeps a secret the profile already holds; it is never shown, only its last characters.
          const message = kept ? `${q.message} (Enter keeps ${maskSecret(kept)})` : q.message
          const typed = await interruptible(password({message, validate: (v) => Boolean(v || kept || q.optional) || 'Required.'}, context))
          answers[q.name] = typed || kept || ''
        } else {
          const typed = await interruptible(input({message: q.message, default: kept ?? q.suggested, validate: (v) => Boolean(v.trim() || q.optional) || 'Required.'}, context))
          answers[q.name] = typed.trim()
        }
      }

      return answers
    },
    profile: (suggested) =>
      interruptible(
        input(
          {
            message: 'Profile name',
            default: suggested,
            validate(v) {
              try {
                validateProfileName(v.trim())
                return true
              } catch (error) {
                return (error as Error).message
              }
            },
          },
          context,
        ),
      ).then((v) => v.trim()),
    confirm: (question) => interruptible(confirm({message: question, default: false}, context)),
  }
}

/** Ctrl-C at a prompt is an interrupt (exit 130), not a crash. */
async function interruptible<T>(prompt: Promise<T>): Promise<T> {
  try {
    return await prompt
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new InterruptedError('Interrupted: nothing saved.')
    throw error
  }
}
