import type {CheckResult, Hop} from '../checks/types.js'
import type {PathHop, VantageEvidence} from './types.js'

export function toPathHop(hop: Hop): PathHop {
  if (hop.host === '???') return {index: hop.hop, lossPct: hop.lossPct, sent: hop.sent}
  return {index: hop.hop, address: hop.host, lossPct: hop.lossPct, sent: hop.sent, avgMs: hop.avgMs, bestMs: hop.bestMs}
}

/**
 * Ping and path results for one target, per vantage point, as triangulation reads them. A result
 * mc could not get at all (probe unreachable) is no evidence, not 100 % loss.
 */
export function evidenceFromResults(target: string, results: CheckResult[]): VantageEvidence[] {
  const byVantage = new Map<string, VantageEvidence>()
  for (const result of results) {
    if (result.target !== target || result.error) continue
    const evidence = byVantage.get(result.vantage) ?? {vantage: result.vantage}
    if (result.kind === 'ping' && result.implementation !== 'none') {
      const loss = result.metrics.find((m) => m.name === 'pl')?.value
      const rta = result.metrics.find((m) => m.name === 'rta')?.value
      if (loss !== null && loss !== undefined) evidence.ping = {lossPct: loss, sent: 0, rttAvgMs: rta ?? undefined}
    }

    if (result.kind === 'path' && result.hops && result.hops.length > 0) evidence.path = result.hops.map((hop) => toPathHop(hop))
    byVantage.set(result.vantage, evidence)
  }

  return [...byVantage.values()]
}
