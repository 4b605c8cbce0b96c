import {ConfigError} from '../core/errors.js'
import type {NetworkOptions} from '../core/http.js'
import type {DriverContext, ProviderSettings} from './types.js'

/** Seconds from an MC_* variable, or undefined when unset; anything but a positive number is a configuration error. */
function seconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const value = Number(raw)
  if (!Number.isFinite(value) || value <= 0) throw new ConfigError(`${name}="${raw}" is not a number of seconds greater than 0.`)
  return value * 1000
}

/** What the cloud's own configuration says about TLS (AWS_CA_BUNDLE, OS_CACERT, clouds.yaml cacert / verify). */
export interface CloudTls {
  caFile?: string
  insecure?: boolean
  /** Where `insecure` came from, for the warning. */
  insecureSource?: string
}

/**
 * A driver's way out: the profile's `<provider>.proxy` (else the *_PROXY variables, read per
 * request), `<provider>.caFile` and the cloud's own CA settings, and the deadlines from MC_CONNECT_TIMEOUT,
 * MC_READ_TIMEOUT, MC_REQUEST_TIMEOUT and MC_TIMEOUT (the command's total budget, counted from now).
 */
export function networkOptions(settings: ProviderSettings, context: Pick<DriverContext, 'warn'>, tls: CloudTls = {}): NetworkOptions {
  const {env} = settings
  const total = seconds(env, 'MC_TIMEOUT')
  if (tls.insecure) {
    const warn = context.warn ?? ((text: string) => process.stderr.write(`Warning: ${text}\n`))
    warn(`${settings.provider}: TLS certificates are not checked (${tls.insecureSource ?? 'verify: false'}); anyone on the path can read and change this traffic.`)
  }
  return {
    proxy: settings.values.proxy || undefined,
    caFiles: [tls.caFile, settings.values.caFile].filter((file): file is string => typeof file === 'string' && file !== ''),
    insecure: tls.insecure,
    connectTimeoutMs: seconds(env, 'MC_CONNECT_TIMEOUT'),
    readTimeoutMs: seconds(env, 'MC_READ_TIMEOUT'),
    requestTimeoutMs: seconds(env, 'MC_REQUEST_TIMEOUT'),
    deadline: total === undefined ? undefined : Date.now() + total,
    env,
  }
}
