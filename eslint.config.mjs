import oclif from 'eslint-config-oclif'
import prettier from 'eslint-config-prettier'
import {fileURLToPath} from 'node:url'

/**
 * The layers of src/, lowest first (ARCHITECTURE.md explains each). A folder may import its own
 * layer and the layers listed before it, never one after it: data flows down, dependencies point
 * down. src/sandbox stands beside the stack: it emulates the clouds, so it may use only core and
 * store, and only commands may start it.
 */
export const LAYERS = ['core', 'drivers', 'checks', 'analysis', 'store', 'ssh', 'output', 'services', 'cli', 'commands']
const SIDE = {sandbox: ['core', 'store']}

const root = fileURLToPath(new URL('.', import.meta.url))
const dir = (name) => `./src/${name}`
const everyFolder = [...LAYERS, ...Object.keys(SIDE)]
const zones = [
  ...LAYERS.map((layer, rank) => ({
    target: dir(layer),
    from: [...LAYERS.slice(rank + 1), ...(layer === 'commands' ? [] : Object.keys(SIDE))].map((name) => dir(name)),
    message: `src/${layer} is below ${LAYERS.slice(rank + 1).join(', ') || 'nothing'} (layer map in ARCHITECTURE.md): move the shared code down, or pass it in from above.`,
  })),
  ...Object.entries(SIDE).map(([side, allowed]) => ({
    target: dir(side),
    from: everyFolder.filter((name) => name !== side && !allowed.includes(name)).map((name) => dir(name)),
    message: `src/${side} may import only ${allowed.join(' and ')} (layer map in ARCHITECTURE.md).`,
  })),
].filter((zone) => zone.from.length > 0)

/** An import that goes up a layer is an error, not a warning: CI fails on it. */
export const layerRule = {
  files: ['src/**/*.ts'],
  rules: {'import/no-restricted-paths': ['error', {basePath: root, zones}]},
}

// oclif's shared config, minus the rules that only sort or re-wrap code: key order carries meaning
// here (flag order is help order, column order is output order) and formatting is not worth CI time.
const styleOnly = {
  rules: Object.fromEntries(
    oclif
      .flatMap((config) => Object.keys(config.rules ?? {}))
      .filter((rule) => rule.startsWith('perfectionist/') || rule.startsWith('@stylistic/') || rule.startsWith('mocha/'))
      .map((rule) => [rule, 'off']),
  ),
}

export default [
  {ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'test/fixtures/', 'bench/results/']},
  ...oclif,
  styleOnly,
  {
    rules: {
      // Cloud wire formats are snake_case and PascalCase (Nova, Linode, EC2).
      camelcase: 'off',
      // Pagination and polling loops are sequential on purpose.
      'no-await-in-loop': 'off',
      // fetch is stable in Node 20 in practice and required here (no HTTP client dependency).
      'n/no-unsupported-features/node-builtins': ['error', {ignores: ['fetch', 'Headers', 'Response', 'Request', 'AbortSignal.any', 'util.styleText']}],
    },
  },
  // Layout is prettier's (npm run format, checked by npm run format:check in CI): lint leaves it alone.
  prettier,
  layerRule,
]
