import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runChecks} from '../../src/checks/run.js'
import {KnownHostsFile} from '../../src/ssh/known-hosts.js'
import {LocalExecutor} from '../../src/ssh/local.js'
import {SshPool} from '../../src/ssh/pool.js'
import {assertResults, expectations, startTargets, type Targets} from '../checks/suite.js'
import {type Sshd, startSshd} from '../helpers/sshd.js'

let sshd: Sshd
let targets: Targets
const dir = mkdtempSync(join(tmpdir(), 'mc-ssh-checks-'))

beforeAll(async () => {
  ;[sshd, targets] = await Promise.all([startSshd(), startTargets()])
})
afterAll(async () => {
  await Promise.all([sshd?.stop(), targets?.close()])
  rmSync(dir, {recursive: true, force: true})
})

function newPool(): SshPool {
  return new SshPool({
    knownHosts: new KnownHostsFile(join(dir, 'known_hosts')),
    hostKeyPolicy: 'accept-new',
    identity: {agent: false, keyFiles: [sshd.clientKey.path]},
  })
}

describe('every check kind from an SSH vantage (a real sshd on loopback)', () => {
  for (const tools of ['plugins', 'portable'] as const) {
    it(`with ${tools}, over one connection`, async () => {
      const pool = newPool()
      try {
        const before = sshd.acceptedLogins()
        const expected = expectations(targets)
        const executor = pool.executor({name: 'probe-ssh', host: sshd.host, port: sshd.port, username: sshd.user})
        const results = await runChecks(
          [executor],
          expected.map((e) => e.definition),
          {tools},
        )
        assertResults(results, expected, tools, 'probe-ssh')
        expect(sshd.acceptedLogins() - before).toBe(1)
      } finally {
        await pool.close()
      }
    })
  }

  it('SSH and local vantages side by side reach the same verdicts', async () => {
    const pool = newPool()
    try {
      const expected = expectations(targets)
      const executors = [pool.executor({name: 'probe-ssh', host: sshd.host, port: sshd.port, username: sshd.user}), new LocalExecutor()]
      const results = await runChecks(
        executors,
        expected.map((e) => e.definition),
      )
      const ssh = results.filter((r) => r.vantage === 'probe-ssh')
      const local = results.filter((r) => r.vantage === 'local')
      expect(ssh.map((r) => [r.check, r.state, r.implementation])).toEqual(local.map((r) => [r.check, r.state, r.implementation]))
      expect(ssh.map((r) => r.state)).toEqual(expected.map((e) => ((e.plugins ?? e.portable) ? e.state : 'UNKNOWN')))
    } finally {
      await pool.close()
    }
  })
})
