import {ProviderError} from '../core/errors.js'
import type {Node, WaitOptions} from '../core/model.js'
import {pollUntil} from '../core/retry.js'

export interface RunningWait {
  /** What is awaited, for the timeout message: "Linode 42 to be running". */
  what: string
  /** The node now; undefined while the cloud does not know it yet (eventual consistency). */
  getNode(): Promise<Node | undefined>
  /** The cloud's own pace: how long a boot may take and how often to look. */
  defaults: {timeoutMs: number; pollMs: number; maxPollMs?: number}
  /** Why this node will never run, or undefined while it still may. Default: terminated or error. */
  failure?(node: Node): Error | undefined
  /** Done besides state running (Nova: its status word is ACTIVE too). */
  running?(node: Node): boolean
  signal?: AbortSignal
}

function defaultFailure(what: string): (node: Node) => Error | undefined {
  return (node) =>
    node.state === 'terminated' || node.state === 'error' ? new ProviderError(`${what} went ${node.providerState} and will not reach running.`, node.providerState) : undefined
}

/** Every driver's waitUntilRunning: poll with capped backoff until running, a dead end, the deadline or the signal. */
export async function waitUntilRunning(wait: RunningWait, options: WaitOptions = {}): Promise<Node> {
  const failure = wait.failure ?? defaultFailure(wait.what.replace(/ to be running$/, ''))
  const node = await pollUntil(
    () => wait.getNode(),
    (n) => {
      if (!n) return false
      const error = failure(n)
      if (error) throw error
      return n.state === 'running' && (wait.running?.(n) ?? true)
    },
    {
      timeoutMs: options.timeoutMs ?? wait.defaults.timeoutMs,
      pollMs: options.pollMs ?? wait.defaults.pollMs,
      maxPollMs: wait.defaults.maxPollMs,
      signal: options.signal ?? wait.signal,
      what: wait.what,
    },
  )
  return node!
}
