import {readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {writeProfile} from '../../src/store/config.js'
import {mcPaths} from '../../src/store/paths.js'
import {killStrayChildren, mc, type McRun, mcEnv, openTestCloud, type TestCloud} from './helpers.js'

/**
 * Issue 2: credentials never leak. Commands that touch every cloud, SSH and the stores run with
 * --debug (or MC_DEBUG=1), with the sandbox's credentials in the profile and a wrong token in a
 * second one; no secret value may appear in any output, nor in any file mc wrote under MC_HOME
 * except config.json, the credential store.
 */
let cloud: TestCloud
let secrets: Record<string, string>
const WRONG_TOKEN = 'b4d1e5ec0de'.repeat(6)

beforeAll(async () => {
  cloud = await openTestCloud(300)
  writeProfile(mcPaths().configFile, 'wrong', {...cloud.handle.profile, 'linode.token': WRONG_TOKEN})
  const {credentials} = cloud.handle
  secrets = {
    'ec2.secretAccessKey': credentials.ec2.secretAccessKey,
    'rackspace.apiKey': credentials.rackspace.apiKey,
    'openstack.password': credentials.openstack.password,
    'linode.token': credentials.linode.token,
    'wrong linode.token': WRONG_TOKEN,
  }
})

afterAll(async () => {
  killStrayChildren()
  await cloud?.close()
})

function filesUnder(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]))
}

function leaks(text: string | Buffer): string[] {
  return Object.entries(secrets)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name)
}

describe('secrets stay secret', () => {
  it('no credential appears in any output with --debug, nor in any file mc wrote but config.json', async () => {
    const port = String(cloud.handle.port)
    const at = ['--at', 'ec2:us-east-1', '--at', 'rackspace:ORD', '--at', 'openstack:RegionOne', '--at', 'linode:us-west']
    const runs: [string, McRun][] = []
    const run = async (args: string[], env = cloud.env) => {
      const result = await mc(args, env)
      runs.push([args.join(' '), result])
      return result
    }

    expect((await run(['nodes', 'list', '--provider', 'all', '--json', '--debug'])).code).toBe(0)
    expect((await run(['probe', 'deploy', '--fleet', 'sec', ...at, '--debug'])).code).toBe(0)
    expect((await run(['probe', 'list', '--debug'])).code).toBe(0)
    expect((await run(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${port}`, '--debug'])).code).toBe(0)
    expect((await run(['probe', 'exec', 'sec-linode-us-west', '--debug', '--', 'echo', 'hi'])).code).toBe(0)
    expect((await run(['config', 'list', '--profile', 'sandbox'])).code).toBe(0)
    expect((await run(['config', 'get', 'linode.token', '--profile', 'sandbox', '--json'])).code).toBe(0)
    // A rejected credential: the error, the debug log and the JSON must not echo it either.
    const rejected = await run(['probe', 'deploy', '--fleet', 'wrong', '--at', 'linode:us-west', '--json', '--debug'], mcEnv(cloud.home, 'wrong'))
    expect(rejected.code).toBe(3)
    expect((await run(['nodes', 'list', '--provider', 'linode'], {...mcEnv(cloud.home, 'wrong'), MC_DEBUG: '1'})).code).toBe(3)
    expect((await run(['probe', 'destroy', '--all', '--yes', '--debug'])).code).toBe(0)

    // The debug log was really on, and it did log the requests that carry credentials.
    const debug = runs
      .filter(([args]) => args.includes('--debug'))
      .map(([, r]) => r.stderr)
      .join('\n')
    expect(debug).toMatch(/\[mc debug\] > POST \S+\/rackspace\/v2\.0\/tokens/)
    expect(debug).toMatch(/\[mc debug\] > POST \S+\/identity\/v3\/auth\/tokens/)
    expect(debug).toMatch(/"authorization":"\[REDACTED\]"/)
    expect(runs.at(-2)![1].stderr).toMatch(/\[mc debug\]/)

    for (const [args, result] of runs) {
      expect(leaks(result.stdout), `stdout of mc ${args}`).toEqual([])
      expect(leaks(result.stderr), `stderr of mc ${args}`).toEqual([])
    }

    const files = filesUnder(cloud.home).filter((f) => f !== mcPaths().configFile)
    expect(files.length).toBeGreaterThan(3)
    for (const file of files) expect(leaks(readFileSync(file)), relative(cloud.home, file)).toEqual([])
    // The credential store itself holds them, with mode 0600.
    expect(leaks(readFileSync(mcPaths().configFile))).toEqual(Object.keys(secrets))
    expect((statSync(mcPaths().configFile).mode % 0o1000).toString(8)).toBe('600')
  })
})
