import childProcess from 'node:child_process'
import {syncBuiltinESMExports} from 'node:module'

/**
 * The unit tier starts no process (vitest.config.ts): every way to start one fails the test that
 * tries, naming the command, so a test that needs a real program is moved to the integration tier
 * instead of slowing the unit tier down.
 */
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const) {
  Object.defineProperty(childProcess, name, {
    configurable: true,
    writable: true,
    value(command: string) {
      throw new Error(`child_process.${name}(${JSON.stringify(command)}) in a unit test: unit tests start no process; list the file under INTEGRATION in vitest.config.ts`)
    },
  })
}
syncBuiltinESMExports()
