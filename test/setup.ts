import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {settings} from '@oclif/core'
import {afterAll} from 'vitest'

import {DESCRIPTORS} from '../src/drivers/registry.js'

// Commands run from the compiled dist/ (built by `npm test`), exactly what users run.
settings.enableAutoTranspile = false

// Every test file gets its own MC_HOME and HOME, so no test reads the developer's real config or
// credentials, and clean-up is one directory this process made.
const home = mkdtempSync(join(tmpdir(), 'mc-test-'))
process.env.MC_HOME = join(home, 'mc')
process.env.HOME = home
process.env.XDG_CONFIG_HOME = join(home, '.config')
// Every cloud's credential variables (its descriptor names their prefixes) and mc's own.
const cleared = [...DESCRIPTORS.flatMap((d) => d.envPrefixes), 'MC_PROFILE$', 'MC_PROVIDER$', 'MC_DEBUG$']
const clearedPattern = new RegExp(`^(${cleared.join('|')})`)
for (const name of Object.keys(process.env)) {
  if (clearedPattern.test(name)) delete process.env[name]
}
process.env.NO_COLOR = '1'

afterAll(() => rmSync(home, {recursive: true, force: true}))
