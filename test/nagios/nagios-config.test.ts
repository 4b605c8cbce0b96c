import {execFile} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {CheckHistory} from '../../src/store/history.js'
import {Inventory} from '../../src/store/inventory.js'
import {DB_FILE} from '../../src/store/schema.js'
import {mc} from '../helpers/run.js'
import {freePort, type Sshd, startSshd} from '../helpers/sshd.js'
import {commandLine, type NagiosObject, readObjects} from './objects.js'

const run = promisify(execFile)
const NAGIOS = '/usr/sbin/nagios4'
const ROOT = new URL('../..', import.meta.url).pathname

let work: string
let sshd: Sshd
let listener: Server
let openPort: number
let closedPort: number
const dataDir = () => join(process.env.MC_HOME!, 'data')

beforeAll(async () => {
  if (!existsSync(NAGIOS)) throw new Error(`${NAGIOS} is missing: apt-get install nagios4-core (scripts/ensure-test-packages.sh installs it).`)
  work = mkdtempSync(join(tmpdir(), 'mc-nagios-'))
  // nagios4 -v reads the configuration as the nagios user, not as root.
  chmodSync(work, 0o755)
  sshd = await startSshd()
  listener = createServer((socket) => socket.end())
  await new Promise<void>((resolve) => {
    listener.listen(0, '127.0.0.1', resolve)
  })
  openPort = (listener.address() as {port: number}).port
  closedPort = await freePort()

  // An adopted probe that is this machine's sshd, with its own key; its host key where mc keeps host keys.
  const inventory = Inventory.open(dataDir())
  inventory.insert({name: 'probe-lo', kind: 'adopted', host: sshd.host, port: sshd.port, user: sshd.user, keyPath: sshd.clientKey.path, state: 'ready'})
  inventory.close()
  new KnownHostsFile(join(dataDir(), 'known_hosts')).add(sshd.host, sshd.port, Buffer.from(sshd.hostKey.publicKey.split(' ')[1], 'base64'))
})

afterAll(async () => {
  await sshd?.stop()
  await new Promise((resolve) => {
    listener?.close(resolve)
  })
  if (work) rmSync(work, {recursive: true, force: true})
})

/** nagios4 -v on a main config that loads only `dir` (and a contact, which Nagios requires), or on Debian's own nagios.cfg plus `dir`. */
async function verify(dir: string, base: 'debian' | 'minimal'): Promise<{code: number; output: string}> {
  const main = join(work, `nagios-${base}.cfg`)
  if (base === 'debian') {
    writeFileSync(main, `${readFileSync('/etc/nagios4/nagios.cfg', 'utf8')}\ncfg_dir=${dir}\n`)
  } else {
    const results = mkdtempSync(join(work, 'checkresults-'))
    // Nagios checks the result directory as its own user.
    chmodSync(results, 0o777)
    const contacts = join(work, 'contacts.cfg')
    writeFileSync(
      contacts,
      [
        'define command {\n  command_name notify-none\n  command_line /bin/true\n}',
        'define contact {\n  contact_name ops\n  host_notifications_enabled 0\n  service_notifications_enabled 0\n  host_notification_period mc-24x7\n' +
          '  service_notification_period mc-24x7\n  host_notification_options n\n  service_notification_options n\n' +
          '  host_notification_commands notify-none\n  service_notification_commands notify-none\n}',
        'define contactgroup {\n  contactgroup_name ops\n  alias Operators\n  members ops\n}',
      ].join('\n') + '\n',
    )
    writeFileSync(
      main,
      [
        `cfg_dir=${dir}`,
        `cfg_file=${contacts}`,
        'resource_file=/etc/nagios4/resource.cfg',
        `check_result_path=${results}`,
        'illegal_object_name_chars=`~!$%^&*|\'"<>?,()=',
        'illegal_macro_output_chars=`~$&|\'"<>',
      ].join('\n') + '\n',
    )
  }
  try {
    const {stdout} = await run(NAGIOS, ['-v', main])
    return {code: 0, output: stdout}
  } catch (error) {
    const failed = error as {code: number; stdout: string}
    return {code: failed.code, output: failed.stdout}
  }
}

