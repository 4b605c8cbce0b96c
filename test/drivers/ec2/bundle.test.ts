import {execFile} from 'node:child_process'
import {readdirSync, readFileSync, statSync} from 'node:fs'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {silentLog} from '../../../src/core/log.js'
import {ProviderError} from '../../../src/core/errors.js'
import type {SdkModule} from '../../../src/drivers/ec2/client.js'
import {openEc2Driver} from '../../../src/drivers/ec2/index.js'
import {FixtureServer} from './fixture-server.js'
import {ec2Settings, tempHome} from './helpers.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const server = new FixtureServer()
const {home, cleanup} = tempHome()
const outdir = join(home, 'bundle')
let bundle: SdkModule

/** The build's bundling step (scripts/bundle-ec2-sdk.mjs), run on the facade's source into a temp dir. */
beforeAll(async () => {
  await server.start()
  await promisify(execFile)('node', [join(root, 'scripts', 'bundle-ec2-sdk.mjs'), '--entry', join(root, 'src', 'drivers', 'ec2', 'sdk.ts'), '--outdir', outdir], {cwd: root})
  bundle = (await import(pathToFileURL(join(outdir, 'sdk.js')).href)) as SdkModule
}, 60_000)
afterAll(async () => {
  await server.stop()
  cleanup()
})

function files(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
}

describe('the bundled EC2 SDK facade', () => {
  it('stands alone: no run-time import of the SDK packages', () => {
    for (const file of files(outdir).filter((f) => f.endsWith('.js'))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/from\s*["']@(aws-sdk|smithy)\//)
    }
  })

  it('keeps only the schemas of the commands mc sends, and loads credential providers on demand', () => {
    const entry = readFileSync(join(outdir, 'sdk.js'), 'utf8')
    expect(statSync(join(outdir, 'sdk.js')).size).toBeLessThan(400 * 1024)
    expect(entry).toContain('DescribeInstancesRequest')
    expect(entry).not.toContain('AcceptAddressTransferRequest')
    expect(entry).not.toContain('sso_start_url')
    expect(files(join(outdir, 'sdk-chunks')).some((f) => readFileSync(f, 'utf8').includes('sso_start_url'))).toBe(true)
  })

  it('drives EC2 like the unbundled facade: listing, errors by code, unreadable bodies', async () => {
    const driver = openEc2Driver(ec2Settings(server.url, home), {log: silentLog, dataDir: home, cacheDir: home}, bundle)
    try {
      expect((await driver.listNodes()).map((n) => [n.id, n.name, n.state])).toEqual([
        ['i-4382922a', '', 'stopped'],
        ['i-8474834a', 'Test Server 2', 'stopped'],
      ])
      await expect(driver.getNode('i-missing')).rejects.toMatchObject({code: 'NOT_FOUND'})
      server.on((r) => (r.action === 'DescribeInstances' ? {body: '<oops/>'} : undefined))
      const error = await driver.listNodes().catch((error_: unknown) => error_)
      expect(error).toBeInstanceOf(ProviderError)
      expect((error as Error).message).toContain('answered with a body mc cannot read')
    } finally {
      server.reset()
      await driver.close?.()
    }
  })
})
