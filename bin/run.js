#!/usr/bin/env node
// V8's compile cache for the modules mc loads (Node >= 22.1; absent on 20, where this is a no-op):
// later runs skip compiling @oclif/core, the drivers and the bundled EC2 SDK. It lives in the OS temp
// dir (Node's default) unless NODE_COMPILE_CACHE names another; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const {enableCompileCache} = await import('node:module')
enableCompileCache?.()
// `mc --version` is answered before @oclif/core loads (~200 ms of imports), in oclif's own format.
if (process.argv.length === 3 && process.argv[2] === '--version') {
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.oclif.bin}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  // $MC_HOME holds everything mc keeps; oclif's own cache (the completion scripts) included.
  if (process.env.MC_HOME && !process.env.MC_CACHE_DIR) process.env.MC_CACHE_DIR = `${process.env.MC_HOME}/cache`
  // @oclif/core bundled into one file by scripts/bundle-oclif-core.mjs: the ~140 files it spans in
  // node_modules cost ~120 ms of CPU to resolve and read on every start.
  const {execute} = await import('../dist/vendor/oclif-core.js')
  await tuneV8ForShortRuns()
  await execute({dir: import.meta.url})
}

/**
 * V8's defaults suit a long-lived server; most mc runs are over within a second (bench/FINDINGS.md has
 * the measurements). Set after @oclif/core is loaded: a flag changed at run time invalidates the code
 * cache of Node's own modules loaded later, and oclif loads most of them.
 * - TurboFan waits for 32 times its usual interrupt budget, and no longer optimizes a small function
 *   on its first tick: in a 1,000-node listing it compiled a handful of mapping functions (30 ms for
 *   one) on a background thread, used for a few hundred calls, and its first job alone (a 1-line path
 *   helper) cost ~3 MB of peak RSS (its code and the worker's memory). Hot code of a long run is still
 *   optimized, a little later.
 * - The young generation stays at its first 1 MB instead of doubling towards 16 MB while a listing's
 *   parsed JSON survives scavenges: ~5 MB less peak RSS, no more CPU. A process still running after 5 s
 *   (the exporter, a diagnosis, a 10,000-node listing) lets it grow again, as V8 would.
 * Nothing here when the user tunes these V8 settings (NODE_OPTIONS or node's own flags).
 */
async function tuneV8ForShortRuns() {
  if (/interrupt[-_]budget|early[-_]opt|semi[-_]space|turbofan|(^|\s)--(no-)?opt\b/.test([process.env.NODE_OPTIONS ?? '', ...process.execArgv].join(' '))) return
  const {setFlagsFromString} = await import('node:v8')
  setFlagsFromString(`--interrupt-budget=${32 * 66 * 1024}`)
  setFlagsFromString('--max-bytecode-size-for-early-opt=0')
  setFlagsFromString('--semi-space-growth-factor=1')
  setTimeout(() => setFlagsFromString('--semi-space-growth-factor=2'), 5000).unref()
}
