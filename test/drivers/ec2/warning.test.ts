import {afterAll, beforeAll, expect, it, vi} from 'vitest'

import {FixtureServer} from './fixture-server.js'
import {closeDrivers, ec2Settings, openDriver, tempHome} from './helpers.js'

const server = new FixtureServer()
const {home, cleanup} = tempHome()

beforeAll(async () => {
  await server.start()
})
afterAll(async () => {
  await closeDrivers()
  await server.stop()
  cleanup()
})

// Its own file: the SDK warns at most once per process, so this must be the first client made here.
it("never lets the SDK's Node-version warning reach users", async () => {
  delete process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED
  const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {})
  try {
    await (await openDriver(ec2Settings(server.url, home))).listKeyPairs()
    expect(emitWarning).not.toHaveBeenCalled()
    expect(process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED).toBe('true')
  } finally {
    emitWarning.mockRestore()
  }
})
