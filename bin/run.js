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
  await execute({dir: import.meta.url})
}
