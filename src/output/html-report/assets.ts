import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'

/** The chart library, inlined into every report so the page needs no network when it is opened. */
export type ChartAssets = {script: string; css: string; license: string; version: string}

let cached: ChartAssets | undefined

/**
 * uPlot as its npm package ships it (the minified IIFE defines a global `uPlot`), read once from
 * node_modules, where it is installed as a dependency of mc.
 */
export function chartAssets(): ChartAssets {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  const dir = dirname(dirname(require.resolve('uplot/dist/uPlot.iife.min.js')))
  const read = (file: string) => readFileSync(join(dir, file), 'utf8')
  cached = {
    script: read('dist/uPlot.iife.min.js'),
    css: read('dist/uPlot.min.css'),
    license: read('LICENSE'),
    version: (JSON.parse(read('package.json')) as {version: string}).version,
  }
  return cached
}
