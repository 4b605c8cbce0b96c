import {afterAll, describe, expect, it} from 'vitest'

import type {DiagnoseResult} from '../../src/services/diagnose.js'
import {killStrayChildren, mc, mcEnv} from '../probes/helpers.js'

/**
 * mc check diagnose on loopback from this machine: ping and mtr really run (5 rounds, the least
 * the command takes), the verdict is 'healthy', and a second call reuses those fresh results.
 */
const env = mcEnv(process.env.MC_HOME!, 'default')

afterAll(() => killStrayChildren())

describe('mc check diagnose on loopback', () => {
  it('says healthy with the per-vantage table and the path, then answers Nagios from the history', async () => {
    const run = await mc(['check', 'diagnose', '--target', '127.0.0.1', '--from', 'local', '--count', '5'], env)
    expect(run.code, run.stderr).toBe(0)
    const [head, explanation] = run.stdout.split('\n')
    expect(head).toBe('127.0.0.1: healthy')
    expect(explanation).toMatch(/reaches 127\.0\.0\.1 without significant loss/)
    expect(run.stdout).toMatch(/^VANTAGE\s+STATUS\s+LOSS\s+RTT MS/m)
    expect(run.stdout).toMatch(/^local\s+healthy\s+0%\s+\d+\.\d/m)
    // The hop table: one hop on loopback, the target itself, without loss.
    expect(run.stdout).toMatch(/^HOP\s+LOCAL\s*$/m)
    expect(run.stdout).toMatch(/^1\s+127\.0\.0\.1 0% [\d.]+ms\s*$/m)
    expect(run.stderr).toMatch(/Tracing 127\.0\.0\.1 from local \(5 rounds\)/)

    // Within --max-age the history answers: no new measurement, the same verdict.
    const started = Date.now()
    const nagios = await mc(['check', 'diagnose', '-t', '127.0.0.1', '--from', 'local', '--max-age', '300', '--output', 'nagios'], env)
    expect(nagios.code, nagios.stderr).toBe(0)
    expect(nagios.stdout).toMatch(/^MC DIAGNOSE OK - 127\.0\.0\.1 healthy \| local\/127\.0\.0\.1\/pl=0%;;;0;100\n/)
    expect(Date.now() - started).toBeLessThan(4000)

    const json = await mc(['check', 'diagnose', '-t', '127.0.0.1', '--from', 'local', '--max-age', '300', '--json'], env)
    expect(json.code, json.stderr).toBe(0)
    const result = json.json<DiagnoseResult>()
    expect(result.reused).toBe(true)
    expect(result.verdicts).toEqual([expect.objectContaining({target: '127.0.0.1', kind: 'healthy'})])
    expect(result.verdicts[0].vantages).toEqual([expect.objectContaining({vantage: 'local', status: 'healthy', lossPct: 0})])
    expect(result.results.map((r) => `${r.vantage} ${r.kind} ${r.state}`).sort()).toEqual(['local path OK', 'local ping OK'])
  })

  it('a host name is resolved on the vantage point and traced at that address; an IPv6 address over IPv6', async () => {
    const run = await mc(['check', 'diagnose', '--target', 'localhost', '--from', 'local', '--count', '5', '--family', '4'], env)
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/^localhost: healthy\nlocal resolved localhost to 127\.0\.0\.1; traced over IPv4\. /)
    expect(run.stdout).toMatch(/^VANTAGE\s+ADDRESS\s+STATUS/m)
    expect(run.stdout).toMatch(/^local\s+127\.0\.0\.1\s+healthy/m)

    // Read back from the history (--max-age), the address is still there: the raw output stored names it.
    const reused = await mc(['check', 'diagnose', '-t', 'localhost', '--from', 'local', '--max-age', '300', '--json'], env)
    expect(reused.code, reused.stderr).toBe(0)
    expect(reused.json<DiagnoseResult>()).toMatchObject({reused: true, verdicts: [{addresses: [{address: '127.0.0.1', family: 4, vantages: ['local']}]}]})

    const six = await mc(['check', 'diagnose', '--target', '::1', '--from', 'local', '--count', '5', '--json'], env)
    expect(six.code, six.stderr).toBe(0)
    const [verdict] = six.json<DiagnoseResult>().verdicts
    expect(verdict).toMatchObject({kind: 'healthy', addresses: [{address: '::1', family: 6, vantages: ['local']}]})
    expect(verdict.explanation).toMatch(/^Traced over IPv6\. /)
  })

  it('a name that does not resolve is a DNS finding, not target-down; a bad --family is a usage error (2)', async () => {
    const run = await mc(['check', 'diagnose', '--target', 'no-such-host.invalid', '--from', 'local', '--count', '5', '--json'], env)
    expect(run.code, run.stderr).toBe(0)
    const [verdict] = run.json<DiagnoseResult>().verdicts
    expect(verdict.kind).toBe('inconclusive')
    expect(verdict.dnsFailures).toEqual([{vantage: 'local', error: expect.any(String)}])
    expect(verdict.explanation).toContain('DNS finding: no-such-host.invalid did not resolve on local')

    for (const args of [
      ['--family', '5'],
      ['--family', '6'],
    ]) {
      const bad = await mc(['check', 'diagnose', '--target', '127.0.0.1', '--from', 'local', ...args], env)
      expect(bad.code, bad.stderr).toBe(2)
    }
  })
})
