#!/usr/bin/env node
// Writes dist/specs/<name>.json from specs/<name>.yaml: the sandbox checks request bodies against these
// specs, and JSON.parse reads them in tens of milliseconds where the YAML parser takes seconds.
import {mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parse} from 'yaml'

const root = fileURLToPath(new URL('..', import.meta.url))
const out = join(root, 'dist', 'specs')
mkdirSync(out, {recursive: true})
// Every spec in specs/: a cloud added later brings its own.
for (const name of readdirSync(join(root, 'specs'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))) {
  const doc = parse(readFileSync(join(root, 'specs', `${name}.yaml`), 'utf8'))
  writeFileSync(join(out, `${name}.json`), JSON.stringify(doc))
}
