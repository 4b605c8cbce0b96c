import type {CheckResult} from '../checks/types.js'
import type {VantagePrivilege} from './types.js'

const names = (list: string[]) => (list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`)

/** How each vantage point's traces ran when not as root, from its path results (the first result of each vantage point says it). */
export function privilegesOf(results: CheckResult[]): {privileges?: VantagePrivilege[]} {
  const seen = new Map<string, VantagePrivilege>()
  for (const r of results) {
    if (r.kind !== 'path' || !r.privilege || seen.has(r.vantage)) continue
    seen.set(r.vantage, {vantage: r.vantage, ...r.privilege})
  }
  return seen.size === 0 ? {} : {privileges: [...seen.values()].sort((a, b) => a.vantage.localeCompare(b.vantage))}
}

/**
 * What the verdict says about vantage points that did not trace as root: through passwordless sudo
 * (as root would), or as a plain user at mtr's 1 s floor, and what that user could measure then.
 */
export function privilegeNote(privileges: VantagePrivilege[] | undefined): string {
  if (!privileges || privileges.length === 0) return ''
  const sudo = privileges.filter((p) => p.runAs === 'sudo').map((p) => p.vantage)
  const notes: string[] = []
  if (sudo.length > 0) notes.push(`${names(sudo)} ran mtr through passwordless sudo (a non-root login), at root's pace.`)
  const users = privileges.filter((p) => p.runAs === 'user')
  for (const lanes of [...new Set(users.map((p) => p.lanes))].sort((a, b) => a - b)) {
    const who = users.filter((p) => p.lanes === lanes).map((p) => p.vantage)
    const pace =
      lanes > 1
        ? `so ${who.length === 1 ? 'it' : 'they'} ran ${lanes} mtr processes side by side (${lanes} rounds a second against root's 10)`
        : `so ${who.length === 1 ? 'its trace' : 'their traces'} sent one round a second`
    notes.push(
      `${names(who)} ${who.length === 1 ? 'logs' : 'log'} in as a non-root user without passwordless sudo: every hop's loss and latency can be measured there (mtr-packet's cap_net_raw), but mtr sends at most one round a second per process, ${pace}.`,
    )
  }
  return ` ${notes.join(' ')}`
}
