#!/usr/bin/env node
// Bundle @oclif/core into one ES module, dist/vendor/oclif-core.js, and point mc's compiled files at it.
// Loaded from node_modules, @oclif/core is ~140 CommonJS files: resolving, stat-ing and reading them
// costs more start-up than compiling them. One file loads in about half the CPU time.
//
//   node scripts/bundle-oclif-core.mjs [--dist dist]
import {build} from 'esbuild'
import {readdir, readFile, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import {dirname, join, relative, resolve} from 'node:path'
import {parseArgs} from 'node:util'

const {values} = parseArgs({options: {dist: {type: 'string'}}})
const dist = resolve(values.dist ?? 'dist')
const outfile = join(dist, 'vendor', 'oclif-core.js')

// Every name @oclif/core exports, re-exported by name so ES modules can import them.
const names = Object.keys(createRequire(import.meta.url)('@oclif/core'))
const entry = `import * as core from '@oclif/core'\nexport const {${names.join(', ')}} = core\n`

// oclif sorts every plugin's commands with localeCompare, and the first localeCompare in a process
// loads ICU's collation data: ~10 ms and ~2.5 MB of RSS on every run, `mc --version` aside. Command
// ids are lower-case ASCII words joined by ':' and '-', which sort the same by code unit (checked
// against the manifests when this was written), so the bundle compares code units instead.
const LOCALE_SORT = '.sort((a, b) => a.id.localeCompare(b.id))'
const CODE_UNIT_SORT = '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))'
const codeUnitSort = {
  name: 'oclif-command-sort',
  setup(build) {
    build.onLoad({filter: /@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      // An @oclif/core that sorts some other way needs a new look, not a silently skipped patch.
      if (!text.includes(LOCALE_SORT)) throw new Error(`${args.path} no longer sorts commands with "${LOCALE_SORT}": review scripts/bundle-oclif-core.mjs`)
      return {contents: text.replace(LOCALE_SORT, CODE_UNIT_SORT), loader: 'js'}
    })
  },
}

await build({
  stdin: {contents: entry, resolveDir: process.cwd(), sourcefile: 'oclif-core-entry.js'},
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The bundled CommonJS code still calls require() for Node's own modules.
  banner: {js: "import {createRequire as __mcCreateRequire} from 'node:module'; const require = __mcCreateRequire(import.meta.url);"},
  // oclif reads its own version from its package.json, and loads TypeScript runners only in development.
  external: ['@oclif/core/package.json', 'typescript', 'ts-node', 'tsx', 'tsx/*'],
  legalComments: 'linked',
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  plugins: [codeUnitSort],
})

// Point every compiled import of '@oclif/core' at the bundle.
let rewritten = 0
async function rewrite(dir) {
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (path !== dirname(outfile)) await rewrite(path)
    } else if (entry.name.endsWith('.js')) {
      const text = await readFile(path, 'utf8')
      if (!text.includes("'@oclif/core'")) continue
      let target = relative(dirname(path), outfile)
      if (!target.startsWith('.')) target = `./${target}`
      await writeFile(path, text.replaceAll("from '@oclif/core'", `from '${target}'`))
      rewritten++
    }
  }
}
await rewrite(dist)
process.stdout.write(`bundled @oclif/core -> ${relative(process.cwd(), outfile)}; ${rewritten} compiled files point at it\n`)
