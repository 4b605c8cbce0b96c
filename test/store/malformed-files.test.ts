import {execFile} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

/**
 * Issue 20 item 14: a malformed provider file or a broken mc database is exit 9 with the file's
 * name, never raw library text or "no credentials found". Each case gets its own HOME and MC_HOME.
 */

const BIN = new URL('../../bin/run.js', import.meta.url).pathname
const root = mkdtempSync(join(tmpdir(), 'mc-malformed-'))
afterAll(() => rmSync(root, {recursive: true, force: true}))

type Run = {code: number; stdout: string; stderr: string}
let seq = 0

function home(files: Record<string, string | Buffer>): {dir: string; env: NodeJS.ProcessEnv} {
  const dir = join(root, String(seq++))
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), {recursive: true})
    writeFileSync(join(dir, path), content)
  }

  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), MC_HOME: join(dir, 'mc'), NO_COLOR: '1', CI: '1'}
  return {dir, env}
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, {env, timeout: 60_000}, (error, stdout, stderr) => {
      resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr})
    })
  })
}

const mc = (args: string[], env: NodeJS.ProcessEnv) => run(process.execPath, [BIN, ...args], env)

function expectConfigError(result: Run, file: string): void {
  expect(result.code, result.stderr).toBe(9)
  expect(result.stderr).toContain(file)
  expect(result.stderr).not.toMatch(/no credentials found|at .*\.js:\d+|SqliteError|YAMLParseError/i)
}

describe('provider files', () => {
  it('clouds.yaml with auth: 5', async () => {
    const {dir, env} = home({'.config/openstack/clouds.yaml': 'clouds:\n  c1:\n    auth: 5\n'})
    const result = await mc(['nodes', 'list', '--provider', 'openstack'], {...env, OS_CLOUD: 'c1'})
    expectConfigError(result, join(dir, '.config/openstack/clouds.yaml'))
    expect(result.stderr).toContain('clouds.c1.auth must be a mapping')
  })

  it('a secure.yaml that is not YAML', async () => {
    const {dir, env} = home({
      '.config/openstack/clouds.yaml': 'clouds:\n  c1:\n    auth: {auth_url: "http://127.0.0.1:9/v3", username: u}\n',
      '.config/openstack/secure.yaml': 'clouds:\n  c1: {auth: {password: [unclosed\n',
    })
    const result = await mc(['nodes', 'list', '--provider', 'openstack'], {...env, OS_CLOUD: 'c1'})
    expectConfigError(result, join(dir, '.config/openstack/secure.yaml'))
    expect(result.stderr).not.toContain('unclosed')
  })

  it('an unparseable ~/.aws/credentials, without echoing its lines', async () => {
    const {dir, env} = home({'.aws/credentials': '[default]\naws_access_key_id AKIAEXAMPLE\naws_secret_access_key = s3cr3t\n'})
    const result = await mc(['nodes', 'list', '--provider', 'ec2'], env)
    expectConfigError(result, join(dir, '.aws/credentials'))
    expect(result.stderr).toContain('line 2')
    expect(result.stderr).not.toContain('AKIAEXAMPLE')
  })

  it('a binary ~/.aws/credentials', async () => {
    const {dir, env} = home({'.aws/credentials': Buffer.from([0x5b, 0x00, 0xff, 0x01])})
    expectConfigError(await mc(['nodes', 'list', '--provider', 'ec2'], env), join(dir, '.aws/credentials'))
  })

  it('an unparseable linode-cli config', async () => {
    const {dir, env} = home({'.config/linode-cli': '[DEFAULT]\ntoken abc\n'})
    expectConfigError(await mc(['nodes', 'list', '--provider', 'linode'], env), join(dir, '.config/linode-cli'))
  })

  it('a good linode-cli config still reads', async () => {
    const {env} = home({'.config/linode-cli': '[DEFAULT]\ndefault-user = alice\n\n[alice]\ntoken = abc\nregion = us-west\n'})
    const result = await mc(['providers', '--json'], env)
    expect(result.code, result.stderr).toBe(0)
    const {providers} = JSON.parse(result.stdout) as {providers: {provider: string; credentials: boolean}[]}
    expect(providers.find((p) => p.provider === 'linode')?.credentials).toBe(true)
  })
})

describe('the mc databases', () => {
  it('a history file that is not SQLite', async () => {
    const {dir, env} = home({'mc/data/mc.db': 'garbage, not a database\n'.repeat(100)})
    const result = await mc(['report', '--json'], env)
    expect(result.code).toBe(9)
    expect(JSON.parse(result.stdout)).toMatchObject({error: {code: 'CONFIG', message: expect.stringContaining(join(dir, 'mc/data/mc.db'))}})
  })

  it('an inventory file that is not SQLite', async () => {
    const {dir, env} = home({'mc/data/inventory.db': 'garbage, not a database\n'.repeat(100)})
    expectConfigError(await mc(['probe', 'list'], env), join(dir, 'mc/data/inventory.db'))
  })

  it('a data dir on a read-only mount (root ignores file modes, so a private read-only bind mount)', async () => {
    const {dir, env} = home({})
    expect((await mc(['report', '--json'], env)).code).toBe(0)
    const data = join(dir, 'mc', 'data')
    const script = `mount --bind -o ro "$1" "$1" && exec "$2" "$3" probe list`
    const result = await run('unshare', ['-m', 'sh', '-c', script, 'sh', data, process.execPath, BIN], env)
    expectConfigError(result, join(data, 'inventory.db'))
  })
})
