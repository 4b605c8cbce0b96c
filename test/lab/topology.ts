import {SSHD_TEST_POLICY} from '../helpers/sshd.js'
import {type ChildProcess, spawn} from 'node:child_process'
import {once} from 'node:events'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {setTimeout as sleep} from 'node:timers/promises'

import {alive, run, runSync} from './exec.js'

/**
 * The fault-injection lab: Linux network namespaces joined by veth pairs.
 *
 *   dc (10.1.0.10) - dcr (10.1.0.1) -+
 *   pa (10.2.0.10) - ra  (10.2.0.1) -+- tr br0 10.90.0.1 -+- br0 10.94.0.2 tgr 10.8.1.1 - tg 10.8.1.10
 *   pb (10.3.0.10) - rb  (10.3.0.1) -+   (dcr .2, ra .3,  |   (tr 10.94.0.1, rc 10.94.0.3 on tgr's bridge)
 *                                         rb .4 on it)     |
 *   pc (10.4.0.10) - rc  (10.4.0.1) -----------------------+
 *                          tr2 (10.90.0.5 on tr's bridge, 10.94.0.5 on tgr's): a second transit
 *                          router, idle until the ecmp-transit scenario splits dcr's, ra's and rb's
 *                          traffic between tr and tr2 per flow
 *
 *   ctl: 10.250.N.1/30 <-> 10.250.N.2/30 on dc, pa, pb, pc (management only: sshd listens there)
 *
 * Every probe's sshd lets in root and two non-root users named from the lab's PID, as cloud images
 * log in as admin, ubuntu or ec2-user: mcuPID (no sudo) and mcsPID (passwordless sudo).
 * Every lab link also carries IPv6: each address 10.B.C.D/24 has the ULA twin fd00:B:C::D/64 (v6()),
 * and each route its twin, so the same paths are traced over IPv6 (the control /30s stay IPv4 only).
 * The target also answers on SECOND_TARGET (10.8.1.11), the second address of the lab's host name
 * LAB_NAME, which each vantage point resolves through its own hosts file (/etc/netns/NS/hosts, which
 * `ip netns exec` mounts over /etc/hosts for the sshd it starts and every session of it).
 *
 * The transit router answers every vantage point from the one address of its bridge, so mtr shows
 * it as the same hop from everywhere and triangulation can see that the hop is shared. pc reaches
 * the target's router without crossing the transit router: the clean vantage point of a transit fault. No address
 * here is ever used in the host's own namespace: the veths are created directly inside the lab's
 * namespaces, and the host gets no address or route.
 */

export const TARGET = '10.8.1.10'

/** The lab's IPv6 twin of an IPv4 address or /24: 10.B.C.D -> fd00:B:C::D (canonical form, as mtr prints it), /24 -> /64. */
export function v6(v4: string): string {
  const [address, length] = v4.split('/')
  const [, b, c, d] = address.split('.')
  const base = c === '0' ? `fd00:${b}::` : `fd00:${b}:${c}::`
  return `${base}${d === '0' ? '' : d}${length === undefined ? '' : '/64'}`
}

export const TARGET6 = v6(TARGET)
/** The target's second IPv4 address, on the same link: the lab name's other answer. */
export const SECOND_TARGET = '10.8.1.11'
/** A host name only the vantage points' own hosts files know (RFC 6761 .test). */
export const LAB_NAME = 'api.mc-lab.test'
export const VANTAGES = ['dc', 'pa', 'pb', 'pc'] as const
export type Vantage = (typeof VANTAGES)[number]

const ROLES = ['ctl', 'dc', 'pa', 'pb', 'pc', 'dcr', 'ra', 'rb', 'rc', 'tr', 'tr2', 'tgr', 'tg'] as const
export type Role = (typeof ROLES)[number]
const ROUTERS: Role[] = ['dcr', 'ra', 'rb', 'rc', 'tr', 'tr2', 'tgr']

/** What mtr shows from each vantage point when nothing is wrong. */
export const EXPECTED_PATHS: Record<Vantage, string[]> = {
  dc: ['10.1.0.1', '10.90.0.1', '10.94.0.2', TARGET],
  pa: ['10.2.0.1', '10.90.0.1', '10.94.0.2', TARGET],
  pb: ['10.3.0.1', '10.90.0.1', '10.94.0.2', TARGET],
  pc: ['10.4.0.1', '10.94.0.2', TARGET],
}

/** The same paths over IPv6. */
export const EXPECTED_PATHS6: Record<Vantage, string[]> = Object.fromEntries(Object.entries(EXPECTED_PATHS).map(([v, path]) => [v, path.map((address) => v6(address))])) as Record<
  Vantage,
  string[]
>

