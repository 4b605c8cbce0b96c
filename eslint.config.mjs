import oclif from 'eslint-config-oclif'

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
]
