import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'

import {ExitCode} from '../../src/core/errors.js'
import {mc, parseJson} from '../helpers/run.js'

const configFile = () => join(process.env.MC_HOME!, 'config.json')

describe('mc config', () => {
  beforeEach(() => {
    mkdirSync(process.env.MC_HOME!, {recursive: true})
    writeFileSync(configFile(), '{"profiles":{}}\n')
  })

  it('sets, gets, lists and unsets keys in named profiles, in a 0600 file', async () => {
    expect((await mc(['config', 'set', 'ec2.region', 'eu-west-1'])).exitCode).toBe(0)
    expect((await mc(['config', 'set', 'linode.token', 'tok-secret-9876', '--profile', 'work'])).exitCode).toBe(0)
    expect((statSync(configFile()).mode % 0o1000).toString(8)).toBe('600')

    const get = await mc(['config', 'get', 'ec2.region'])
    expect(get.stdout.trim()).toBe('eu-west-1')

    const list = await mc(['config', 'list', '--json'])
    const {entries} = parseJson<{entries: {profile: string; key: string; value: string}[]}>(list.stdout)
    expect(entries).toEqual([
      {profile: 'default', key: 'ec2.region', value: 'eu-west-1', secret: false},
      {profile: 'work', key: 'linode.token', value: '****9876', secret: true},
    ])
    expect(list.stdout).not.toContain('tok-secret-9876')

    const profiles = parseJson<{profiles: {name: string}[]}>((await mc(['config', 'profiles', '--json'])).stdout)
    expect(profiles.profiles.map((p) => p.name)).toEqual(['default', 'work'])

    expect((await mc(['config', 'unset', 'ec2.region'])).exitCode).toBe(0)
    expect((await mc(['config', 'get', 'ec2.region'])).exitCode).toBe(ExitCode.notFound)
  })

  it('MC_PROFILE selects the profile', async () => {
    await mc(['config', 'set', 'ec2.region', 'ap-south-1', '--profile', 'india'])
    process.env.MC_PROFILE = 'india'
    try {
      expect((await mc(['config', 'get', 'ec2.region'])).stdout.trim()).toBe('ap-south-1')
    } finally {
      delete process.env.MC_PROFILE
    }
  })

  it('rejects unknown keys and bad profile names with the usage exit code', async () => {
    const unknown = await mc(['config', 'set', 'ec2.regoin', 'x'])
    expect(unknown.exitCode).toBe(ExitCode.usage)
    expect(unknown.stderr).toContain('Unknown config key "ec2.regoin"')
    expect((await mc(['config', 'set', 'ec2.region', 'x', '--profile', '../etc'])).exitCode).toBe(ExitCode.usage)
  })

  it('reports a malformed config file with the config exit code and the same code under --json', async () => {
    writeFileSync(configFile(), '{"profiles": [1,2]}')
    const human = await mc(['config', 'list'])
    expect(human.exitCode).toBe(ExitCode.config)
    expect(human.stderr).toMatch(/malformed.*Fix or remove the file/)
    expect(human.stderr).not.toMatch(/\bat .*\.js:\d+/)
    const json = await mc(['config', 'list', '--json'])
    expect(json.exitCode).toBe(ExitCode.config)
    expect(parseJson<{error: {code: string}}>(json.stdout).error.code).toBe('CONFIG')

    writeFileSync(configFile(), 'not json')
    expect((await mc(['providers'])).exitCode).toBe(ExitCode.config)
  })

  it('never writes a half file: the old config survives a failed write', async () => {
    await mc(['config', 'set', 'ec2.region', 'us-east-2'])
    const before = readFileSync(configFile(), 'utf8')
    await mc(['config', 'set', 'nope.key', 'x'])
    expect(readFileSync(configFile(), 'utf8')).toBe(before)
  })
})
