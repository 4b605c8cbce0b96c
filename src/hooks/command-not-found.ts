import type {Hook} from '@oclif/core'

import {toConfiguredId} from '@oclif/core'

import {ExitCode} from '../core/errors.js'

/**
 * "Did you mean ...?" for a mistyped command. On a terminal, oclif's own plugin-not-found asks
 * whether to run the closest command (and runs it on yes). Without a terminal (scripts, CI) it
 * would only say "not a mc command", so the closest command is named here instead. Either way a
 * command that does not exist is a usage error: exit 2, as the README's exit codes say (the plugin's
 * own code is 127).
 */
const hook: Hook.CommandNotFound = async function (opts) {
  if (process.stdin.isTTY && process.stdout.isTTY) {
    const {default: offer} = await import('@oclif/plugin-not-found')
    try {
      return await offer.call(this, opts)
    } catch (error) {
      const exit = (error as {oclif?: {exit?: number}}).oclif
      if (exit?.exit === 127) exit.exit = ExitCode.usage
      throw error
    }
  }

  const commands = opts.config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  const ids = [...commands, ...opts.config.topics.filter((t) => !t.hidden).map((t) => t.name)]
  const topic = opts.config.findTopic(opts.id.split(':')[0]) ? ` ${opts.id.split(':')[0]}` : ''
  const typed = toConfiguredId(opts.id, opts.config)
  const suggestion = closest(opts.id, ids)
  const hint = suggestion ? ` Did you mean "${opts.config.bin} ${toConfiguredId(suggestion, opts.config)}"?` : ''
  this.error(`"${typed}" is not a ${opts.config.bin} command.${hint} Run "${opts.config.bin} help${topic}" for a list of commands.`, {
    exit: ExitCode.usage,
  })
}

export default hook

/** The id nearest to `typed` by edit distance (ties: the first listed). */
function closest(typed: string, ids: string[]): string | undefined {
  let best: {distance: number; id: string} | undefined
  for (const id of ids) {
    const d = editDistance(typed, id)
    if (!best || d < best.distance) best = {distance: d, id}
  }

  return best?.id
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({length: b.length + 1}, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }

    previous = row
  }

  return previous[b.length]
}
