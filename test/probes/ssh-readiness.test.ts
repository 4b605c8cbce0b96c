import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {TimeoutError} from '../../src/core/errors.js'
import {silentLog} from '../../src/core/log.js'
import {waitForSsh} from '../../src/services/probe-bootstrap.js'
import type {DeployResult} from '../../src/services/probe-deploy.js'
import {HostKeyChangedError, RemoteCommandError} from '../../src/ssh/errors.js'
import {KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {SshPool} from '../../src/ssh/pool.js'
import {closedPort} from '../checks/servers.js'
import {generateKey, type Sshd, startSshd} from '../helpers/sshd.js'
import {killStrayChildren, mc, openTestCloud, type TestCloud} from './helpers.js'

/**
 * Waiting for a new probe's SSH: what is worth waiting out (sshd not up yet) is waited out and said on
 * stderr; what waiting cannot fix (a login whose commands all fail, a host key that does not match)
 * fails at once with the remote's own words, not after the whole --wait-timeout.
 */
const SLOW = 120_000
const dir = mkdtempSync(join(tmpdir(), 'mc-ssh-ready-'))
let nologin: Sshd
let cloud: TestCloud

beforeAll(async () => {
  // What a nologin shell does with every command: the login itself succeeds.
  ;[nologin, cloud] = await Promise.all([startSshd({config: ['ForceCommand echo "This account is currently not available." >&2; exit 1']}), openTestCloud(300)])
})

afterAll(async () => {
  killStrayChildren()
  await Promise.all([nologin?.stop(), cloud?.close()])
  rmSync(dir, {recursive: true, force: true})
})

function pool(knownHosts: string, keyFile = nologin.clientKey.path): SshPool {
  return new SshPool({knownHosts: new KnownHostsFile(join(dir, knownHosts)), hostKeyPolicy: 'accept-new', identity: {agent: false, keyFiles: [keyFile]}, connectTimeoutMs: 5000})
}

describe('waiting for a probe to answer SSH', () => {
  it(
    'a login that works while every command fails ends the wait at once with the remote error',
    async () => {
      const ssh = pool('nologin')
      const said: string[] = []
      const started = Date.now()
      try {
        const error = (await waitForSsh(ssh.executor({name: 'svc', host: nologin.host, port: nologin.port, username: nologin.user}), {
          timeoutMs: 600_000,
          onWait: (r) => said.push(r),
        }).catch((error_: unknown) => error_)) as RemoteCommandError
        expect(error).toBeInstanceOf(RemoteCommandError)
        expect(error.message).toBe(
          "svc: the SSH login works but a command cannot run there (`true` exited 1: This account is currently not available.). Check the login user's shell, home directory and free disk space.",
        )
      } finally {
        await ssh.close()
      }
      // One login and one command, not ten minutes of polling.
      expect(Date.now() - started).toBeLessThan(60_000)
      expect(said).toEqual([])
    },
    SLOW,
  )

  it(
    'a port nobody listens on yet is waited out, saying so once, and ends as a timeout naming the last error',
    async () => {
      const ssh = pool('refused')
      const said: string[] = []
      try {
        const executor = ssh.executor({name: 'booting', host: '127.0.0.1', port: await closedPort(), username: 'root'})
        const error = (await waitForSsh(executor, {timeoutMs: 2500, log: silentLog, onWait: (r) => said.push(r)}).catch((error_: unknown) => error_)) as TimeoutError
        expect(error).toBeInstanceOf(TimeoutError)
        expect(error.exitCode).toBe(8)
        expect(error.message).toMatch(/^booting: SSH did not let mc in within 3s; last: Cannot reach booting \(root@\[127\.0\.0\.1\]:\d+\): .*ECONNREFUSED/)
      } finally {
        await ssh.close()
      }
      expect(said).toEqual(['waiting for sshd (up to 3s): connection refused (sshd not listening yet)'])
    },
    SLOW,
  )

  it(
    'a host key that does not match fails at once: waiting would not change it',
    async () => {
      const file = 'changed'
      const other = await generateKey(dir, 'other_host_key', 'ed25519')
      new KnownHostsFile(join(dir, file)).add(nologin.host, nologin.port, Buffer.from(other.publicKey.split(' ')[1], 'base64'))
      const ssh = pool(file)
      const said: string[] = []
      const started = Date.now()
      try {
        const executor = ssh.executor({name: 'rebuilt', host: nologin.host, port: nologin.port, username: nologin.user})
        await expect(waitForSsh(executor, {timeoutMs: 600_000, onWait: (r) => said.push(r)})).rejects.toBeInstanceOf(HostKeyChangedError)
      } finally {
        await ssh.close()
      }
      expect(Date.now() - started).toBeLessThan(60_000)
      expect(said).toEqual([])
    },
    SLOW,
  )
})

describe("the sandbox's SSH nodes", () => {
  it(
    'start their shells in a directory that exists when HOME does not, so a deploy and its commands work',
    async () => {
      // The sandbox runs in this process: its nodes' shells start where this process's HOME says.
      const home = process.env.HOME
      process.env.HOME = join(dir, 'no-such-home')
      try {
        const deploy = await mc(['probe', 'deploy', '--fleet', 'homeless', '--at', 'linode:us-west', '--json'], cloud.env, SLOW)
        expect(deploy.code, deploy.stderr).toBe(0)
        expect(deploy.json<DeployResult>().probes.map((p) => [p.name, p.status])).toEqual([['homeless-linode-us-west', 'created']])
        const pwd = await mc(['probe', 'exec', 'homeless-linode-us-west', '--', 'pwd'], cloud.env, SLOW)
        expect(pwd.code, pwd.stderr).toBe(0)
        expect(pwd.stdout.trim()).toBe('/')
      } finally {
        process.env.HOME = home
      }
      const destroy = await mc(['probe', 'destroy', '--fleet', 'homeless', '--yes'], cloud.env, SLOW)
      expect(destroy.code, destroy.stderr).toBe(0)
    },
    SLOW,
  )
})
