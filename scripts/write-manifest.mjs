#!/usr/bin/env node
// Writes oclif.manifest.json with `oclif manifest`, in a stable order, and checks it lists every
// command in dist/commands. oclif writes commands in whatever order its glob and parallel imports
// finish, which differs between runs (CI's freshness check saw a "changed" manifest), so the
// commands are sorted by id; a manifest short of a command hides it from users, so that fails.
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const commandsDir = join(root, 'dist', 'commands')
const oclif = join(root, 'node_modules', 'oclif', 'bin', 'run.js')

function commandIds(dir) {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return commandIds(path)
    if (!entry.name.endsWith('.js')) return []
    // oclif names a folder's index.js after the folder (mc exporter).
    return [
      relative(commandsDir, path)
        .replace(/\.js$/, '')
        .split('/')
        .join(':')
        .replace(/:index$/, ''),
    ]
  })
}

/** One `oclif manifest`, sorted; returns the commands it left out. */
function writeManifest() {
  execFileSync(process.execPath, [oclif, 'manifest'], {cwd: root, stdio: 'inherit', env: {...process.env, OCLIF_SKIP_UPDATE_CHECK: 'true'}})
  const file = join(root, 'oclif.manifest.json')
  const manifest = JSON.parse(readFileSync(file, 'utf8'))
  const listed = Object.keys(manifest.commands).sort()
  manifest.commands = Object.fromEntries(listed.map((id) => [id, manifest.commands[id]]))
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`)
  return commandIds(commandsDir).filter((id) => !listed.includes(id))
}

let missing = writeManifest()
for (let attempt = 2; missing.length > 0 && attempt <= 3; attempt++) {
  process.stderr.write(`oclif.manifest.json lacks ${missing.join(', ')}; writing it again (attempt ${attempt} of 3)\n`)
  missing = writeManifest()
}

if (missing.length > 0) {
  process.stderr.write(`oclif manifest keeps leaving out ${missing.join(', ')}; run with DEBUG=* to see why\n`)
  process.exitCode = 1
}
