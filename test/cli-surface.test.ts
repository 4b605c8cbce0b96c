import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

type ManifestFlag = {char?: string; multiple?: boolean; name: string; options?: string[]; required?: boolean; type: string}
type ManifestCommand = {args: Record<string, {required?: boolean}>; enableJsonFlag?: boolean; examples?: string[]; flags: Record<string, ManifestFlag>; summary?: string}

const manifest = JSON.parse(readFileSync(new URL('../oclif.manifest.json', import.meta.url), 'utf8')) as {commands: Record<string, ManifestCommand>}

/**
 * The CLI surface scripts depend on: commands, flags (type, short name, required, repeatable) and
 * arguments. A change here is a breaking change for somebody's CI pipeline: update the snapshot
 * (`npx vitest run test/cli-surface.test.ts -u`) only on purpose, and say so in the changelog.
 */
function surface(): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const id of Object.keys(manifest.commands).sort()) {
    const command = manifest.commands[id]
    out[id] = {
      args: Object.entries(command.args).map(([name, a]) => `${name}${a.required ? '' : '?'}`),
      flags: Object.values(command.flags)
        .map((f) => `--${f.name}${f.char ? ` -${f.char}` : ''} ${f.type}${f.required ? ' required' : ''}${f.multiple ? ' multiple' : ''}`)
        .sort(),
      json: Boolean(command.enableJsonFlag),
    }
  }
  return out
}

describe('CLI surface', () => {
  it('matches the locked snapshot', async () => {
    await expect(JSON.stringify(surface(), null, 2) + '\n').toMatchFileSnapshot('./cli-surface.snapshot.json')
  })

  it('every command has a summary and at least one example that names the command', () => {
    for (const [id, command] of Object.entries(manifest.commands)) {
      expect(command.summary, id).toBeTruthy()
      expect(command.examples?.length, id).toBeGreaterThan(0)
      for (const example of command.examples ?? []) expect(example, id).toContain(`<%= config.bin %> ${id.replaceAll(':', ' ')}`)
    }
  })
})
