import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'

import {ExitCode} from '../../src/core/errors.js'
import {PROVIDERS} from '../../src/drivers/registry.js'
import {mc, parseJson} from '../helpers/run.js'

describe('errors and exit codes', () => {
  afterEach(() => {
    rmSync(join(process.env.HOME!, '.aws'), {recursive: true, force: true})
    rmSync(join(process.env.MC_HOME!, 'config.json'), {force: true})
  })

  it('no EC2 credentials: auth exit code and one line naming where mc looked', async () => {
    const {exitCode, stderr, stdout} = await mc(['nodes', 'list', '--provider', 'ec2'])
    expect(exitCode).toBe(ExitCode.auth)
    expect(stdout).toBe('')
    const lines = stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/No ec2 credentials found/)
    for (const place of ['AWS_ACCESS_KEY_ID', '.aws/credentials', '.aws/config', 'ec2.accessKeyId']) expect(lines[0]).toContain(place)
  })

  it('the same exit code with --json, and the error as JSON on stdout', async () => {
    const {exitCode, stdout} = await mc(['nodes', 'list', '--provider', 'linode', '--json'])
    expect(exitCode).toBe(ExitCode.auth)
    expect(parseJson<{error: {code: string; exitCode: number}}>(stdout).error).toMatchObject({code: 'AUTH', exitCode: ExitCode.auth})
  })

  it('every provider without credentials: the auth exit code, each one named', async () => {
    const {exitCode, stderr} = await mc(['sizes', 'list', '--provider', 'ec2,rackspace'])
    expect(exitCode).toBe(ExitCode.auth)
    expect(stderr).toContain('ec2:')
    expect(stderr).toContain('rackspace:')
  })

  it('no --provider and no credentials anywhere: auth error that suggests the sandbox', async () => {
    const {exitCode, stderr} = await mc(['nodes', 'list'])
    expect(exitCode).toBe(ExitCode.auth)
    expect(stderr).toContain('mc sandbox start')
  })

  it('unknown provider: usage exit code and the list of providers', async () => {
    const {exitCode, stderr} = await mc(['nodes', 'list', '--provider', 'ec2,gcp'])
    expect(exitCode).toBe(ExitCode.usage)
    expect(stderr).toContain('Unknown provider "gcp"')
    expect(stderr).toContain(PROVIDERS.join(', '))
  })

  it('bad flags, bad values and missing arguments: usage exit code, no stack trace', async () => {
    for (const args of [
      ['nodes', 'list', '--bogus'],
      ['nodes', 'list', '--state', 'sleeping', '--provider', 'ec2'],
      ['nodes', 'list', '--tag', 'novalue', '--provider', 'ec2'],
      ['nodes', 'show'],
      ['nodes', 'list', '--provider', 'ec2', '--endpoint', 'not a url'],
      ['nodes', 'list', '--provider', 'ec2', '--endpoint', 'ftp://x'],
      ['nodes', 'show', 'i-1', '--provider', 'ec2,linode'],
      // A file flag naming no file fails oclif's parsing: usage too (package.json oclif.exitCodes), not 1.
      ['keys', 'import', 'k1', '--public-key-file', '/nonexistent/key.pub', '--provider', 'linode'],
    ]) {
      const {exitCode, stderr} = await mc(args)
      expect(exitCode, args.join(' ')).toBe(ExitCode.usage)
      expect(stderr, args.join(' ')).not.toMatch(/\n\s+at /)
    }
  })

  it('an unreadable AWS credentials file: config exit code naming the file', async () => {
    mkdirSync(join(process.env.HOME!, '.aws', 'credentials'), {recursive: true})
    const {exitCode, stderr} = await mc(['nodes', 'list', '--provider', 'ec2'])
    expect(exitCode).toBe(ExitCode.config)
    expect(stderr).toContain('.aws/credentials')
  })

  it('a malformed clouds.yaml: config exit code naming the file', async () => {
    const dir = join(process.env.XDG_CONFIG_HOME!, 'openstack')
    mkdirSync(dir, {recursive: true})
    writeFileSync(join(dir, 'clouds.yaml'), 'clouds: [unclosed\n')
    process.env.OS_CLOUD = 'mine'
    try {
      const {exitCode, stderr} = await mc(['nodes', 'list', '--provider', 'openstack'])
      expect(exitCode).toBe(ExitCode.config)
      expect(stderr).toContain('clouds.yaml')
    } finally {
      delete process.env.OS_CLOUD
      rmSync(dir, {recursive: true, force: true})
    }
  })

  it('destroy without a terminal and without --yes refuses and destroys nothing', async () => {
    process.env.LINODE_TOKEN = 'tok-for-destroy-test'
    try {
      const {exitCode, stderr} = await mc(['nodes', 'destroy', '123', '--provider', 'linode'])
      expect(exitCode).toBe(ExitCode.usage)
      expect(stderr).toContain('pass --yes')
    } finally {
      delete process.env.LINODE_TOKEN
    }
  })

  it('mc providers shows where credentials come from and never the secret', async () => {
    process.env.LINODE_TOKEN = 'tok-visible-never-4321'
    process.env.RAX_USERNAME = 'alice'
    process.env.RAX_API_KEY = 'rax-key-never-shown'
    try {
      const {exitCode, stdout} = await mc(['providers', '--json'])
      expect(exitCode).toBe(0)
      const {providers} = parseJson<{providers: {provider: string; credentials: boolean; source?: string}[]}>(stdout)
      expect(providers.find((p) => p.provider === 'linode')).toMatchObject({credentials: true, source: 'env LINODE_TOKEN'})
      expect(providers.find((p) => p.provider === 'rackspace')).toMatchObject({credentials: true, source: 'env RAX_USERNAME / RAX_API_KEY'})
      expect(providers.find((p) => p.provider === 'ec2')).toMatchObject({credentials: false})
      expect(stdout).not.toContain('tok-visible-never-4321')
      expect(stdout).not.toContain('rax-key-never-shown')
    } finally {
      delete process.env.LINODE_TOKEN
      delete process.env.RAX_USERNAME
      delete process.env.RAX_API_KEY
    }
  })
})