function totals(output: string): {warnings: number; errors: number} {
  return {warnings: Number(/Total Warnings:\s+(\d+)/.exec(output)?.[1]), errors: Number(/Total Errors:\s+(\d+)/.exec(output)?.[1])}
}

const services = (objects: NagiosObject[]) => objects.filter((o) => o.type === 'service' && o.attributes.register !== '0')

async function shell(line: string): Promise<{code: number; stdout: string}> {
  try {
    const {stdout} = await run('/bin/sh', ['-c', line], {timeout: 30_000})
    return {code: 0, stdout}
  } catch (error) {
    const failed = error as {code: number; stdout: string}
    return {code: failed.code, stdout: failed.stdout}
  }
}

describe('mc nagios config --mode ssh', () => {
  let out: string
  let objects: NagiosObject[]

  beforeAll(async () => {
    out = join(work, 'ssh')
    const result = await mc([
      'nagios',
      'config',
      '--out',
      out,
      '--from',
      'local,probe-lo',
      '-t',
      '127.0.0.1',
      '--check',
      'ping',
      '--check',
      `tcp:${openPort}`,
      '--check',
      `tcp:${closedPort}`,
      '--check',
      'path',
      '--count',
      '2',
      '--contact-group',
      'ops',
    ])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(result.stdout).toContain('3 services (mode ssh)')
    objects = readObjects(out)
  })

  it("passes nagios4 -v on its own (with a contact) and inside Debian's stock configuration, without warnings", async () => {
    const alone = await verify(out, 'minimal')
    expect(totals(alone.output), alone.output).toEqual({warnings: 0, errors: 0})
    expect(alone.code).toBe(0)
    const admins = join(work, 'ssh-admins')
    const generated = await mc(['nagios', 'config', '--out', admins, '--from', 'probe-lo', '-t', '127.0.0.1', '--contact-group', 'admins'])
    expect(generated.exitCode, generated.stderr).toBe(0)
    const debian = await verify(admins, 'debian')
    expect(totals(debian.output), debian.output).toEqual({warnings: 0, errors: 0})
    expect(debian.code).toBe(0)
  })

  it('hosts for the probe and the target; services on the probe, grouped by target; path and local left to passive mode', () => {
    const hosts = objects.filter((o) => o.type === 'host' && o.attributes.register !== '0')
    expect(hosts.map((h) => [h.attributes.host_name, h.attributes.address, h.attributes.check_command])).toEqual([
      ['probe-lo', '127.0.0.1', 'mc_probe_ssh'],
      ['127.0.0.1', '127.0.0.1', 'mc_target_alive'],
    ])
    expect(hosts[0].attributes).toMatchObject({_MC_SSH_PORT: String(sshd.port), _MC_SSH_KEY: sshd.clientKey.path, _MC_KNOWN_HOSTS: join(dataDir(), 'known_hosts')})
    expect(services(objects).map((s) => [s.attributes.host_name, s.attributes.service_description, s.attributes.servicegroups])).toEqual([
      ['probe-lo', 'ping 127.0.0.1', 'mc-target-127.0.0.1'],
      ['probe-lo', `tcp:${openPort} 127.0.0.1`, 'mc-target-127.0.0.1'],
      ['probe-lo', `tcp:${closedPort} 127.0.0.1`, 'mc-target-127.0.0.1'],
    ])
    const cfg = readFileSync(join(out, 'mc-services.cfg'), 'utf8')
    expect(cfg).toContain('#   probe-lo -> 127.0.0.1 path: mtr prints no plugin answer')
    expect(cfg).toContain('#   local -> 127.0.0.1 ping: the local vantage point runs only in --mode passive')
  })

  it('each service runs its check on the probe through check_by_ssh with the key and known_hosts, and Nagios reads the plugin answer', async () => {
    const byName = (name: string) => services(objects).find((s) => s.attributes.service_description === name)!
    const logins = sshd.acceptedLogins()
    const ping = await shell(commandLine(objects, byName('ping 127.0.0.1')))
    expect(ping.stdout).toMatch(/^PING OK - Packet loss = 0%/)
    expect(ping.code).toBe(0)
    const open = await shell(commandLine(objects, byName(`tcp:${openPort} 127.0.0.1`)))
    expect(open.stdout).toMatch(/^TCP OK - [\d.]+ second response time on 127\.0\.0\.1 port \d+/)
    expect(open.code).toBe(0)
    const closed = await shell(commandLine(objects, byName(`tcp:${closedPort} 127.0.0.1`)))
    expect(closed.stdout).toMatch(/^connect to address 127\.0\.0\.1 and port \d+: Connection refused/)
    expect(closed.code).toBe(2)
    // Three commands, three SSH logins: the checks ran on the "probe", not here.
    expect(sshd.acceptedLogins() - logins).toBe(3)
  })

  it('a probe whose host key is not the one on file is UNKNOWN, never a fault at the target', async () => {
    const service = services(objects).find((s) => s.attributes.service_description === `tcp:${openPort} 127.0.0.1`)!
    const stranger = join(work, 'other_known_hosts')
    writeFileSync(stranger, `[127.0.0.1]:${sshd.port} ${sshd.clientKey.publicKey}\n`)
    const line = commandLine(objects, service).replace(`UserKnownHostsFile=${join(dataDir(), 'known_hosts')}`, `UserKnownHostsFile=${stranger}`)
    expect(line).toContain(stranger)
    expect((await shell(line)).code).toBe(3)
  })
})

