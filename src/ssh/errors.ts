import {AuthError, ExitCode, McError, TimeoutError, TransientError} from '../core/errors.js'

/**
 * Host key errors exit like authentication failures (3), with their own codes so `--json` callers
 * can tell a changed key (possible attack, never accepted silently) from an unknown one.
 */
export class HostKeyChangedError extends McError {
  override readonly exitCode = ExitCode.auth
  override readonly code = 'HOST_KEY_CHANGED'
  constructor(
    readonly vantage: string,
    readonly hostPattern: string,
    readonly knownFingerprints: string[],
    readonly presentedFingerprint: string,
    readonly presentedType: string,
  ) {
    super(
      `Host key for ${vantage} (${hostPattern}) has changed: mc knows ${knownFingerprints.join(', ')} but the server presented ` +
        `${presentedFingerprint} (${presentedType}). mc did not connect. This is what a man-in-the-middle attack looks like, ` +
        `though it usually means the probe was rebuilt. If you expect the change, check the fingerprint on the probe's ` +
        `console and accept it deliberately with \`mc probe trust ${vantage}\`.`,
    )
  }
}

export class UnknownHostKeyError extends McError {
  override readonly exitCode = ExitCode.auth
  override readonly code = 'HOST_KEY_UNKNOWN'
  constructor(
    readonly vantage: string,
    readonly hostPattern: string,
    readonly presentedFingerprint: string,
    readonly presentedType: string,
    declined = false,
  ) {
    super(
      `Host key for ${vantage} (${hostPattern}) is not known to mc; the server presented ${presentedFingerprint} (${presentedType})` +
        (declined ? ' and it was not accepted. ' : '. ') +
        `Check the fingerprint on the probe's console, then accept it with \`mc probe trust ${vantage}\`.`,
    )
  }
}

export class RevokedHostKeyError extends McError {
  override readonly exitCode = ExitCode.auth
  override readonly code = 'HOST_KEY_REVOKED'
  constructor(vantage: string, hostPattern: string, fingerprint: string) {
    super(`Host key ${fingerprint} presented by ${vantage} (${hostPattern}) is marked @revoked in mc's known_hosts. mc did not connect.`)
  }
}

/** The login works but the command cannot run there (no HOME, a nologin shell, a full disk). */
export class RemoteCommandError extends McError {
  override readonly code = 'REMOTE_COMMAND_FAILED'
}

/**
 * Worth waiting out while a new node boots: sshd not listening yet (refused, reset, closed), no
 * handshake yet (timeout), or keys not installed yet (cloud-init adds them late). A host key that
 * does not match, or anything else, will not change by waiting.
 */
export function isTransientSshError(error: unknown): boolean {
  return error instanceof TransientError || error instanceof TimeoutError || error instanceof AuthError
}