const MGMT: Record<Vantage, {ctl: string; vantage: string}> = {
  dc: {ctl: '10.250.1.1', vantage: '10.250.1.2'},
  pa: {ctl: '10.250.2.1', vantage: '10.250.2.2'},
  pb: {ctl: '10.250.3.1', vantage: '10.250.3.2'},
  pc: {ctl: '10.250.4.1', vantage: '10.250.4.2'},
}

type End = {role: Role; dev: string; address?: string}

/** Veth pairs. tr's ports toward the three routers carry no address: they are ports of its bridge. */
const LINKS: Array<[End, End]> = [
  [
    {role: 'dc', dev: 'lan', address: '10.1.0.10/24'},
    {role: 'dcr', dev: 'lan', address: '10.1.0.1/24'},
  ],
  [
    {role: 'pa', dev: 'lan', address: '10.2.0.10/24'},
    {role: 'ra', dev: 'lan', address: '10.2.0.1/24'},
  ],
  [
    {role: 'pb', dev: 'lan', address: '10.3.0.10/24'},
    {role: 'rb', dev: 'lan', address: '10.3.0.1/24'},
  ],
  [
    {role: 'pc', dev: 'lan', address: '10.4.0.10/24'},
    {role: 'rc', dev: 'lan', address: '10.4.0.1/24'},
  ],
  [
    {role: 'dcr', dev: 'wan', address: '10.90.0.2/24'},
    {role: 'tr', dev: 'p-dcr'},
  ],
  [
    {role: 'ra', dev: 'wan', address: '10.90.0.3/24'},
    {role: 'tr', dev: 'p-ra'},
  ],
  [
    {role: 'rb', dev: 'wan', address: '10.90.0.4/24'},
    {role: 'tr', dev: 'p-rb'},
  ],
  [
    {role: 'tr', dev: 'to-tgr', address: '10.94.0.1/24'},
    {role: 'tgr', dev: 'wan'},
  ],
  [
    {role: 'rc', dev: 'wan', address: '10.94.0.3/24'},
    {role: 'tgr', dev: 'p-rc'},
  ],
  [
    {role: 'tr2', dev: 'wan', address: '10.90.0.5/24'},
    {role: 'tr', dev: 'p-tr2'},
  ],
  [
    {role: 'tr2', dev: 'to-tgr', address: '10.94.0.5/24'},
    {role: 'tgr', dev: 'p-tr2'},
  ],
  [
    {role: 'tgr', dev: 'lan', address: '10.8.1.1/24'},
    {role: 'tg', dev: 'lan', address: `${TARGET}/24`},
  ],
  ...VANTAGES.map((v): [End, End] => [
    {role: 'ctl', dev: `m-${v}`, address: `${MGMT[v].ctl}/30`},
    {role: v, dev: 'mgmt', address: `${MGMT[v].vantage}/30`},
  ]),
]

const BRIDGE_PORTS = ['p-dcr', 'p-ra', 'p-rb']

/** Routers whose ports share one subnet through a bridge that carries the router's address. */
const BRIDGES: Array<{role: Role; address: string; ports: string[]}> = [
  {role: 'tr', address: '10.90.0.1/24', ports: [...BRIDGE_PORTS, 'p-tr2']},
  {role: 'tgr', address: '10.94.0.2/24', ports: ['wan', 'p-rc', 'p-tr2']},
]

/** Every address the lab uses, none of which may ever appear in the host's own namespace. */
const V4_ADDRESSES = [...BRIDGES.map((b) => b.address.split('/')[0]), ...LINKS.flat().flatMap((end) => (end.address ? [end.address.split('/')[0]] : []))]
export const LAB_ADDRESSES = [...V4_ADDRESSES, SECOND_TARGET, ...V4_ADDRESSES.filter((a) => !a.startsWith('10.250.')).map((a) => v6(a))]

/** Lab traffic links carry IPv6 too; the control /30s (ctl, mgmt) do not. */
const dualStack = (end: End) => end.role !== 'ctl' && end.dev !== 'mgmt'

/** Static routes. ctl has none: it reaches only the /30s it is connected to, so no lab traffic crosses it. */
const ROUTES: Partial<Record<Role, string[][]>> = {
  dc: [['default', 'via', '10.1.0.1']],
  pa: [['default', 'via', '10.2.0.1']],
  pb: [['default', 'via', '10.3.0.1']],
  pc: [['default', 'via', '10.4.0.1']],
  rc: [['default', 'via', '10.94.0.2']],
  dcr: [['default', 'via', '10.90.0.1']],
  ra: [['default', 'via', '10.90.0.1']],
  rb: [['default', 'via', '10.90.0.1']],
  tr: [
    ['10.1.0.0/24', 'via', '10.90.0.2'],
    ['10.2.0.0/24', 'via', '10.90.0.3'],
    ['10.3.0.0/24', 'via', '10.90.0.4'],
    ['10.8.1.0/24', 'via', '10.94.0.2'],
  ],
  tr2: [
    ['10.1.0.0/24', 'via', '10.90.0.2'],
    ['10.2.0.0/24', 'via', '10.90.0.3'],
    ['10.3.0.0/24', 'via', '10.90.0.4'],
    ['10.8.1.0/24', 'via', '10.94.0.2'],
  ],
  tgr: [
    ['default', 'via', '10.94.0.1'],
    ['10.4.0.0/24', 'via', '10.94.0.3'],
  ],
  tg: [['default', 'via', '10.8.1.1']],
}