describe('mc nagios config --mode passive', () => {
  let out: string

  beforeAll(async () => {
    out = join(work, 'passive')
    const result = await mc([
      'nagios',
      'config',
      '--out',
      out,
      '--mode',
      'passive',
      '--from',
      'local,probe-lo',
      '-t',
      '127.0.0.1',
      '--check',
      `tcp:${openPort}`,
      '--interval',
      '2',
      '--contact-group',
      'ops',
    ])
    expect(result.exitCode, result.stderr).toBe(0)
  })

  it('passes nagios4 -v; services are passive, with a freshness check for answers that stop coming', async () => {
    const verified = await verify(out, 'minimal')
    expect(totals(verified.output), verified.output).toEqual({warnings: 0, errors: 0})
    const objects = readObjects(out)
    expect(services(objects).map((s) => [s.attributes.host_name, s.attributes.service_description, s.attributes.use])).toEqual([
      ['local', 'mc 127.0.0.1', 'mc-passive-service'],
      ['probe-lo', 'mc 127.0.0.1', 'mc-passive-service'],
    ])
    const template = objects.find((o) => o.attributes.name === 'mc-passive-service')!
    expect(template.attributes).toMatchObject({active_checks_enabled: '0', passive_checks_enabled: '1', check_freshness: '1', freshness_threshold: '300'})
    expect(readFileSync(join(out, 'mc-passive.cron'), 'utf8')).toMatch(new RegExp(String.raw`^\*/2 \* \* \* \* \S+ MC_HOME='[^']+' '${out}/mc-passive\.sh'`, 'm'))
  })

  it('the cron script runs mc check run --output nagios per vantage point and submits each answer to the command file', async () => {
    const commands = join(work, 'nagios.cmd')
    writeFileSync(commands, '')
    await run(join(out, 'mc-passive.sh'), [], {
      env: {...process.env, NAGIOS_COMMAND_FILE: commands, MC: `${process.execPath} ${join(ROOT, 'bin', 'run.js')}`},
      timeout: 40_000,
    })
    const lines = readFileSync(commands, 'utf8')
      .trim()
      .split('\n')
      .sort((a, b) => a.split(';')[1].localeCompare(b.split(';')[1]))
    expect(lines).toHaveLength(2)
    for (const [i, host] of ['local', 'probe-lo'].entries()) {
      expect(lines[i]).toMatch(new RegExp(String.raw`^\[\d+\] PROCESS_SERVICE_CHECK_RESULT;${host};mc 127\.0\.0\.1;0;MC OK - 1 ok \| ${host}/127\.0\.0\.1/tcp:${openPort}/time=`))
      expect(lines[i]).toContain(String.raw`\n[OK] ${host} -> 127.0.0.1 tcp:${openPort}`)
    }
  })

  it('when mc itself fails, the result is UNKNOWN with its message', async () => {
    const commands = join(work, 'nagios-failing.cmd')
    writeFileSync(commands, '')
    const fake = join(work, 'fake-mc')
    writeFileSync(fake, '#!/bin/sh\necho "Error: No probe named probe-lo in the inventory." >&2\nexit 4\n', {mode: 0o755})
    await run(join(out, 'mc-passive.sh'), [], {env: {...process.env, NAGIOS_COMMAND_FILE: commands, MC: fake}, timeout: 10_000})
    const lines = readFileSync(commands, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line).toMatch(/;mc 127\.0\.0\.1;3;MC UNKNOWN - mc did not answer \(exit 4\): Error: No probe named probe-lo in the inventory\.$/)
  })

  it('generating again in ssh mode removes the passive-only files', async () => {
    const again = await mc(['nagios', 'config', '--out', out, '--from', 'probe-lo', '-t', '127.0.0.1'])
    expect(again.exitCode, again.stderr).toBe(0)
    expect(readdirSync(out).sort()).toEqual(['mc-commands.cfg', 'mc-hosts.cfg', 'mc-services.cfg', 'mc-templates.cfg'])
  })
})

