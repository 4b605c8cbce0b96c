import {userLanes} from '../analysis/round-sizing.js'
import type {SshPool} from '../ssh/pool.js'
import type {Probe} from '../store/inventory.js'
import {DEFAULT_MAX_TIME_MS} from './diagnose.js'
import {sshTarget} from './probe-session.js'

/** root, a non-root user with passwordless sudo (`sudo -n true` succeeds), or a plain user. */
export type LoginPrivilege = 'root' | 'sudo' | 'user'

/** Prints the login's uid, then whether sudo works without a password; exits 0 either way. */
const DETECT = 'id -u && { sudo -n true >/dev/null 2>&1 && echo sudo || echo user; }'

/** What the login user may do on the probe, as a diagnosis will find it (checks/commands.ts decides the same way). */
export function parseLoginPrivilege(stdout: string): LoginPrivilege | undefined {
  const [uid, sudo] = stdout.trim().split('\n')
  if (!/^\d+$/.test(uid ?? '')) return undefined
  if (uid === '0') return 'root'
  return sudo === 'sudo' ? 'sudo' : 'user'
}

/** How the probe's login may run mtr; undefined when it cannot be told (the probe stopped answering). */
export async function loginPrivilege(pool: SshPool, probe: Probe, timeoutMs = 20_000): Promise<LoginPrivilege | undefined> {
  try {
    const result = await pool.executor(sshTarget(probe)).exec(DETECT, {timeoutMs})
    if (result.exitCode === 0) return parseLoginPrivilege(result.stdout)
  } catch {
    // Only a note is lost: the probe was added a moment ago, and a diagnosis decides again each time.
  }
  return undefined
}

/** One line for `probe add` about a non-root login: how diagnoses will trace from it. Nothing for root. */
export function privilegeLine(probe: Pick<Probe, 'name' | 'user'>, privilege?: LoginPrivilege): string | undefined {
  if (privilege === 'sudo') return `${probe.name} logs in as ${probe.user}, a non-root user with passwordless sudo: diagnoses run mtr through sudo -n, at root's pace.`
  if (privilege === 'user') {
    const lanes = userLanes(DEFAULT_MAX_TIME_MS)
    return `${probe.name} logs in as ${probe.user}, a non-root user without passwordless sudo: mtr sends one round a second there, so diagnoses run ${lanes} mtr processes side by side (within the default 10 s).`
  }
  return undefined
}
