import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

/** Every manifest oclif loads: mc's own and its plugins'. */
const MANIFESTS = ['../../oclif.manifest.json', '../../node_modules/@oclif/plugin-help/oclif.manifest.json', '../../node_modules/@oclif/plugin-autocomplete/oclif.manifest.json']

describe('command order', () => {
  // scripts/bundle-oclif-core.mjs sorts command ids by code unit where oclif uses localeCompare (whose
  // first call loads ICU's collation data): the two must agree on every command id there is.
  it('is the same by code unit as by localeCompare', () => {
    for (const path of MANIFESTS) {
      const ids = Object.keys((JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as {commands: object}).commands)
      expect(ids.length).toBeGreaterThan(0)
      const byCodeUnit = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      expect([...ids].sort((a, b) => a.localeCompare(b))).toEqual(byCodeUnit)
    }
  })
})