describe('mc nagios config: targets from the history, and what it refuses', () => {
  it('without --target: the targets and checks the history saw this week', async () => {
    const history = CheckHistory.open(join(dataDir(), DB_FILE))
    const runId = history.startRun()
    const base = {vantage: 'local', state: 'OK' as const, summary: '', metrics: [], raw: '', durationMs: 1, at: new Date().toISOString()}
    history.addResults(runId, [
      {...base, target: '192.0.2.10', check: 'ping', kind: 'ping', implementation: 'check_ping'},
      {...base, target: '192.0.2.10', check: 'tcp:443', kind: 'tcp', implementation: 'check_tcp'},
      {...base, target: 'db.example.net', check: 'tcp:5432', kind: 'tcp', implementation: 'check_tcp'},
    ])
    history.finishRun(runId)
    history.close()
    const out = join(work, 'from-history')
    const result = await mc(['nagios', 'config', '--out', out, '--from', 'probe-lo', '--json'])
    expect(result.exitCode, result.stderr).toBe(0)
    expect(
      services(readObjects(out))
        .map((s) => s.attributes.service_description)
        .sort(),
    ).toEqual(expect.arrayContaining(['ping 192.0.2.10', 'tcp:443 192.0.2.10', 'tcp:5432 db.example.net']))
  })

  it('refuses a path Nagios cannot carry, and names an unknown probe', async () => {
    const spaced = await mc(['nagios', 'config', '--out', join(work, 'bad'), '--from', 'probe-lo', '-t', '127.0.0.1', '--key-file', '/etc/nagios4/mc;key'])
    expect(spaced.exitCode).toBe(2)
    expect(spaced.stderr).toContain('--key-file')
    const unknown = await mc(['nagios', 'config', '--out', join(work, 'bad'), '--from', 'nope', '-t', '127.0.0.1'])
    expect(unknown.exitCode).toBe(4)
    expect(unknown.stderr).toContain('No probe named "nope"')
  })
})