export type Lab = {
  /** Keys, sshd configs, pidfiles and logs of this run. */
  dir: string
  target: string
  ns: Record<Role, string>
  /** Where each vantage's sshd listens: reachable from the ctl namespace only. */
  mgmt: Record<Vantage, string>
  /** Private key that every probe's sshd accepts, and a known_hosts file with their host keys. */
  clientKey: string
  knownHosts: string
  faults: Set<Fault>
  /** Non-root login users on every probe (named from the lab's PID): `user` has no sudo, `sudoer` passwordless sudo. */
  users: {user: string; sudoer: string}
  delayForwarder?: ChildProcess
  tcpListener?: ChildProcess
}

/** Namespaces carry the owning process's PID, so cleanup can tell this run's lab from a dead run's. */
const OWNED = /^mcl(\d+)-/
const nsName = (pid: number, role: Role) => `mcl${pid}-${role}`
const labDir = (pid: number) => join(tmpdir(), `mcl${pid}`)

/** Removes this process's exit and signal handlers once its lab is gone. */
let disarm: (() => void) | undefined

export function labNamespaces(pid?: number): string[] {
  return runSync('ip', ['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0])
    .filter((name) => OWNED.test(name) && (pid === undefined || name.startsWith(`mcl${pid}-`)))
}

/**
 * Build the lab, owned by this process. Removes first whatever a dead run left behind, and any lab
 * this process built before, so setup can be repeated; if any step fails, everything built is torn
 * down.
 */
export async function setupLab(): Promise<Lab> {
  const {pid} = process
  cleanupStale()
  teardownLab(pid)
  const dir = labDir(pid)
  const lab: Lab = {
    dir,
    target: TARGET,
    ns: Object.fromEntries(ROLES.map((role) => [role, nsName(pid, role)])) as Record<Role, string>,
    mgmt: Object.fromEntries(VANTAGES.map((v) => [v, MGMT[v].vantage])) as Record<Vantage, string>,
    clientKey: join(dir, 'client_key'),
    knownHosts: join(dir, 'known_hosts'),
    faults: new Set(),
    users: labUsers(pid),
  }
  disarm = armExitTeardown(pid)
  try {
    mkdirSync(dir, {recursive: true, mode: 0o700})
    for (const v of VANTAGES) writeHosts(lab, v, [])
    await buildNetwork(lab)
    await startProbesSshd(lab)
    await addLoginUsers(lab)
    await waitUntilReachable(lab)
    return lab
  } catch (error) {
    teardownLab(pid)
    throw error
  }
}

const ip = (lab: Lab, role: Role, ...args: string[]) => run('ip', ['-n', lab.ns[role], ...args])
const sysctl = (lab: Lab, role: Role, settings: string[]) => run('ip', ['netns', 'exec', lab.ns[role], 'sysctl', '-q', '-w', ...settings])

async function buildNetwork(lab: Lab): Promise<void> {
  for (const role of ROLES) {
    await run('ip', ['netns', 'add', lab.ns[role]])
    await ip(lab, role, 'link', 'set', 'lo', 'up')
  }

  // Before any interface exists, so the defaults apply to every one of them. No redirects: the
  // three routers share tr's subnet and must not be told to shortcut. No ICMP rate limit: a lab
  // router's time-exceeded replies are all sent unless a scenario drops some on purpose. No
  // reverse-path filter: the delay forwarder's device hands back packets from the vantage's LAN.
  for (const role of ROUTERS) {
    await sysctl(lab, role, [
      'net.ipv4.ip_forward=1',
      'net.ipv4.icmp_ratelimit=0',
      'net.ipv4.conf.all.send_redirects=0',
      'net.ipv4.conf.default.send_redirects=0',
      'net.ipv4.conf.all.rp_filter=0',
      'net.ipv4.conf.default.rp_filter=0',
      'net.ipv6.conf.all.forwarding=1',
      'net.ipv6.icmp.ratelimit=0',
    ])
  }

  // IPv6 everywhere without duplicate address detection (an address is usable at once, not after a
  // second or two), and kept when a link goes down (the target-down fault), as IPv4 addresses are.
  for (const role of ROLES) {
    await sysctl(lab, role, [
      'net.ipv6.conf.all.accept_dad=0',
      'net.ipv6.conf.default.accept_dad=0',
      'net.ipv6.conf.all.keep_addr_on_down=1',
      'net.ipv6.conf.default.keep_addr_on_down=1',
    ])
  }

  for (const bridge of BRIDGES) {
    // No multicast snooping: IPv6 neighbour discovery is multicast, and nothing here is an MLD querier.
    await ip(lab, bridge.role, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
    await ip(lab, bridge.role, 'address', 'add', bridge.address, 'dev', 'br0')
    await ip(lab, bridge.role, 'address', 'add', v6(bridge.address), 'dev', 'br0', 'nodad')
    await ip(lab, bridge.role, 'link', 'set', 'br0', 'up')
  }

  for (const [a, b] of LINKS) {
    // Created directly inside both namespaces: the host's namespace never sees these interfaces.
    await run('ip', ['link', 'add', 'name', a.dev, 'netns', lab.ns[a.role], 'type', 'veth', 'peer', 'name', b.dev, 'netns', lab.ns[b.role]])
    for (const end of [a, b]) {
      if (end.address) await ip(lab, end.role, 'address', 'add', end.address, 'dev', end.dev)
      if (end.address && dualStack(end)) await ip(lab, end.role, 'address', 'add', v6(end.address), 'dev', end.dev, 'nodad')
      if (BRIDGES.some((b) => b.role === end.role && b.ports.includes(end.dev))) await ip(lab, end.role, 'link', 'set', end.dev, 'master', 'br0')
      await ip(lab, end.role, 'link', 'set', end.dev, 'up')
    }
  }

  await ip(lab, 'tg', 'address', 'add', `${SECOND_TARGET}/24`, 'dev', 'lan')
  for (const [role, routes] of Object.entries(ROUTES) as Array<[Role, string[][]]>) {
    for (const route of routes) {
      await ip(lab, role, 'route', 'add', ...route)
      await ip(lab, role, '-6', 'route', 'add', ...route6(route))
    }
  }
}

/** A route's IPv6 twin: the same destination and gateway through v6(). */
const route6 = (route: string[]) => route.map((word) => (word === 'default' || word === 'via' ? word : v6(word)))

/** What every vantage point's hosts file holds besides the lab's names. */
const BASE_HOSTS = '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n'
const NETNS_ETC = '/etc/netns'
const hostsDir = (lab: Lab, v: Vantage) => join(NETNS_ETC, lab.ns[v])

/**
 * Each vantage point's own /etc/hosts: `ip netns exec` mounts /etc/netns/NS/hosts over /etc/hosts
 * (and nsswitch.conf over /etc/nsswitch.conf)
 * for what it starts (the probe's sshd, so every SSH session there), if the file exists by then.
 * Rewritten in place (same inode), so a scenario can change a running probe's answers.
 */
function writeHosts(lab: Lab, v: Vantage, entries: Array<[address: string, name: string]>): void {
  mkdirSync(hostsDir(lab, v), {recursive: true})
  // The hosts file only (no DNS server in the lab, whose queries would time out): a name it lacks is
  // NXDOMAIN at once, "Name or service not known".
  const nsswitch = join(hostsDir(lab, v), 'nsswitch.conf')
  if (!existsSync(nsswitch)) writeFileSync(nsswitch, readFileSync('/etc/nsswitch.conf', 'utf8').replace(/^hosts:.*$/m, 'hosts: files'))
  writeFileSync(join(hostsDir(lab, v), 'hosts'), BASE_HOSTS + entries.map(([address, name]) => `${address} ${name}\n`).join(''))
}

const sshdFiles = (lab: Lab, v: Vantage) => ({
  config: join(lab.dir, `sshd-${v}.conf`),
  hostKey: join(lab.dir, `host-key-${v}`),
  pidFile: join(lab.dir, `sshd-${v}.pid`),
  log: join(lab.dir, `sshd-${v}.log`),
})

async function keygen(path: string, comment: string): Promise<string> {
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path])
  return readFileSync(`${path}.pub`, 'utf8').trim()
}

/**
 * A real OpenSSH sshd in every probe, listening on its management address only, as mc will find
 * probes in a cloud: key login for root, nothing else. `SetEnv SHLVL=1` keeps bash from running
 * root's .bashrc (pyenv init, ~0.3 s) on every command.
 */
async function startProbesSshd(lab: Lab): Promise<void> {
  mkdirSync('/run/sshd', {recursive: true, mode: 0o755})
  const clientPublic = await keygen(lab.clientKey, 'mc-lab-client')
  writeFileSync(join(lab.dir, 'authorized_keys'), `${clientPublic}\n`, {mode: 0o600})
  const known: string[] = []
  for (const v of VANTAGES) {
    const files = sshdFiles(lab, v)
    const hostPublic = await keygen(files.hostKey, `mc-lab-${v}`)
    known.push(`${lab.mgmt[v]} ${hostPublic.split(' ').slice(0, 2).join(' ')}`)
    writeFileSync(
      files.config,
      [
        `ListenAddress ${lab.mgmt[v]}:22`,
        `HostKey ${files.hostKey}`,
        `PidFile ${files.pidFile}`,
        // root's keys in the lab's directory; the non-root users' in their own homes (sshd reads them as that user).
        `AuthorizedKeysFile ${join(lab.dir, 'authorized_keys')} .ssh/authorized_keys`,
        ...SSHD_TEST_POLICY,
      ].join('\n') + '\n',
    )
    await run('ip', ['netns', 'exec', lab.ns[v], '/usr/sbin/sshd', '-f', files.config, '-E', files.log])
    await waitFor(
      () => existsSync(files.pidFile),
      5000,
      () => `sshd in ${lab.ns[v]} to start: ${readFileSync(files.log, 'utf8')}`,
    )
  }

  writeFileSync(lab.knownHosts, known.join('\n') + '\n')
}

/** The lab's non-root login users, named from its PID so parallel labs never share one. */
const labUsers = (pid: number) => ({user: `mcu${pid}`, sudoer: `mcs${pid}`})
const homeOf = (user: string) => join(tmpdir(), `mcl-home-${user}`)
/** sudo reads every file in /etc/sudoers.d whose name has no "." and does not end in "~". */
const sudoersFile = (pid: number) => `/etc/sudoers.d/mcl${pid}`

/**
 * Two login users as cloud images have them (admin, ubuntu, ec2-user): a home with the lab's client
 * key in ~/.ssh/authorized_keys, /bin/sh, no password (`*`: no password login, but not a locked account,
 * which sshd without PAM refuses). `sudoer` gets passwordless sudo from a sudoers.d file. The users
 * exist on the host, so every probe namespace (and its sshd) knows them; teardownLab removes them.
 */
async function addLoginUsers(lab: Lab): Promise<void> {
  const {pid} = process
  const key = readFileSync(`${lab.clientKey}.pub`, 'utf8')
  for (const user of [lab.users.user, lab.users.sudoer]) {
    const home = homeOf(user)
    await run('useradd', ['--home-dir', home, '--no-create-home', '--shell', '/bin/sh', '--password', '*', '--user-group', user])
    mkdirSync(join(home, '.ssh'), {recursive: true, mode: 0o700})
    writeFileSync(join(home, '.ssh', 'authorized_keys'), key, {mode: 0o600})
    await run('chown', ['-R', `${user}:${user}`, home])
    await run('chmod', ['0755', home])
  }

  writeFileSync(sudoersFile(pid), `${lab.users.sudoer} ALL=(root) NOPASSWD: ALL\n`, {mode: 0o440})
  await run('visudo', ['-c', '-q', '-f', sudoersFile(pid)])
}

/** Remove a lab's login users, their homes and its sudoers file; synchronous, for teardown from an 'exit' handler. */
function removeLoginUsers(pid: number): void {
  rmSync(sudoersFile(pid), {force: true})
  for (const user of Object.values(labUsers(pid))) {
    try {
      runSync('id', ['-u', user])
      runSync('userdel', ['--force', user])
    } catch {
      // Not there (a lab that never got this far, or a second teardown).
    }
    rmSync(homeOf(user), {recursive: true, force: true})
  }
}

/** Run a command line on a probe over SSH from the ctl namespace, as mc will; the probe's shell runs it. */
export function ssh(lab: Lab, v: Vantage, command: string): Promise<string> {
  return run(
    'ip',
    [
      'netns',
      'exec',
      lab.ns.ctl,
      'ssh',
      '-F',
      '/dev/null',
      '-i',
      lab.clientKey,
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${lab.knownHosts}`,
      '-o',
      'ConnectTimeout=5',
      `root@${lab.mgmt[v]}`,
      '--',
      command,
    ],
    {timeoutMs: 20_000},
  )
}

/** The lab is ready when every vantage point reaches the target: this also fills the ARP caches. */
export async function waitUntilReachable(lab: Lab): Promise<void> {
  await Promise.all(
    VANTAGES.map(async (v) => {
      const deadline = Date.now() + 10_000
      for (;;) {
        try {
          await run('ip', ['netns', 'exec', lab.ns[v], 'ping', '-n', '-q', '-c', '1', '-W', '1', lab.target])
          return
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`${v} cannot reach ${lab.target}: ${(error as Error).message}`)
          await sleep(100)
        }
      }
    }),
  )
}

/**
 * Faults. Loss is dropped on the RECEIVING side of a link (netdev ingress): dropped on the
 * sender's egress the kernel just retries and nothing is lost. Loss is 30 % (see collect-mc.ts
 * for how that and mtr's round count keep verdicts stable). Each fault is undone by deleting its
 * nftables table, or by undoing exactly what it set up.
 */
export type Fault =
  | 'target-down'
  | 'target-inbound-loss'
  | 'dc-uplink-loss'
  | 'transit-loss'
  | 'transit-icmp-limit'
  | 'dc-uplink-delay'
  | 'target-no-icmp'
  | 'target-serves-port'
  | 'pa-control-loss'
  | 'ecmp-transit'
  | 'geo-names'
  | 'second-address-loss'
  | 'name-missing-on-pc'

type FaultControl = {inject(lab: Lab): Promise<void>; clear(lab: Lab): Promise<void>}

function nftFault(role: Role, family: 'inet' | 'ip' | 'netdev', name: string, chains: string[]): FaultControl {
  const ruleset = `table ${family} ${name} {\n${chains.map((chain, i) => `  chain c${i} { ${chain}; }`).join('\n')}\n}\n`
  return {
    async inject(lab) {
      await run('ip', ['netns', 'exec', lab.ns[role], 'nft', '-f', '-'], {input: ruleset})
    },
    async clear(lab) {
      await run('ip', ['netns', 'exec', lab.ns[role], 'nft', 'delete', 'table', family, name])
    },
  }
}

/**
 * Both families: IPv4 and IPv6 packets alike. IPv6's neighbour discovery passes (as IPv4's ARP, not an
 * IP packet, always did): a router that loses its neighbours would drop far more than 30 %.
 */
const ingressLoss = (role: Role, name: string, devices: string[], match = 'meta protocol { ip, ip6 }') =>
  nftFault(
    role,
    'netdev',
    name,
    devices.map(
      (device) =>
        `type filter hook ingress device "${device}" priority 0; icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit, nd-router-advert } accept; ${match} numgen random mod 100 < 30 counter drop`,
    ),
  )

/** Hosts files as a fault: written on inject, back to BASE_HOSTS on clear. */
const names = (perVantage: Partial<Record<Vantage, string[]>>): FaultControl => ({
  async inject(lab) {
    for (const v of VANTAGES)
      writeHosts(
        lab,
        v,
        (perVantage[v] ?? []).map((address) => [address, LAB_NAME]),
      )
  },
  async clear(lab) {
    for (const v of VANTAGES) writeHosts(lab, v, [])
  },
})

/** Added to the path of dc's traffic to the target at dc's router: 2x the analysis's 100 ms step. */
export const DELAY_MS = 200
const FORWARDER = fileURLToPath(new URL('delay-forwarder.py', import.meta.url))
const DELAY_TABLE = '100'

/** The port a target that drops ICMP serves, as an EC2 instance whose security group lets in HTTPS only. */
export const SERVED_PORT = 443
const TCP_LISTENER = fileURLToPath(new URL('tcp-listener.py', import.meta.url))
const noIcmp = nftFault('tg', 'inet', 'mc_no_icmp', [
  `type filter hook input priority 0; meta l4proto { icmp, ipv6-icmp } drop; tcp dport != ${SERVED_PORT} drop; meta l4proto udp drop`,
  'type filter hook output priority 0; meta l4proto { icmp, ipv6-icmp } drop',
])

/** A helper process in a lab namespace that prints one line once it is ready. */
async function startHelper(lab: Lab, role: Role, args: string[]): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', lab.ns[role], '/usr/bin/python3', ...args], {stdio: ['ignore', 'pipe', 'pipe']})
  await new Promise<void>((resolve, reject) => {
    let stderr = ''
    child.stderr!.on('data', (chunk) => {
      stderr += chunk
    })
    child.stdout!.once('data', () => resolve())
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`${args[0]} exited (${code}): ${stderr}`)))
  })
  return child
}

async function stopHelper(child: ChildProcess | undefined): Promise<void> {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
}

/** Several faults as one: injected in order, cleared in reverse. */
const together = (...parts: FaultControl[]): FaultControl => ({
  async inject(lab) {
    for (const part of parts) await part.inject(lab)
  },
  async clear(lab) {
    for (const part of parts.toReversed()) await part.clear(lab)
  },
})

/** The target's service on SERVED_PORT (accepting every connection), run while the fault lasts. */
const servePort: FaultControl = {
  async inject(lab) {
    lab.tcpListener = await startHelper(lab, 'tg', [TCP_LISTENER, TARGET, String(SERVED_PORT)])
  },
  async clear(lab) {
    await stopHelper(lab.tcpListener)
    lab.tcpListener = undefined
  },
}

/** The two transit routers the ecmp-transit scenario splits the outside probes' traffic between. */
export const ECMP_TRANSIT = ['10.90.0.1', '10.90.0.5']
const ECMP_ROUTERS: Role[] = ['dcr', 'ra', 'rb']

const FAULTS: Record<Fault, FaultControl> = {
  // Not a fault: LAB_NAME answers as GeoDNS would, each vantage point with one address: dc and pc
  // get the target's first address, pa and pb its second.
  'geo-names': names({dc: [TARGET], pc: [TARGET], pa: [SECOND_TARGET], pb: [SECOND_TARGET]}),
  // LAB_NAME resolves on dc, pa and pb, and not on pc (no such name there: NXDOMAIN, as getaddrinfo says it).
  'name-missing-on-pc': names({dc: [TARGET], pa: [TARGET], pb: [TARGET]}),
  // Loss on the path to the second address only: dropped by destination as it arrives at the
  // transit router, so the path to TARGET through the same router stays clean.
  'second-address-loss': ingressLoss('tr', 'mc_second_address', BRIDGE_PORTS, `ip daddr ${SECOND_TARGET}`),
  // Not a fault: per-flow load balancing (ECMP). dcr, ra and rb route to the target over tr and tr2
  // at once, hashing each flow's addresses and ports (fib_multipath_hash_policy=1), as clouds and
  // carriers do: a TCP trace, whose every probe is a new flow, meets both routers at hop 2.
  'ecmp-transit': {
    async inject(lab) {
      for (const role of ECMP_ROUTERS) {
        await run('ip', ['netns', 'exec', lab.ns[role], 'sysctl', '-q', '-w', 'net.ipv4.fib_multipath_hash_policy=1'])
        await ip(lab, role, 'route', 'replace', 'default', ...ECMP_TRANSIT.flatMap((via) => ['nexthop', 'via', via]))
      }
    },
    async clear(lab) {
      for (const role of ECMP_ROUTERS) {
        await ip(lab, role, 'route', 'replace', 'default', 'via', ECMP_TRANSIT[0])
        await run('ip', ['netns', 'exec', lab.ns[role], 'sysctl', '-q', '-w', 'net.ipv4.fib_multipath_hash_policy=0'])
      }
    },
  },
  // mc's own SSH to pa crosses a lossy link (both directions of the management link): pa's control
  // path is as bad as a faulty transit, while its view of the target is untouched.
  'pa-control-loss': together(ingressLoss('pa', 'mc_pa_control_in', ['mgmt']), ingressLoss('ctl', 'mc_pa_control_out', ['m-pa'])),
  // Not a fault but the usual cloud firewall: the target drops every ICMP packet (no echo reply,
  // nothing it sends) and every port but SERVED_PORT, where it accepts connections.
  'target-no-icmp': together(servePort, noIcmp),
  // Not a fault: the target answers ICMP as before and also serves SERVED_PORT, one of the ports
  // --protocol auto would trace over: a web server that answers ping.
  'target-serves-port': servePort,
  // The target's link goes down: its router answers for it with host-unreachable, or not at all.
  'target-down': {
    async inject(lab) {
      await ip(lab, 'tg', 'link', 'set', 'lan', 'down')
    },
    async clear(lab) {
      await ip(lab, 'tg', 'link', 'set', 'lan', 'up')
      // The default route went away with the link.
      await ip(lab, 'tg', 'route', 'replace', 'default', 'via', '10.8.1.1')
      await ip(lab, 'tg', '-6', 'route', 'replace', 'default', 'via', v6('10.8.1.1'))
    },
  },
  // Probes dropped as they arrive at the target: every vantage point's loss starts at the target.
  'target-inbound-loss': ingressLoss('tg', 'mc_target_inbound', ['lan']),
  // Dropped as dcr's packets arrive at the transit router: only dc's loss, from hop 2 on.
  'dc-uplink-loss': ingressLoss('tr', 'mc_dc_uplink', ['p-dcr']),
  // Dropped on every link into the transit router: everyone's loss starts at 10.90.0.1.
  'transit-loss': ingressLoss('tr', 'mc_transit', BRIDGE_PORTS),
  // Half the time-exceeded replies the transit router itself sends: loss at that hop only, as a
  // router that rate-limits ICMP shows it; traffic through it is untouched.
  'transit-icmp-limit': nftFault('tr', 'ip', 'mc_transit_icmp_limit', ['type filter hook output priority 0; icmp type time-exceeded numgen random mod 100 < 50 counter drop']),
  // dcr routes dc's traffic to the target through the delay forwarder's TUN device, and what comes
  // back out of it (policy routing by incoming device) on to the transit router: dc's latency
  // steps up from hop 2, the transit router, which pa and pb reach at normal speed.
  'dc-uplink-delay': {
    async inject(lab) {
      lab.delayForwarder = await startHelper(lab, 'dcr', [FORWARDER, 'tun0', String(DELAY_MS)])
      await ip(lab, 'dcr', 'link', 'set', 'tun0', 'up')
      await ip(lab, 'dcr', 'route', 'add', 'default', 'via', '10.90.0.1', 'table', DELAY_TABLE)
      await ip(lab, 'dcr', 'rule', 'add', 'iif', 'tun0', 'lookup', DELAY_TABLE)
      await ip(lab, 'dcr', 'route', 'add', `${TARGET}/32`, 'dev', 'tun0')
    },
    async clear(lab) {
      await stopHelper(lab.delayForwarder)
      lab.delayForwarder = undefined
      // The route into tun0 went with the device.
      await ip(lab, 'dcr', 'rule', 'del', 'iif', 'tun0', 'lookup', DELAY_TABLE)
      await ip(lab, 'dcr', 'route', 'flush', 'table', DELAY_TABLE)
    },
  },
}

export async function injectFault(lab: Lab, fault: Fault): Promise<void> {
  // Recorded first, so a fault that fails half-way is still cleared.
  lab.faults.add(fault)
  await FAULTS[fault].inject(lab)
}

/** Undo every injected fault. */
export async function clearFaults(lab: Lab): Promise<void> {
  for (const fault of lab.faults) {
    lab.faults.delete(fault)
    await FAULTS[fault].clear(lab)
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** Tear down even if the test process ends without afterAll: on exit, and on a signal (then re-raised). */
function armExitTeardown(pid: number): () => void {
  const onExit = () => teardownLab(pid)
  const onSignal = (signal: NodeJS.Signals) => {
    teardownLab(pid)
    process.kill(process.pid, signal)
  }

  process.once('exit', onExit)
  for (const signal of SIGNALS) process.once(signal, onSignal)
  return () => {
    process.off('exit', onExit)
    for (const signal of SIGNALS) process.off(signal, onSignal)
  }
}

/**
 * Remove the lab of one owner PID: its sshds (by their pidfiles), anything else still running in
 * its namespaces (a process keeps a deleted namespace, and its veths, alive), the namespaces, and
 * its files. Synchronous, so it also works from an 'exit' handler; a no-op when nothing is left.
 */
export function teardownLab(pid: number): void {
  const dir = labDir(pid)
  const killed: number[] = []
  const kill = (id: number) => {
    if (id > 0 && alive(id)) {
      process.kill(id, 'SIGKILL')
      killed.push(id)
    }
  }

  if (existsSync(dir)) {
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.pid'))) kill(Number(readFileSync(join(dir, file), 'utf8').trim()))
  }

  const namespaces = labNamespaces(pid)
  for (const name of namespaces) for (const id of runSync('ip', ['netns', 'pids', name]).split('\n').filter(Boolean)) kill(Number(id))
  // A killed process holds its namespace until it has really exited: wait, so nothing outlives teardown.
  waitSync(
    () => killed.every((id) => exited(id)),
    5000,
    () => `processes ${killed.join(', ')} of lab ${pid} to exit`,
  )
  for (const name of namespaces) runSync('ip', ['netns', 'delete', name])
  // The vantage points' hosts files (writeHosts), whether or not their namespaces still exist.
  for (const name of ownedNetnsEtc(pid)) rmSync(join(NETNS_ETC, name), {recursive: true, force: true})

  removeLoginUsers(pid)
  rmSync(dir, {recursive: true, force: true})
  if (pid === process.pid && disarm) {
    disarm()
    disarm = undefined
  }
}

/** This lab's directories under /etc/netns (of one owner PID, or of every owner). */
function ownedNetnsEtc(pid?: number): string[] {
  if (!existsSync(NETNS_ETC)) return []
  return readdirSync(NETNS_ETC).filter((name) => OWNED.test(name) && (pid === undefined || name.startsWith(`mcl${pid}-`)))
}

/** Gone, or a zombie: a zombie has already left its namespaces. */
export function exited(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /s, '')
      .startsWith('Z')
  } catch {
    return true
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4))

function waitSync(condition: () => boolean, timeoutMs: number, what: () => string): void {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`)
    Atomics.wait(pause, 0, 0, 10)
  }
}

/**
 * Remove labs whose owner process is gone (a run killed before its teardown). A PID the system has
 * since given to another process keeps its stale lab until that process ends too.
 */
export function cleanupStale(): void {
  const owners = new Set<number>()
  for (const name of [...labNamespaces(), ...ownedNetnsEtc()]) owners.add(Number(OWNED.exec(name)![1]))
  for (const name of readdirSync(tmpdir())) {
    const match = /^mcl(\d+)$/.exec(name) ?? /^mcl-home-mc[us](\d+)$/.exec(name)
    if (match) owners.add(Number(match[1]))
  }

  for (const pid of owners) if (pid !== process.pid && !alive(pid)) teardownLab(pid)
}

/** Processes of this lab still running: anything in its namespaces, and any sshd started from its directory. */
export function labProcesses(pid: number): number[] {
  const found = new Set<number>()
  for (const name of labNamespaces(pid)) for (const id of runSync('ip', ['netns', 'pids', name]).split('\n').filter(Boolean)) found.add(Number(id))
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(labDir(pid) + '/')) found.add(Number(entry))
    } catch {
      // The process ended while we looked.
    }
  }

  return [...found]
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`)
    await sleep(20)
  }
}
