import {ESLint, type Linter} from 'eslint'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {beforeAll, describe, expect, it} from 'vitest'

/**
 * The layer rule of eslint.config.mjs (import/no-restricted-paths zones built from its LAYERS list):
 * an import that goes up a layer is a lint error. The rule runs here alone (the project's config with
 * every other rule taken out: same parser, plugins and resolver), so the whole src/ tree lints in seconds.
 */
const root = fileURLToPath(new URL('../..', import.meta.url))
const RULE = 'import/no-restricted-paths'

let eslint: ESLint
let config: {default: Linter.Config[]; LAYERS: string[]; layerRule: Linter.Config}

beforeAll(async () => {
  config = await import(pathToFileURL(join(root, 'eslint.config.mjs')).href)
  const withoutRules = config.default.map(({rules: _rules, ...rest}) => rest)
  eslint = new ESLint({cwd: root, overrideConfigFile: true, overrideConfig: [...withoutRules, config.layerRule]})
})

async function layerErrors(code: string, file: string): Promise<Linter.LintMessage[]> {
  const [result] = await eslint.lintText(code, {filePath: join(root, file)})
  return result.messages.filter((m) => m.ruleId === RULE)
}

describe('lint: imports never go up a layer', () => {
  it('the project config turns the rule on as an error for src/', async () => {
    const full = await new ESLint({cwd: root}).calculateConfigForFile(join(root, 'src/checks/run.ts'))
    expect(full.rules?.[RULE]?.[0]).toBe(2)
    expect(config.LAYERS.at(0)).toBe('core')
    expect(config.LAYERS.at(-1)).toBe('commands')
  })

  it('fails a file in src/checks that imports from src/services (static, type-only and dynamic)', async () => {
    const errors = await layerErrors(
      [
        "import type {ReportData} from '../services/report.js'",
        "import {fanOut} from '../services/fanout.js'",
        'export type Data = ReportData',
        "export const later = async () => (await import('../services/fanout.js')).fanOut ?? fanOut",
        '',
      ].join('\n'),
      'src/checks/layer-probe.ts',
    )
    expect(errors.map((e) => [e.line, e.severity])).toEqual([
      [1, 2],
      [2, 2],
      [4, 2],
    ])
    expect(errors[0].message).toMatch(/src\/checks is below .*services.*ARCHITECTURE\.md/)
  })

  it('fails the sandbox importing a driver, and core importing anything of the project', async () => {
    expect(await layerErrors("export {ec2Descriptor} from '../drivers/registry.js'\n", 'src/sandbox/layer-probe.ts')).toHaveLength(1)
    expect(await layerErrors("import {mcPaths} from '../store/paths.js'\nexport const p = mcPaths\n", 'src/core/layer-probe.ts')).toHaveLength(1)
  })

  it('lets a layer import the ones below it', async () => {
    const code = [
      "import {toMcError} from '../core/errors.js'",
      "import {runChecks} from '../checks/run.js'",
      "import {mcPaths} from '../store/paths.js'",
      'export const all = [toMcError, runChecks, mcPaths]',
      '',
    ].join('\n')
    expect(await layerErrors(code, 'src/ssh/layer-probe.ts')).toEqual([])
    expect(await layerErrors("import {mcPaths} from '../store/paths.js'\nexport const p = mcPaths\n", 'src/sandbox/layer-probe.ts')).toEqual([])
  })

  it('the source tree has no upward import', async () => {
    const results = await eslint.lintFiles(['src/**/*.ts'])
    expect(results.length).toBeGreaterThan(100)
    const upward = results.flatMap((r) => r.messages.filter((m) => m.ruleId === RULE).map((m) => `${r.filePath.slice(root.length)}:${m.line} ${m.message}`))
    expect(upward).toEqual([])
  }, 180_000)
})
