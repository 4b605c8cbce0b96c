import {spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync} from 'node:fs'
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest'

import type {PathHop, VantageEvidence, Verdict} from '../../src/analysis/types.js'
import {adoptAs, adoptProbes, diagnoseWithMc} from './collect-mc.js'
import {alive, run, runSync} from './exec.js'
import {
  cleanupStale,
  clearFaults,
  DELAY_MS,
  ECMP_TRANSIT,
  exited,
  EXPECTED_PATHS,
  type Fault,
  injectFault,
  LAB_ADDRESSES,
  LAB_NAME,
  type Lab,
  labNamespaces,
  labProcesses,
  setupLab,
  SECOND_TARGET,
  SERVED_PORT,
  ssh,
  TARGET,
  TARGET6,
  teardownLab,
  v6,
  VANTAGES,
  waitUntilReachable,
} from './topology.js'

/**
 * Triangulation against a real network: namespaces, veths, nftables drops, mtr, sshd. Needs root
 * (CI runs as root). Each scenario injects faults, runs `mc check diagnose` (mc in the control
 * namespace, the probes over SSH) and asserts mc's verdict; the evidence is printed with every verdict, and in the message of a failed one.
 * Run: `npx vitest run test/lab` as root; ~1 minute.
 */
const isRoot = process.getuid?.() === 0
// A scenario takes 8-20 s on a busy 2-core machine (five pings and 50 mtr rounds from each probe);
// with SSH across a lossy control path, or six processes sharing the cores, it has taken 50 s.
vi.setConfig({testTimeout: 120_000})
if (!isRoot) console.warn('test/lab: skipped: the network lab needs root (network namespaces, nftables, sshd)')

const hop = (h: PathHop) => `${h.index} ${h.address ?? '???'} ${h.lossPct}% ${h.avgMs === undefined ? '-' : h.avgMs.toFixed(1)} ms`

function show(evidence: VantageEvidence[], verdict: Verdict): string {
  const paths = evidence.map((e) => `  ${e.vantage}: ${(e.path ?? []).map((h) => hop(h)).join(' | ')}`)
  return [`verdict ${verdict.kind}${verdict.faultHop ? ` at ${verdict.faultHop.address}` : ''}: ${verdict.explanation}`, ...paths].join('\n')
}

/** Loss on every link into the transit router: the shared path there, and pc, which never crosses it, named clean. */
function expectTransitFault(verdict: Verdict, why: string, affected = ['dc', 'pa', 'pb']): void {
  expect(verdict.kind, why).toBe('shared-path')
  expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
  expect(verdict.affected, why).toEqual(affected)
  expect(verdict.healthy, why).toEqual(['pc'])
  expect(verdict.explanation, why).toContain('while pc, which does not cross that hop, reaches it cleanly')
}

