import {AllFailedError, describeFailure, McError, PartialFailureError, type ProviderFailure, toMcError} from '../core/errors.js'
import type {ProviderName} from '../core/model.js'

export interface FanOutResult<T> {
  values: {provider: ProviderName; value: T}[]
  failures: ProviderFailure[]
  errors: McError[]
}

/** Run `task` for every provider at once; one provider's failure never hides the others' results. */
export async function fanOut<T>(providers: ProviderName[], task: (provider: ProviderName) => Promise<T>): Promise<FanOutResult<T>> {
  const settled = await Promise.allSettled(providers.map((p) => task(p)))
  const result: FanOutResult<T> = {values: [], failures: [], errors: []}
  for (const [i, outcome] of settled.entries()) {
    const provider = providers[i]
    if (outcome.status === 'fulfilled') {
      result.values.push({provider, value: outcome.value})
    } else if (outcome.reason instanceof PartialFailureError) {
      // A provider that half-answered (some EC2 regions with --region all) keeps what it got.
      result.values.push({provider, value: outcome.reason.result as T})
      result.failures.push(...outcome.reason.failures)
      result.errors.push(outcome.reason)
    } else {
      result.failures.push(describeFailure(provider, outcome.reason))
      result.errors.push(toMcError(outcome.reason))
    }
  }
  return result
}

/**
 * Everything failed: throw before anything is printed. One provider: its own error, so its exit code
 * stands; several: their common exit code when they agree, else a general error listing each.
 */
export function throwIfAllFailed(result: FanOutResult<unknown>): void {
  if (result.failures.length === 0 || result.values.length > 0) return
  if (result.errors.length === 1) throw result.errors[0]
  throw new AllFailedError(result.failures)
}

/** Some failed: a PartialFailureError that carries what did arrive. Call after printing `data`. */
export function settle<T>(result: FanOutResult<unknown>, data: T): T {
  throwIfAllFailed(result)
  if (result.failures.length === 0) return data
  throw new PartialFailureError(result.failures, data)
}
