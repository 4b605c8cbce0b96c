import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import {type NagiosConfigRequest, writeNagiosConfig} from '../../src/services/nagios-config.js'
import {Inventory} from '../../src/store/inventory.js'
import {mc} from '../helpers/run.js'
import {mc as mcChild, mcEnv} from './helpers.js'

/**
 * Issue 20 items 15 and 16: reserved probe names, and a probe's user and host validated where they
 * are taken and quoted in what mc writes for Nagios and cron.
 */

const dir = mkdtempSync(join(tmpdir(), 'mc-login-'))
const marker = join(dir, 'pwned')
const HOSTILE_USER = `x -oProxyCommand=touch ${marker}`
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const dataDir = () => join(process.env.MC_HOME!, 'data')

function probeNames(): string[] {
  const inventory = Inventory.open(dataDir())
  try {
    return inventory.list().map((p) => p.name)
  } finally {
    inventory.close()
  }
}

describe('probe add', () => {
  it.each(['all', 'local', 'ALL'])('refuses the reserved name %s', async (name) => {
    const {exitCode, stderr} = await mc(['probe', 'add', name, '--host', '127.0.0.1', '--yes'])
    expect(exitCode).toBe(2)
    expect(stderr).toContain('is reserved')
    expect(probeNames()).not.toContain(name)
  })

  it.each([
    ['user', HOSTILE_USER],
    ['user', '-oProxyCommand=id'],
    ['user', 'a;b'],
    ['user', "o'brien"],
    ['host', '-oProxyCommand=id'],
    ['host', '127.0.0.1 -p 2222'],
    ['host', 'a$(id).example'],
  ])('refuses a hostile %s %j before connecting, and records nothing', async (field, value) => {
    // A child process: the argument reaches mc exactly as a shell would pass it, spaces and all.
    const args = field === 'user' ? ['--host', '127.0.0.1', `--user=${value}`] : [`--host=${value}`]
    const {code, stderr} = await mcChild(['probe', 'add', 'p1', ...args, '--yes'], mcEnv(process.env.MC_HOME!, 'default'))
    expect(code).toBe(2)
    expect(stderr).toContain(`Probe p1: ${field} ${JSON.stringify(value)}`)
    expect(probeNames()).not.toContain('p1')
    expect(existsSync(marker)).toBe(false)
  })
})

function request(overrides: Partial<NagiosConfigRequest>): NagiosConfigRequest {
  const outDir = join(dir, `nagios-${Math.random().toString(36).slice(2)}`)
  return {
    outDir,
    mode: 'ssh',
    definitions: [{target: '192.0.2.10', kind: 'ping'}],
    from: ['all'],
    intervalMinutes: 5,
    dataDir: dataDir(),
    mcCommand: ['/usr/bin/node', '/opt/mc/bin/run.js'],
    commandFile: '/var/lib/nagios4/rw/nagios.cmd',
    cronUser: 'nagios',
    ...overrides,
  }
}

describe('mc nagios config', () => {
  it('refuses a probe whose stored user is hostile (an inventory from before validation)', () => {
    const inventory = Inventory.open(dataDir())
    try {
      inventory.insert({name: 'old-row', kind: 'adopted', host: '127.0.0.1', port: 22, user: HOSTILE_USER, state: 'ready'})
    } finally {
      inventory.close()
    }

    const req = request({from: ['old-row']})
    expect(() => writeNagiosConfig(req)).toThrow(ValidationError)
    expect(() => writeNagiosConfig(req)).toThrow(/Probe old-row cannot go into Nagios configuration: user/)
    expect(existsSync(req.outDir)).toBe(false)
  })

  it('quotes every macro of the check_by_ssh command line, so a value with spaces stays one argument', () => {
    const inventory = Inventory.open(dataDir())
    try {
      inventory.insert({name: 'good', kind: 'adopted', host: '127.0.0.1', port: 2222, user: 'nagios-probe', state: 'ready'})
    } finally {
      inventory.close()
    }

    const req = request({from: ['good']})
    writeNagiosConfig(req)
    const commands = readFileSync(join(req.outDir, 'mc-commands.cfg'), 'utf8')
    const line = /command_name\s+mc_by_ssh\n\s*command_line\s+(.+)\n/.exec(commands)![1]
    expect(line).toContain("-l '$_HOSTMC_SSH_USER$'")

    // Do what Nagios does: substitute the macros, then hand the line to /bin/sh. check_by_ssh is
    // replaced by a script that prints its arguments, one per line.
    const bin = join(dir, 'libexec')
    mkdirSync(bin, {recursive: true})
    const shell = line
      .replace('$USER1$/check_by_ssh', `printf '%s\\n'`)
      .replaceAll('$_HOSTMC_SSH_USER$', HOSTILE_USER)
      .replaceAll('$HOSTADDRESS$', '127.0.0.1')
      .replaceAll('$_HOSTMC_SSH_PORT$', '2222')
      .replaceAll('$_HOSTMC_SSH_KEY$', '/etc/nagios4/mc/key')
      .replaceAll('$_HOSTMC_KNOWN_HOSTS$', '/etc/nagios4/mc/known_hosts')
      .replaceAll('$ARG1$', 'dHJ1ZQ==')
      .replaceAll('$ARG2$', '10')
    const argv = execFileSync('/bin/sh', ['-c', shell], {encoding: 'utf8'}).split('\n')
    expect(argv[argv.indexOf('-l') + 1]).toBe(HOSTILE_USER)
    expect(argv).not.toContain('-oProxyCommand=touch')
    expect(existsSync(marker)).toBe(false)
  })

  it('passive mode: a cron user that is not a login name is refused; "%" in MC_HOME is escaped for cron', () => {
    expect(() => writeNagiosConfig(request({mode: 'passive', from: ['local'], cronUser: 'nagios root'}))).toThrow(/The cron user: user "nagios root"/)
    const req = request({mode: 'passive', from: ['local'], mcHome: '/srv/mc%home'})
    writeNagiosConfig(req)
    const cron = readFileSync(join(req.outDir, 'mc-passive.cron'), 'utf8')
    expect(cron).toContain(String.raw`MC_HOME='/srv/mc\%home'`)
  })
})