describe.skipIf(!isRoot)('network lab (root only: network namespaces, nftables, sshd)', () => {
  let lab: Lab | undefined

  beforeAll(async () => {
    lab = await setupLab()
    await adoptProbes(lab)
  }, 90_000)

  afterEach(async () => {
    if (!lab) return
    await clearFaults(lab)
    await waitUntilReachable(lab)
  })

  afterAll(() => teardownLab(process.pid))

  async function diagnose(name: string, ...faults: Fault[]): Promise<{evidence: VantageEvidence[]; verdict: Verdict; why: string}> {
    return diagnoseWith(name, [], ...faults)
  }

  async function diagnoseWith(name: string, args: string[], ...faults: Fault[]): Promise<{evidence: VantageEvidence[]; verdict: Verdict; why: string}> {
    return diagnoseFrom(name, VANTAGES, args, ...faults)
  }

  async function diagnoseFrom(name: string, from: readonly string[], args: string[], ...faults: Fault[]): Promise<{evidence: VantageEvidence[]; verdict: Verdict; why: string}> {
    for (const fault of faults) await injectFault(lab!, fault)
    const {evidence, verdict} = await diagnoseWithMc(lab!, args, 150_000, from)
    const why = show(evidence, verdict)
    console.info(`lab scenario "${name}": ${why}`)
    return {evidence, verdict, why}
  }

  it('is wired as designed: probes answer SSH on their management link only, and run the check tools', async () => {
    const {ns} = lab!
    for (const v of VANTAGES) {
      expect(await run('ip', ['-n', ns[v], 'route', 'get', TARGET])).toMatch(/ via 10\.\d\.0\.1 dev lan /)
    }

    // The control namespace, where mc will run, has no route into the lab network.
    await expect(run('ip', ['netns', 'exec', ns.ctl, 'ping', '-n', '-c', '1', '-W', '1', TARGET])).rejects.toThrow(/unreachable/i)
    const outputs = await Promise.all(VANTAGES.map((v) => ssh(lab!, v, `mtr --version && /usr/lib/nagios/plugins/check_ping -H ${TARGET} -w 100,20% -c 200,50% -p 3`)))
    for (const output of outputs) expect(output).toMatch(/^mtr \d[\s\S]*PING OK - Packet loss = 0%/)

    // IPv6 twins of the same routes; each probe's SSH sessions read its own hosts file (/etc/netns/NS/hosts), which knows no lab name yet.
    for (const v of VANTAGES) expect(await run('ip', ['-n', ns[v], '-6', 'route', 'get', TARGET6])).toMatch(/ via fd00:\d::1 dev lan /)
    expect(await ssh(lab!, 'pa', `grep -c ${LAB_NAME} /etc/hosts || true`)).toBe('0\n')

    const hostAddresses = runSync('ip', ['-o', 'address', 'show'])
    for (const address of LAB_ADDRESSES) expect(hostAddresses).not.toContain(` ${address}/`)
  })

  it('healthy: every vantage point reaches the target over the designed path', async () => {
    const {evidence, verdict, why} = await diagnose('healthy')
    expect(verdict.kind, why).toBe('healthy')
    expect(verdict.healthy).toEqual([...VANTAGES])
    for (const e of evidence)
      expect(
        e.path?.map((h) => h.address),
        why,
      ).toEqual(EXPECTED_PATHS[e.vantage as keyof typeof EXPECTED_PATHS])
  })

  it('target down: every path stops at the target router', async () => {
    const {verdict, why} = await diagnose('target down', 'target-down')
    expect(verdict.kind, why).toBe('target-down')
    expect(verdict.faultHop?.address, why).toBe('10.94.0.2')
  })

  it("loss on the target's inbound link is the target's side", async () => {
    const {verdict, why} = await diagnose('target inbound loss', 'target-inbound-loss')
    expect(verdict.kind, why).toBe('target-side')
    expect(verdict.faultHop?.address, why).toBe(TARGET)
    expect(verdict.affected).toEqual([...VANTAGES])
  })

  it("loss on the data center's uplink only is the data center's side", async () => {
    const {verdict, why} = await diagnose('data center uplink loss', 'dc-uplink-loss')
    expect(verdict.kind, why).toBe('vantage-side')
    expect(verdict.affected, why).toEqual(['dc'])
    // dc's loss shows from the transit router on, which pa and pb cross cleanly: the link into it is dc's.
    expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
    expect(verdict.explanation, why).toContain('the link from hop 1 (10.1.0.1) into hop 2 (10.90.0.1)')
  })

  it('loss at the shared transit router is the shared path, and pc, which does not cross it, is named clean', async () => {
    const {verdict, why} = await diagnose('transit loss', 'transit-loss')
    expectTransitFault(verdict, why)
  })

  it('a target that drops all ICMP but serves TCP 443 is healthy, traced over TCP 443', async () => {
    const {verdict, why} = await diagnose('target drops ICMP', 'target-no-icmp')
    expect(verdict.kind, why).toBe('healthy')
    expect(verdict.tracedOver, why).toEqual({protocol: 'tcp', port: SERVED_PORT, icmpSilent: true})
    expect(verdict.healthy, why).toEqual([...VANTAGES])
    expect(verdict.explanation, why).toContain(`${TARGET} answers no ICMP echo from any vantage point; traced over TCP ${SERVED_PORT}.`)
  })

  it('the same target behind a lossy transit is the shared path at that hop, traced over TCP, pc named clean', async () => {
    const {verdict, why} = await diagnose('target drops ICMP, transit loss', 'target-no-icmp', 'transit-loss')
    expect(verdict.tracedOver?.protocol, why).toBe('tcp')
    expectTransitFault(verdict, why)
  })

  // Under auto a TCP trace beside the ICMP one, from the same vantage point, disturbed both mtr runs
  // (hops misattributed, round trips of seconds) and read transit loss as separate faults. A target
  // that answers ICMP gets the ICMP trace only: the TCP trace waits for ICMP to be heard first.
  it('a target that answers ICMP and serves TCP 443 behind a lossy transit is traced over ICMP only: the shared path, pc named clean', async () => {
    const {verdict, why} = await diagnose('target serves 443 and answers ICMP, transit loss', 'target-serves-port', 'transit-loss')
    expect(verdict.tracedOver, why).toBeUndefined()
    expect(verdict.kind, why).toBe('shared-path')
    expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
    expect(verdict.affected.toSorted(), why).toEqual(['dc', 'pa', 'pb'])
    expect(verdict.healthy, why).toEqual(['pc'])
  })

  // Retried: whether pa's handshake gets through 35 % loss within 90 s is chance (it missed about one run in four here).
  it('a probe whose SSH from mc crosses a lossy link still contributes its evidence', {timeout: 180_000, retry: 2}, async () => {
    // An SSH handshake across 35 % loss takes seconds to tens of seconds, now and then more than 40 s
    // (TCP's retransmission back-off); within the default 10 s pa is listed as unavailable when it
    // has not sent enough rounds (see the next test). Given the time, its evidence counts.
    const {verdict, why} = await diagnoseWith('transit loss, lossy control path to pa', ['--max-time', '90s'], 'transit-loss', 'pa-control-loss')
    expectTransitFault(verdict, why)
    expect(verdict.unavailable, why).toBeUndefined()
  })

  it('within the default time limit, a probe whose SSH is slow gives its evidence or is named unavailable, never a clean path', async () => {
    const {verdict, why} = await diagnose('transit loss, lossy control path to pa, 10 s', 'transit-loss', 'pa-control-loss')
    expect(verdict.kind, why).toBe('shared-path')
    expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
    expect(verdict.healthy, why).toEqual(['pc'])
    const pa = verdict.unavailable?.find((u) => u.vantage === 'pa')
    if (pa) expect(verdict.affected, why).toEqual(['dc', 'pb'])
    else expect(verdict.affected, why).toEqual(['dc', 'pa', 'pb'])
  })

  // pb's sshd again, logged into as a user with no sudo (pbu) and as one with passwordless sudo (pbs).
  it('a probe that logs in as a non-root user without sudo still gives its evidence within the default time limit', async () => {
    expect(await adoptAs(lab!, 'pbu', lab!.users.user)).toContain(`pbu logs in as ${lab!.users.user}, a non-root user without passwordless sudo`)
    const {verdict, why} = await diagnoseFrom('transit loss, pb as a non-root user', ['dc', 'pa', 'pbu', 'pc'], [], 'transit-loss')
    expectTransitFault(verdict, why, ['dc', 'pa', 'pbu'])
    expect(verdict.unavailable, why).toBeUndefined()
    expect(verdict.sampling?.limitMs, why).toBe(10_000)
    expect(verdict.sampling?.privileges, why).toEqual([{vantage: 'pbu', runAs: 'user', lanes: 6}])
    expect(verdict.explanation, why).toContain('pbu logs in as a non-root user without passwordless sudo')
  })

  it('a probe that logs in as a non-root user with passwordless sudo runs mtr through sudo -n, and says so', async () => {
    expect(await adoptAs(lab!, 'pbs', lab!.users.sudoer)).toContain(`pbs logs in as ${lab!.users.sudoer}, a non-root user with passwordless sudo`)
    const {verdict, why} = await diagnoseFrom('transit loss, pb through passwordless sudo', ['dc', 'pa', 'pbs', 'pc'], [], 'transit-loss')
    expectTransitFault(verdict, why, ['dc', 'pa', 'pbs'])
    expect(verdict.unavailable, why).toBeUndefined()
    expect(verdict.sampling?.privileges, why).toEqual([{vantage: 'pbs', runAs: 'sudo', lanes: 1}])
    expect(verdict.explanation, why).toContain("pbs ran mtr through passwordless sudo (a non-root login), at root's pace.")
  })

  it('two transit routers sharing the load per flow (ECMP) are one hop set, healthy, with no loss or path change', async () => {
    const {evidence, verdict, why} = await diagnose('ECMP transit, traced over TCP', 'target-no-icmp', 'ecmp-transit')
    expect(verdict.kind, why).toBe('healthy')
    expect(verdict.tracedOver?.protocol, why).toBe('tcp')
    expect(verdict.healthy, why).toEqual([...VANTAGES])
    // Every TCP probe is a flow of its own: ~30 of them meet both routers (all on one: 2^-29).
    for (const v of ['dc', 'pa', 'pb']) expect(evidence.find((e) => e.vantage === v)?.path?.[1].address, why).toBe(ECMP_TRANSIT.join('|'))
    expect(
      evidence.find((e) => e.vantage === 'pc')?.path?.map((h) => h.address),
      why,
    ).toEqual(EXPECTED_PATHS.pc)
  })

  it('a transit router rate-limiting its ICMP replies is healthy, and named as rate limiting', async () => {
    const {verdict, why} = await diagnose('rate-limited transit hop', 'transit-icmp-limit')
    expect(verdict.kind, why).toBe('healthy')
    expect(verdict.faultHop, why).toBeUndefined()
    expect(verdict.explanation, why).toContain('hop 2 (10.90.0.1) showed loss that did not persist')
  })

  it('two faults at once (data center uplink and target inbound) are not one cause', async () => {
    const {verdict, why} = await diagnose('two faults', 'dc-uplink-loss', 'target-inbound-loss')
    expect(verdict.kind, why).toBe('multiple-faults')
    expect(verdict.faultHop, why).toBeUndefined()
    expect(verdict.explanation, why).toContain('10.90.0.1')
    expect(verdict.explanation, why).toContain(TARGET)
  })

  it("a latency step on the data center's uplink is the data center's side", async () => {
    const {verdict, why} = await diagnose('data center uplink latency', 'dc-uplink-delay')
    expect(verdict.kind, why).toBe('vantage-side')
    expect(verdict.affected, why).toEqual(['dc'])
    expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
    const onset = verdict.vantages.find((v) => v.vantage === 'dc')?.onset
    expect(onset?.cause, why).toBe('latency')
    expect(onset?.avgMs, why).toBeGreaterThanOrEqual(DELAY_MS)
    expect(verdict.explanation, why).toContain('Only dc sees a latency step')
  })

  /** mc's verdict on another target than the lab's IPv4 address: the lab's host name, or its IPv6 address. */
  async function diagnoseTarget(name: string, target: string, ...faults: Fault[]): Promise<{evidence: VantageEvidence[]; verdict: Verdict; why: string}> {
    for (const fault of faults) await injectFault(lab!, fault)
    const {evidence, verdict} = await diagnoseWithMc(lab!, [], 150_000, VANTAGES, target)
    const why = `${show(evidence, verdict)}\n  addresses: ${JSON.stringify(verdict.addresses)} dns: ${JSON.stringify(verdict.dnsFailures)}`
    console.info(`lab scenario "${name}": ${why}`)
    return {evidence, verdict, why}
  }

  // Misread rate: 0 in 21 runs (2026-12-02, load 6-20 on 2 cores, settled in 4.3-7.7 s); in theory as the transit
  // scenario's, about one in 3,000 or better (collect-mc.ts): two lossy vantage points, each read clean with p ~ 1e-4.
  it('a name that resolves to two addresses, one of whose paths is lossy: the verdict names that address and hop', async () => {
    const {verdict, why} = await diagnoseTarget('name with two addresses, one lossy', LAB_NAME, 'geo-names', 'second-address-loss')
    expect(verdict.kind, why).toBe('shared-path')
    expect(verdict.faultAddress, why).toBe(SECOND_TARGET)
    expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
    expect(verdict.affected, why).toEqual(['pa', 'pb'])
    expect(verdict.healthy, why).toEqual(['dc', 'pc'])
    expect(verdict.addresses, why).toEqual([
      {address: TARGET, family: 4, vantages: ['dc', 'pc']},
      {address: SECOND_TARGET, family: 4, vantages: ['pa', 'pb']},
    ])
    expect(verdict.explanation, why).toContain(`dc and pc reached ${TARGET}, pa and pb reached ${SECOND_TARGET}`)
    expect(verdict.explanation, why).toContain(`On the path to ${SECOND_TARGET} (pa and pb)`)
    expect(Object.fromEntries(verdict.vantages.map((v) => [v.vantage, v.address])), why).toEqual({dc: TARGET, pa: SECOND_TARGET, pb: SECOND_TARGET, pc: TARGET})
  })

  // Misread rate: 0 in 21 runs (2026-12-02, settled in 4.1-7.2 s); in theory about one in 3,000 (three lossy
  // vantage points). pc's resolver answers from its hosts file only, so its NXDOMAIN is immediate.
  it('a name that does not resolve on one vantage point is a DNS finding for it; the verdict on the others stands', async () => {
    const {verdict, why} = await diagnoseTarget('name missing on pc, transit loss', LAB_NAME, 'name-missing-on-pc', 'transit-loss')
    expect(verdict.kind, why).toBe('shared-path')
    expect(verdict.faultHop?.address, why).toBe('10.90.0.1')
    expect(verdict.affected, why).toEqual(['dc', 'pa', 'pb'])
    expect(verdict.healthy, why).toEqual([])
    expect(verdict.unavailable, why).toBeUndefined()
    expect(
      verdict.dnsFailures?.map((f) => f.vantage),
      why,
    ).toEqual(['pc'])
    expect(verdict.dnsFailures?.[0].error, why).toMatch(/not known/i)
    expect(verdict.explanation, why).toContain(`DNS finding: ${LAB_NAME} did not resolve on pc`)
  })

  // Misread rate: 0 in 21 runs (2026-12-02, settled in 4.1-6.1 s); in theory as the IPv4 transit scenario's,
  // about one in 3,000.
  it('an IPv6 target behind a lossy transit is the shared path at the transit hop, traced over IPv6, pc named clean', async () => {
    const {verdict, why} = await diagnoseTarget('IPv6 target, transit loss', TARGET6, 'transit-loss')
    expect(verdict.kind, why).toBe('shared-path')
    expect(verdict.faultHop?.address, why).toBe(v6('10.90.0.1'))
    expect(verdict.affected, why).toEqual(['dc', 'pa', 'pb'])
    expect(verdict.healthy, why).toEqual(['pc'])
    expect(verdict.addresses, why).toEqual([{address: TARGET6, family: 6, vantages: [...VANTAGES]}])
    expect(verdict.explanation, why).toMatch(/^Traced over IPv6\. /)
    expect(verdict.explanation, why).toContain('while pc, which does not cross that hop, reaches it cleanly')
  })

  it('teardown is idempotent and leaves no namespace, sshd or lab directory behind', () => {
    const {dir} = lab!
    const sshdPids = readdirSync(dir)
      .filter((f) => f.endsWith('.pid'))
      .map((f) => Number(readFileSync(`${dir}/${f}`, 'utf8')))
    expect(sshdPids).toHaveLength(VANTAGES.length)
    expect(sshdPids.every((pid) => alive(pid))).toBe(true)

    teardownLab(process.pid)
    teardownLab(process.pid)
    lab = undefined

    expect(labNamespaces(process.pid)).toEqual([])
    expect(sshdPids.filter((pid) => !exited(pid))).toEqual([])
    expect(labProcesses(process.pid)).toEqual([])
    expect(existsSync(dir)).toBe(false)
    // The non-root login users are gone with it.
    const users = runSync('getent', ['passwd'])
      .split('\n')
      .map((line) => line.split(':')[0])
    expect(users.filter((u) => u === `mcu${process.pid}` || u === `mcs${process.pid}`)).toEqual([])
    expect(existsSync(`/etc/netns/mcl${process.pid}-pa`)).toBe(false)
  })

  it("cleanupStale removes a dead run's namespaces and leaves live ones alone", () => {
    // A PID that just ended stands for a test process killed before its teardown.
    const dead = spawnSync('true').pid!
    const stale = `mcl${dead}-dc`
    const live = `mcl${process.pid}-probe`
    runSync('ip', ['netns', 'add', stale])
    runSync('ip', ['netns', 'add', live])
    // A dead run's hosts files alone (its namespaces already gone) are stale too.
    const staleEtc = `/etc/netns/mcl${dead}-pa`
    mkdirSync(staleEtc, {recursive: true})
    try {
      cleanupStale()
      expect(existsSync(staleEtc)).toBe(false)
      expect(labNamespaces()).not.toContain(stale)
      expect(labNamespaces()).toContain(live)
    } finally {
      teardownLab(dead)
      teardownLab(process.pid)
    }
  })
})
