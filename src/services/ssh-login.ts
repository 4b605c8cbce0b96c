import {hostProblem} from '../checks/validate.js'
import {ValidationError} from '../core/errors.js'

/**
 * A login user as POSIX and useradd allow it (letters, digits, "_", ".", "-", not starting with "-"),
 * at most 32 characters. Anything else could end up as options or shell syntax in what mc writes for
 * other programs (check_by_ssh command lines, cron files): `x -oProxyCommand=...` is refused here.
 */
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/

/** Names that mean something else to --from: every vantage point, and the machine mc runs on. */
export const RESERVED_PROBE_NAMES = new Set(['all', 'local'])

export function userProblem(user: string): string | undefined {
  return USER.test(user) ? undefined : 'must be a login name: letters, digits, "_", "." and "-", starting with a letter or "_", at most 32 characters'
}

/** Validate a probe's SSH user and host wherever they are taken (probe add, generated Nagios config). */
export function validateSshLogin(login: {user?: string; host?: string}, what: string): void {
  if (login.user !== undefined) {
    const problem = userProblem(login.user)
    if (problem) throw new ValidationError(`${what}: user ${JSON.stringify(login.user)} ${problem}.`, [{field: 'user', reason: problem}])
  }

  if (login.host !== undefined) {
    const problem = hostProblem(login.host)
    if (problem) throw new ValidationError(`${what}: host ${JSON.stringify(login.host)} ${problem}.`, [{field: 'host', reason: problem}])
  }
}
