import type {AwsCredentialIdentity, AwsCredentialIdentityProvider} from '@smithy/types'

import {ProviderError, TimeoutError} from '../../core/errors.js'
import {agentFor, DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_TIMEOUT_MS, MAX_LISTING_PAGES, type NetworkOptions, requestBudget} from '../../core/http.js'
import type {DebugLog} from '../../core/log.js'
import {retry} from '../../core/retry.js'
import {mapEc2Error} from './errors.js'
import type * as Sdk from './sdk.js'

/** The SDK facade (./sdk.ts, bundled by the build): the only runtime code the driver takes from the AWS SDK. */
export type SdkModule = typeof Sdk

/** One EC2 region: the SDK facade, where and as whom to call, and core/http's network settings. */
export interface Ec2ConnectionOptions {
  sdk: SdkModule
  region: string
  endpoint?: string
  credentials: AwsCredentialIdentityProvider
  log: DebugLog
  signal?: AbortSignal
  sdkParser?: boolean
  network?: NetworkOptions
}

interface Sender {
  send(command: unknown, options?: {abortSignal?: AbortSignal}): Promise<unknown>
  destroy(): void
}

/**
 * One EC2 region through the SDK, on core/http's agents (proxy, CAs, timeouts): each call with its own
 * budget, mapped to mc's typed errors (errors.ts) and retried when that helps, and NextToken paging.
 */
export class Ec2Client {
  readonly endpointLabel: string
  private readonly sender: Sender

  constructor(private readonly options: Ec2ConnectionOptions) {
    this.endpointLabel = options.endpoint ?? `https://ec2.${options.region}.amazonaws.com`
    this.sender = options.sdk.createEc2Client({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      log: options.log,
      sdkParser: options.sdkParser,
      http: async () => {
        const network = options.network ?? {}
        const agent = await agentFor(new URL(this.endpointLabel), network)
        return {
          httpAgent: agent,
          httpsAgent: agent,
          connectionTimeout: network.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          socketTimeout: network.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS,
        }
      },
      maxBodyBytes: options.network?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    }) as unknown as Sender
  }

  async call<O>(action: string, command: () => unknown): Promise<O> {
    const {log, signal} = this.options
    return retry(
      async () => {
        // One call's budget, from the first byte sent to the last byte read (a server sending one byte a second included).
        const budget = requestBudget(this.options.network)
        const timeout = AbortSignal.timeout(budget.ms)
        try {
          return (await this.sender.send(command(), {abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout})) as O
        } catch (error) {
          if (timeout.aborted && !signal?.aborted) {
            throw new TimeoutError(`EC2 ${action} at ${this.endpointLabel} did not finish within ${budget.why}.`)
          }
          throw mapEc2Error(error, action, this.endpointLabel)
        }
      },
      {
        signal,
        onRetry: ({attempt, delayMs, error}) =>
          log.line(`ec2 ${this.options.region} ${action}: attempt ${attempt} failed (${(error as Error).message}); retrying in ${delayMs} ms`),
      },
    )
  }

  /**
   * Every page of a NextToken-paginated call, in order.
   * @yields each page as it arrives
   */
  async *eachPage<O extends {NextToken?: string}>(action: string, command: (token?: string) => unknown): AsyncGenerator<O> {
    const seen = new Set<string>()
    let token: string | undefined
    do {
      const page: O = await this.call<O>(action, () => command(token))
      yield page
      token = page.NextToken || undefined
      if (token && seen.has(token)) throw new ProviderError(`EC2 ${action} returned the same NextToken twice; stopping instead of looping forever.`)
      if (token && seen.size + 1 >= MAX_LISTING_PAGES) throw new ProviderError(`EC2 ${action} goes on past ${MAX_LISTING_PAGES} pages; mc stopped reading it.`)
      if (token) seen.add(token)
    } while (token)
  }

  async pages<O extends {NextToken?: string}>(action: string, command: (token?: string) => unknown): Promise<O[]> {
    const out: O[] = []
    for await (const page of this.eachPage<O>(action, command)) out.push(page)
    return out
  }

  close(): void {
    this.sender.destroy()
  }
}

/** Cache credentials across every regional client until five minutes before they expire. */
export function memoizeCredentials(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let cached: Promise<AwsCredentialIdentity> | undefined
  return async (properties) => {
    if (cached) {
      const identity = await cached.catch(() => {})
      if (identity && (!identity.expiration || identity.expiration.getTime() - Date.now() > 300_000)) return identity
    }
    cached = provider(properties)
    return cached
  }
}
