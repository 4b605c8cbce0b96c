import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PtySession} from '../helpers/pty.js'
import {openSandbox, type TestSandbox} from '../sandbox/helpers.js'

/**
 * `mc configure` (issue 16): the wizard driven through a real pseudo-terminal against the sandbox,
 * and its refusal without a terminal.
 */

const BIN = new URL('../../bin/run.js', import.meta.url).pathname
const root = mkdtempSync(join(tmpdir(), 'mc-configure-'))
let sandbox: TestSandbox

beforeAll(async () => {
  sandbox = await openSandbox({ssh: false})
})
afterAll(async () => {
  await sandbox?.close()
  rmSync(root, {recursive: true, force: true})
})

function env(home: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {...process.env, MC_HOME: home, NO_COLOR: '1'}
  for (const name of Object.keys(e)) if (/^(VITEST|NODE_OPTIONS$|NODE_ENV$|MC_PROFILE$|CI$|LINODE_|AWS_|OS_|RAX_)/.test(name)) delete e[name]
  return e
}

function profiles(home: string): Record<string, Record<string, string>> {
  return (JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as {profiles: Record<string, Record<string, string>>}).profiles
}

describe('mc configure on a terminal', () => {
  it('asks for Linode credentials, tests them against the sandbox and writes the profile 0600', async () => {
    const home = mkdtempSync(join(root, 'linode-'))
    const pty = new PtySession([process.execPath, BIN, 'configure', 'linode'], env(home))
    await pty.answer([
      ['Linode personal access token', sandbox.handle.credentials.linode.token],
      ['Region for new nodes', ''],
      ['API base URL', sandbox.handle.endpoints.linode],
      ['Profile name', 'lab'],
    ])
    await pty.expect(/OK: the token lists \d+ Linode/)
    await pty.expect('Saved linode to profile "lab"')
    expect(await pty.exitCode()).toBe(0)
    // Hidden input: the token never appears on the terminal.
    expect(pty.text).not.toContain(sandbox.handle.credentials.linode.token)
    expect(profiles(home).lab).toEqual({'linode.token': sandbox.handle.credentials.linode.token, 'linode.region': 'us-east', 'linode.endpoint': sandbox.handle.endpoints.linode})
    expect(statSync(join(home, 'config.json')).mode.toString(8).slice(-3)).toBe('600')
  }, 120_000)

  it('picks the cloud from a list, and on a failed test saves nothing unless told to', async () => {
    const home = mkdtempSync(join(root, 'ec2-'))
    const {ec2} = sandbox.handle.credentials
    const answerEc2 = (pty: PtySession, secret: string) =>
      pty.answer([
        // ec2 is the first choice.
        ['Cloud', ''],
        ['AWS access key id', ec2.accessKeyId],
        ['AWS secret access key', secret],
        ['Session token', ''],
        ['Region', ''],
        ['EC2 endpoint URL', sandbox.handle.endpoints.ec2],
        ['Profile name', ''],
      ])

    const refused = new PtySession([process.execPath, BIN, 'configure'], env(home))
    await answerEc2(refused, 'not-the-secret-key')
    await refused.expect(/The test call failed: .*(signature|credentials|AuthFailure|refused)/i)
    await refused.expect('Save profile "default" anyway?')
    refused.type('')
    await refused.expect('Nothing saved.')
    expect(await refused.exitCode()).toBe(3)
    expect(spawnSync('test', ['-e', join(home, 'config.json')]).status).not.toBe(0)

    const saved = new PtySession([process.execPath, BIN, 'configure'], env(home))
    await answerEc2(saved, ec2.secretAccessKey)
    await saved.expect(/OK: \d+ region\(s\) visible: .*us-east-1/)
    expect(await saved.exitCode()).toBe(0)
    expect(profiles(home).default).toMatchObject({'ec2.accessKeyId': ec2.accessKeyId, 'ec2.secretAccessKey': ec2.secretAccessKey, 'ec2.region': 'us-east-1'})
    expect(profiles(home).default['ec2.sessionToken']).toBeUndefined()
    expect(saved.text).not.toContain(ec2.secretAccessKey)
  }, 180_000)
})

describe('mc configure without a terminal', () => {
  it('refuses with exit 2 and prints the mc config set lines instead', () => {
    const home = mkdtempSync(join(root, 'pipe-'))
    const run = spawnSync(process.execPath, [BIN, 'configure', 'rackspace', '--profile', 'rax'], {encoding: 'utf8', env: env(home), input: '', timeout: 60_000})
    expect(run.status).toBe(2)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain('needs a terminal')
    expect(run.stderr).toContain('mc config set rackspace.username <Rackspace user name> --profile rax')
    expect(run.stderr).toContain('printf %s "$RAX_API_KEY" | mc config set rackspace.apiKey - --profile rax')
    expect(run.stderr).not.toContain('ec2.')
  })

  it('refuses on a terminal too when CI is set', () => {
    const home = mkdtempSync(join(root, 'ci-'))
    const run = spawnSync('script', ['-qfec', `'${process.execPath}' '${BIN}' configure linode`, '/dev/null'], {encoding: 'utf8', env: {...env(home), CI: '1'}, timeout: 60_000})
    expect(run.status).toBe(2)
    expect(run.stdout).toContain('printf %s "$LINODE_TOKEN" | mc config set linode.token -')
  })
})
