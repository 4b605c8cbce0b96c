import type {DebugLog} from '../core/log.js'
import type {Executor} from '../ssh/types.js'

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

/** Poll until sshd answers (a new node's sshd starts a little after the cloud says "running"). */
export async function waitForSsh(executor: Executor, timeoutMs: number, signal?: AbortSignal, log?: DebugLog): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    signal?.throwIfAborted()
    try {
      const result = await executor.exec('true', {timeoutMs: 15_000, signal})
      if (result.exitCode === 0) return
    } catch (error) {
      lastError = error
      // Kept trying on purpose (cloud-init installs keys late), but never silently under --debug.
      log?.line(`${executor.vantage}: SSH not ready yet: ${(error as Error).message}`)
      // A refused or reset connection must open a fresh one next time.
      await executor.close()
    }

    await new Promise((resolve) => {
      setTimeout(resolve, 1000)
    })
  }

  throw lastError instanceof Error ? lastError : new Error(`SSH did not answer within ${Math.round(timeoutMs / 1000)}s`)
}
