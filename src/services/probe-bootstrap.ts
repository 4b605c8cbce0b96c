import {setTimeout as sleep} from 'node:timers/promises'

import {AuthError, TimeoutError} from '../core/errors.js'
import type {DebugLog} from '../core/log.js'
import {isTransientSshError, RemoteCommandError} from '../ssh/errors.js'
import type {Executor} from '../checks/executor.js'

/** The tools a probe needs, and the command that proves each is there. */
export const PROBE_TOOLS: {name: string; test: string}[] = [
  {name: 'check_ping', test: 'test -x /usr/lib/nagios/plugins/check_ping || test -x /usr/lib/monitoring-plugins/check_ping || command -v check_ping'},
  {name: 'check_tcp', test: 'test -x /usr/lib/nagios/plugins/check_tcp || test -x /usr/lib/monitoring-plugins/check_tcp || command -v check_tcp'},
  {name: 'mtr', test: 'command -v mtr'},
  {name: 'ping', test: 'command -v ping'},
  {name: 'curl', test: 'command -v curl'},
]

/** One line per missing tool, so the answer parses the same from any shell. */
export const SELF_CHECK = PROBE_TOOLS.map((t) => `{ ${t.test}; } >/dev/null 2>&1 || echo "missing:${t.name}"`).join('\n')

/**
 * Install the probe tools with whichever package manager the image has. Runs as root or through
 * sudo (cloud images log in as admin/ubuntu/ec2-user with passwordless sudo).
 */
export const INSTALL_SCRIPT = `set -e
if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO="sudo -n"; fi
if command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends monitoring-plugins-basic monitoring-plugins-standard mtr-tiny iputils-ping curl >/dev/null
elif command -v dnf >/dev/null 2>&1; then
  $SUDO dnf install -y -q nagios-plugins-ping nagios-plugins-tcp nagios-plugins-http nagios-plugins-dns mtr iputils curl
elif command -v yum >/dev/null 2>&1; then
  $SUDO yum install -y -q epel-release || true
  $SUDO yum install -y -q nagios-plugins-ping nagios-plugins-tcp nagios-plugins-http nagios-plugins-dns mtr iputils curl
elif command -v apk >/dev/null 2>&1; then
  $SUDO apk add --no-cache monitoring-plugins mtr iputils curl
else
  echo "no supported package manager (apt-get, dnf, yum, apk)" >&2
  exit 3
fi`

export type BootstrapReport = {installed: boolean; missing: string[]; detail?: string}

export async function selfCheck(executor: Executor, timeoutMs = 30_000): Promise<string[]> {
  const result = await executor.exec(SELF_CHECK, {timeoutMs})
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('missing:'))
    .map((line) => line.slice('missing:'.length).trim())
}

/**
 * Bring a probe's tools up: an image that says it carries them (the sandbox's, which run on this
 * very machine) is only verified, never touched by a package manager.
 */
export async function bootstrapProbe(executor: Executor, probeReady: boolean, timeoutMs = 600_000): Promise<BootstrapReport> {
  if (probeReady) return {installed: false, missing: await selfCheck(executor)}
  const install = await executor.exec(INSTALL_SCRIPT, {timeoutMs})
  const missing = await selfCheck(executor)
  const failed = install.exitCode !== 0
  return {installed: !failed, missing, detail: failed ? (install.stderr || install.stdout).trim().split('\n').slice(-3).join(' | ') : undefined}
}

export type SshWaitOptions = {
  timeoutMs: number
  signal?: AbortSignal
  log?: DebugLog
  /** Told what mc waits for each time the reason changes (a person watching stderr sees why it takes long). */
  onWait?: (reason: string) => void
}

/**
 * Poll until a new node's sshd lets mc in and runs a command (sshd starts a little after the cloud
 * says "running", cloud-init installs keys late). Only transient failures are waited out; a host key
 * that does not match fails at once, and so does a login that works while the command fails (a
 * HOME that does not exist, a nologin shell, a full disk): waiting would not change either.
 */
export async function waitForSsh(executor: Executor, options: SshWaitOptions): Promise<void> {
  const {timeoutMs, signal, log, onWait} = options
  const started = Date.now()
  const deadline = started + timeoutMs
  let lastError: Error | undefined
  let lastReason: string | undefined
  const waiting = (reason: string) => {
    log?.line(`${executor.vantage}: SSH not ready yet: ${reason}`)
    if (reason !== lastReason) onWait?.(`waiting for sshd (up to ${Math.round(timeoutMs / 1000)}s): ${reason}`)
    lastReason = reason
  }

  while (Date.now() < deadline) {
    signal?.throwIfAborted()
    try {
      const result = await executor.exec('true', {timeoutMs: Math.min(15_000, Math.max(1000, deadline - Date.now())), signal})
      if (result.exitCode === 0) return
      if (result.timedOut) {
        waiting('logged in, but a command did not finish in time')
      } else {
        const said = (result.stderr || result.stdout).trim().split('\n').slice(-3).join(' | ')
        const how = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited ${result.exitCode}`
        throw new RemoteCommandError(
          `${executor.vantage}: the SSH login works but a command cannot run there (\`true\` ${how}${said ? `: ${said}` : ''}). Check the login user's shell, home directory and free disk space.`,
        )
      }
    } catch (error) {
      if (error instanceof RemoteCommandError || !isTransientSshError(error)) throw error
      lastError = error as Error
      waiting(shortSshReason(lastError))
      // A refused or reset connection must open a fresh one next time.
      await executor.close()
    }

    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())), undefined, {signal}).catch(() => {})
  }

  signal?.throwIfAborted()
  throw new TimeoutError(`${executor.vantage}: SSH did not let mc in within ${Math.round(timeoutMs / 1000)}s${lastError ? `; last: ${lastError.message}` : ''}`)
}

/** The few words a person needs while waiting: what the last attempt ran into. */
function shortSshReason(error: Error): string {
  const {message} = error
  if (/ECONNREFUSED/.test(message)) return 'connection refused (sshd not listening yet)'
  if (error instanceof AuthError) return 'login refused (keys not installed yet)'
  if (error instanceof TimeoutError) return 'no SSH handshake yet'
  if (/ECONNRESET|closed/.test(message)) return 'connection closed during the handshake'
  return message
}
