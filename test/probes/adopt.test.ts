import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/checks/types.js'
import {silentLog} from '../../src/core/log.js'
import {bootstrapProbe, INSTALL_SCRIPT, selfCheck} from '../../src/services/probe-bootstrap.js'
import type {ProbeListResult} from '../../src/services/probe-fleet.js'
import {openProbePool} from '../../src/services/probe-session.js'
import type {ExecOptions, Executor} from '../../src/checks/executor.js'
import type {Probe} from '../../src/store/inventory.js'
import {freePort, type Sshd, startSshd} from '../helpers/sshd.js'
import {inventoryRows, killStrayChildren, mc, mcEnv} from './helpers.js'

/**
 * `mc probe add` of a real OpenSSH sshd on loopback (a data-center host), then what mc does with an
 * adopted probe; and the bootstrap self-check over real SSH, with all tools and with some missing.
 * Nothing here runs the install script: it would run apt-get on this very machine.
 */
let sshd: Sshd
/** The same host with a PATH on which mtr, ping and curl cannot be found. */
let bare: Sshd
let env: NodeJS.ProcessEnv
const home = process.env.MC_HOME!

beforeAll(async () => {
  sshd = await startSshd()
  bare = await startSshd({authorizedKeys: [sshd.clientKey.publicKey], config: ['ForceCommand PATH=/nonexistent; eval "$SSH_ORIGINAL_COMMAND"']})
  env = mcEnv(home, 'default')
})

afterAll(async () => {
  killStrayChildren()
  await Promise.all([sshd?.stop(), bare?.stop()])
})

describe('an adopted probe on a real sshd', () => {
  it('mc probe add trusts the host key on first use, records the probe, and refuses a second one by that name', async () => {
    const add = await mc(
      ['probe', 'add', 'dc-1', '--host', sshd.host, '--port', String(sshd.port), '--user', sshd.user, '--key', sshd.clientKey.path, '--label', 'provider=dc', '--yes', '--json'],
      env,
    )
    expect(add.code, add.stdout + add.stderr).toBe(0)
    expect(add.json<Probe>()).toMatchObject({
      name: 'dc-1',
      kind: 'adopted',
      state: 'ready',
      host: '127.0.0.1',
      port: sshd.port,
      keyPath: sshd.clientKey.path,
      labels: {provider: 'dc'},
    })
    const knownHosts = readFileSync(join(home, 'data', 'known_hosts'), 'utf8')
    expect(knownHosts).toContain(`[127.0.0.1]:${sshd.port} ${sshd.hostKey.publicKey.split(' ').slice(0, 2).join(' ')}`)

    const again = await mc(['probe', 'add', 'dc-1', '--host', sshd.host, '--port', String(sshd.port), '--key', sshd.clientKey.path, '--yes'], env)
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/already exists/)
  })

  it('mc probe add of a closed port fails and writes nothing', async () => {
    const port = await freePort()
    const add = await mc(['probe', 'add', 'nobody', '--host', '127.0.0.1', '--port', String(port), '--key', sshd.clientKey.path, '--yes'], env)
    expect(add.code).not.toBe(0)
    expect(add.stderr).toMatch(/ECONNREFUSED|refused/i)
    expect(inventoryRows(home).map((r) => r.name)).toEqual(['dc-1'])
  })

  it('runs commands and checks on it, and takes a rotated host key only through mc probe trust', async () => {
    const exec = await mc(['probe', 'exec', 'dc-1', '--', 'echo', 'hello from', '$USER'], env)
    expect(exec.code, exec.stderr).toBe(0)
    expect(exec.stdout.trim()).toBe(`hello from ${sshd.user}`)
    expect((await mc(['probe', 'exec', 'dc-1', '--', 'exit 3'], env)).code).toBe(3)

    const list = await mc(['probe', 'list', '--json'], env)
    expect(list.json<ProbeListResult>().probes).toEqual([expect.objectContaining({name: 'dc-1', kind: 'adopted', live: 'adopted'})])

    const check = await mc(['check', 'run', '--from', 'dc-1', '-t', '127.0.0.1', '--check', `tcp:${sshd.port}`, '--json'], env)
    expect(check.code, check.stderr).toBe(0)
    expect(check.json<{results: CheckResult[]}>().results).toEqual([expect.objectContaining({vantage: 'dc-1', check: `tcp:${sshd.port}`, state: 'OK'})])

    await sshd.rotateHostKey()
    const refused = await mc(['probe', 'exec', 'dc-1', '--', 'true'], env)
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toMatch(/host key/i)
    const trust = await mc(['probe', 'trust', 'dc-1', '--yes', '--json'], env)
    expect(trust.code, trust.stderr).toBe(0)
    expect(trust.json()).toMatchObject({name: 'dc-1', trusted: true})
    expect((await mc(['probe', 'exec', 'dc-1', '--', 'true'], env)).code).toBe(0)
  })

  it('mc probe destroy only forgets an adopted host', async () => {
    const destroy = await mc(['probe', 'destroy', 'dc-1', '--yes', '--json'], env)
    expect(destroy.code, destroy.stderr).toBe(0)
    expect(inventoryRows(home)).toEqual([])
    expect(existsSync(sshd.dir)).toBe(true)
    const still = await mc(['probe', 'add', 'dc-1', '--host', sshd.host, '--port', String(sshd.port), '--key', sshd.clientKey.path, '--yes'], env)
    expect(still.code, still.stderr).toBe(0)
  })
})

/** Records every command, so a test can prove what never ran. */
function recording(executor: Executor, commands: string[]): Executor {
  return {
    vantage: executor.vantage,
    exec(command: string, options: ExecOptions) {
      commands.push(command)
      return executor.exec(command, options)
    },
    close: () => executor.close(),
  } as Executor
}

describe('the bootstrap self-check over real SSH', () => {
  it('finds every tool on a host that has them, and names the ones a host lacks', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'mc-selfcheck-'))
    const pool = openProbePool({dataDir, log: silentLog, hostKeyPolicy: 'accept-new', extraKeyFiles: [sshd.clientKey.path]})
    try {
      const full = pool.executor({name: 'full', host: sshd.host, port: sshd.port, username: sshd.user})
      const lacking = pool.executor({name: 'lacking', host: bare.host, port: bare.port, username: bare.user})
      expect(await selfCheck(full)).toEqual([])
      // check_ping and check_tcp sit at fixed paths; mtr, ping and curl are looked up on PATH.
      expect(await selfCheck(lacking)).toEqual(['mtr', 'ping', 'curl'])

      // An image that carries the tools (the sandbox's) is only verified: no package manager runs.
      const commands: string[] = []
      const report = await bootstrapProbe(recording(lacking, commands), true)
      expect(report).toEqual({installed: false, missing: ['mtr', 'ping', 'curl']})
      expect(commands).not.toContain(INSTALL_SCRIPT)
      expect(commands.join('\n')).not.toMatch(/apt-get|dnf|yum|apk/)
    } finally {
      await pool.close()
      rmSync(dataDir, {recursive: true, force: true})
    }
  })
})
