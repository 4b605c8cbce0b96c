#!/usr/bin/env node
// Bundle the EC2 driver's SDK facade (dist/drivers/ec2/sdk.js, compiled by tsc) in place with the
// parts of @aws-sdk/client-ec2 it uses. Importing the whole package costs ~300-800 ms (a 2 MB
// CommonJS file, scanned for its exports on every ESM import); the bundle loads in ~60 ms.
// Credential providers the driver imports on demand (SSO, web identity, ...) become separate chunks.
//
//   node scripts/bundle-ec2-sdk.mjs [--entry dist/drivers/ec2/sdk.js] [--outdir dist/drivers/ec2]
import {build} from 'esbuild'
import {readFile} from 'node:fs/promises'
import {basename, dirname, extname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

const {values} = parseArgs({options: {entry: {type: 'string'}, outdir: {type: 'string'}}})
const entry = resolve(values.entry ?? 'dist/drivers/ec2/sdk.js')
const outdir = resolve(values.outdir ?? dirname(entry))

/**
 * The EC2 schema file declares ~3,400 schemas as plain arrays, but with computed keys like
 * `{[_xN]: _TSa}` that esbuild must assume have side effects, so it keeps them all (1 MB). The
 * keys are string constants declared in the same file: inline them and the unused schemas go.
 */
const inlineSchemaKeys = {
  name: 'inline-ec2-schema-keys',
  setup(context) {
    context.onLoad({filter: /client-ec2[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/}, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const constants = new Map()
      for (const m of text.matchAll(/^const (_\w+) = ("[^"\\\n]*");$/gm)) constants.set(m[1], m[2])
      const contents = text.replaceAll(/\[(_\w+)\]:/g, (whole, name) => (constants.has(name) ? `${constants.get(name)}:` : whole))
      return {contents, loader: 'js'}
    })
  },
}

const result = await build({
  entryPoints: {[basename(entry, extname(entry))]: entry},
  outdir,
  allowOverwrite: true,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // The SDK's ES module builds, which tree-shake; its CommonJS builds do not.
  mainFields: ['module', 'main'],
  chunkNames: 'sdk-chunks/[name]-[hash]',
  plugins: [inlineSchemaKeys],
  legalComments: 'linked',
  logLevel: 'warning',
  // Less to read at start-up; names stay, so stack traces under --debug stay readable.
  minifyWhitespace: true,
  minifySyntax: true,
  // Resolve the SDK from this project wherever the entry lives (tests bundle into a temp dir).
  nodePaths: [join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules')],
  metafile: true,
})
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0)
process.stdout.write(`bundled ${entry} -> ${outdir} (${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB)\n`)
