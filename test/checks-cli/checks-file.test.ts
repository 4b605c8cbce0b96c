import {existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {mc} from '../helpers/run.js'

/**
 * Issue 18: `mc check run` and `mc nagios config` read a checks file (-f) with one reader, so the same
 * bad file gets the same message and exit code from both, and neither runs or writes anything.
 */

const dir = mkdtempSync(join(tmpdir(), 'mc-checks-file-'))
let seq = 0
function file(text: string): string {
  const path = join(dir, `${seq++}.yaml`)
  writeFileSync(path, text)
  return path
}

afterAll(() => rmSync(dir, {recursive: true, force: true}))

const BAD: [string, () => string, string][] = [
  ['not YAML', () => file('targets: [{target: a.example'), 'Cannot read checks file'],
  ['no targets', () => file('from: local\n'), 'needs a "targets" list'],
  ['an empty file', () => file(''), 'needs a "targets" list'],
  ['a misspelt key', () => file('targets: [{target: a.example, chekcs: [ping]}]'), 'targets[0].chekcs'],
  ['a check without its port', () => file('targets: [{target: a.example, checks: [tcp]}]'), 'targets[0].checks[0]'],
  ['a string where a number goes', () => file('targets: [{target: a.example, count: many}]'), 'targets[0].count'],
  ['a file that is not there', () => join(dir, 'missing.yaml'), 'missing.yaml: there is no such file'],
  ['a directory', () => dir, 'Cannot read checks file'],
]

async function both(path: string, extra: string[] = []) {
  const out = join(dir, `nagios-${seq++}`)
  const check = await mc(['check', 'run', '-f', path, '--from', 'local', ...extra])
  const nagios = await mc(['nagios', 'config', '--out', out, '-f', path, '--from', 'local', ...extra])
  return {check, nagios, wrote: existsSync(out)}
}

describe('one checks-file reader for mc check run and mc nagios config', () => {
  for (const [what, make, says] of BAD) {
    it(`${what}: the same error and exit code from both, and nothing run or written`, async () => {
      const path = make()
      const {check, nagios, wrote} = await both(path)
      expect(check.exitCode).toBe(2)
      expect(nagios.exitCode).toBe(check.exitCode)
      expect(check.stderr).toContain(says)
      expect(nagios.stderr).toBe(check.stderr)
      expect(check.stdout).toBe('')
      expect(nagios.stdout).toBe('')
      expect(wrote).toBe(false)
    })
  }

  it('the same JSON error under --json', async () => {
    const path = file('targets: [{target: a.example, checks: "tcp:22"}]')
    const {check, nagios} = await both(path, ['--json'])
    expect(check.exitCode).toBe(2)
    expect(nagios.exitCode).toBe(2)
    const error = JSON.parse(check.stdout)
    expect(JSON.stringify(error)).toContain(`Checks file ${path}: targets[0].checks must be a list`)
    expect(JSON.parse(nagios.stdout)).toEqual(error)
  })
})
