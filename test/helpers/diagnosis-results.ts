import type {CheckResult, Hop} from '../../src/checks/types.js'

/** A hop of a stored trace: `sent` probes, the loss given, round trips of `index` ms. */
export const hop = (index: number, host: string, lossPct = 0, sent = 40): Hop => ({
  hop: index,
  host,
  lossPct,
  sent,
  lastMs: index,
  avgMs: index,
  bestMs: index,
  worstMs: index,
  stdevMs: 0,
})

/** A diagnosis's ping or ICMP path result for `target` from `vantage`, OK unless `extra` says otherwise. */
export function diagnosisResult(target: string, vantage: string, kind: 'ping' | 'path', extra: Partial<CheckResult> = {}): CheckResult {
  return {
    vantage,
    target,
    check: kind,
    kind,
    state: 'OK',
    summary: '',
    metrics: [],
    implementation: kind === 'ping' ? 'ping' : 'mtr',
    durationMs: 1,
    raw: '',
    at: '2026-12-02T04:00:00.000Z',
    ...extra,
  }
}
