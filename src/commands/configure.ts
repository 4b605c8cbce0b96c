import {Args} from '@oclif/core'

import {McCommand} from '../cli/mc-command.js'
import {ValidationError} from '../core/errors.js'
import type {ProviderName} from '../core/model.js'
import {registerSecret, redactString} from '../core/redact.js'
import {parseProviderList, providerTitle} from '../drivers/registry.js'
import {canPrompt} from '../output/confirm.js'
import {CONFIGURE_QUESTIONS, configSetLines, configurableProviders, currentValues, saveAnswers, testCredentials} from '../services/configure.js'
import {configPath} from '../services/config.js'
import {activeProfile} from '../store/settings.js'

export type ConfigureResult = {profile: string; provider: ProviderName; keys: string[]; tested: boolean; file: string}

export default class Configure extends McCommand<typeof Configure> {
  static override summary = 'Set up a cloud in an mc profile by answering questions, and test the credentials.'
  static override description = `On a terminal, asks for the cloud, its credentials (secrets without echo), region and profile name, tests them with one read-only call (EC2 DescribeRegions; Rackspace and OpenStack sign in and list regions; Linode lists the account's Linodes), and writes the profile (mode 0600). If the test fails it says why and asks whether to save anyway (default: no; the exit code is then the failure's).

Without a terminal (or with CI set) it asks nothing: it exits 2 and prints the "mc config set" lines that do the same.`
  static override examples = ['<%= config.bin %> configure', '<%= config.bin %> configure linode', '<%= config.bin %> configure ec2 --profile work']
  static override args = {
    provider: Args.string({description: `The cloud to set up: ${configurableProviders().join(', ')}. Asked when left out.`}),
  }

  public async run(): Promise<ConfigureResult> {
    const given = this.args.provider ? this.chosenProvider(this.args.provider) : undefined
    const profile = activeProfile({profile: this.flags.profile})
    if (!canPrompt()) {
      const lines = configSetLines(this.config.bin, given ? [given] : configurableProviders(), profile)
      throw new ValidationError(
        `mc configure asks questions and needs a terminal (stdin is not one, or CI is set). Set the profile with:\n${lines.map((l) => `  ${l}`).join('\n')}`,
      )
    }

    const {configurePrompts} = await import('../cli/configure-prompts.js')
    const ask = await configurePrompts()
    const provider = given ?? (await ask.provider(Object.fromEntries(configurableProviders().map((p) => [p, providerTitle(p)]))))
    const answers = await ask.answers(provider, currentValues(provider, profile))
    for (const q of CONFIGURE_QUESTIONS[provider] ?? []) if (q.secret && answers[q.name]) registerSecret(answers[q.name])
    const name = await ask.profile(profile)

    this.logToStderr(`Testing the ${provider} credentials...`)
    const test = await testCredentials(provider, name, answers, this.debugLogger)
    if (test.ok) {
      this.logToStderr(`OK: ${test.summary}.`)
    } else {
      this.logToStderr(`The test call failed: ${redactString(test.error.message)}`)
      if (!(await ask.confirm(`Save profile "${name}" anyway?`))) {
        this.logToStderr('Nothing saved.')
        throw test.error
      }
    }

    const keys = saveAnswers(provider, name, answers)
    this.print(`Saved ${provider} to profile "${name}" in ${configPath()}${name === 'default' ? '' : `; use it with --profile ${name}`}.`)
    return {profile: name, provider, keys, tested: test.ok, file: configPath()}
  }

  private chosenProvider(value: string): ProviderName {
    const [provider] = parseProviderList([value])
    if (!CONFIGURE_QUESTIONS[provider] || value.includes(',') || value === 'all') {
      throw new ValidationError(`mc configure sets up one cloud at a time: ${configurableProviders().join(', ')}.`)
    }

    return provider
  }
}
