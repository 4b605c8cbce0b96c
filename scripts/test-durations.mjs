#!/usr/bin/env node
// Write test/durations.json, the order test/sequencer.ts hands test files to vitest's workers
// (slowest first), from the durations vitest cached in its last run. Run it after a full `npm test`
// (or `.ci/run`) in this checkout: `node scripts/test-durations.mjs`. Files the last run did not
// run keep their old duration.
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const target = join(root, 'test', 'durations.json')

/** Every results.json under vitest's cache dir, newest first. */
function caches(dir) {
  if (!existsSync(dir)) return []
  return readdirSync(dir, {recursive: true})
    .filter((f) => f.endsWith('results.json'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
}

const [newest] = caches(join(root, 'node_modules', '.vite'))
if (!newest) throw new Error('No vitest results cache under node_modules/.vite: run the whole suite first (npm test).')

const {results} = JSON.parse(readFileSync(newest, 'utf8'))
const durations = existsSync(target) ? JSON.parse(readFileSync(target, 'utf8')) : {}
for (const [key, {duration}] of results) if (existsSync(join(root, key.slice(key.indexOf(':') + 1)))) durations[key] = Math.round(duration / 100) * 100
for (const key of Object.keys(durations)) if (!existsSync(join(root, key.slice(key.indexOf(':') + 1)))) delete durations[key]
const sorted = Object.fromEntries(Object.entries(durations).sort(([a, x], [b, y]) => y - x || a.localeCompare(b)))
writeFileSync(target, JSON.stringify(sorted, null, 2) + '\n')
console.log(`wrote ${Object.keys(sorted).length} durations from ${newest} to test/durations.json`)
