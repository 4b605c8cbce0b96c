import type {Verdict, VerdictKind} from '../analysis/types.js'
import type {CheckResult} from '../checks/types.js'
import {labelValue, renderPrometheus} from './prometheus.js'

/**
 * What `mc exporter` answers, in the Prometheus text format 0.0.4. A /probe answer carries
 * blackbox_exporter's probe_success and probe_duration_seconds, then the check's own families with
 * the names and units of mc's textfile output (src/output/prometheus.ts). The scrape configuration
 * puts vantage, target and check on every series as target labels, so the answer leaves them out
 * (else Prometheus would keep both, as exported_vantage and vantage).
 */
export const SCRAPE_LABELS = ['vantage', 'target', 'check']

type Sample = {labels?: Record<string, string>; value: number}
export type Family = {name: string; help: string; type: 'counter' | 'gauge' | 'histogram'; samples: Sample[]}

function labelText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {})
  return entries.length === 0 ? '' : `{${entries.map(([k, v]) => `${k}="${labelValue(v)}"`).join(',')}}`
}

function value(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf'
  return String(v)
}

/** Families in order; a histogram's samples are named in full (_bucket, _sum, _count) by its labels' __name__. */
export function renderFamilies(families: Family[]): string {
  const lines: string[] = []
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`)
    for (const sample of family.samples) {
      const {__name__: name, ...labels} = sample.labels ?? {}
      lines.push(`${name ?? family.name}${labelText(labels)} ${value(sample.value)}`)
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : ''
}

/** probe_success is 1 when the check answered OK or WARNING (reachable, maybe slow), 0 for CRITICAL or UNKNOWN. */
export function probeSucceeded(result: CheckResult): boolean {
  return result.state === 'OK' || result.state === 'WARNING'
}

export function renderProbe(result: CheckResult, durationS: number): string {
  const head = renderFamilies([
    {
      name: 'probe_success',
      help: 'Whether the check succeeded: 1 for OK or WARNING, 0 for CRITICAL or UNKNOWN.',
      type: 'gauge',
      samples: [{value: probeSucceeded(result) ? 1 : 0}],
    },
    {name: 'probe_duration_seconds', help: 'How long the probe took, in seconds, as the exporter measured it.', type: 'gauge', samples: [{value: durationS}]},
  ])
  return head + renderPrometheus([result], {omitLabels: SCRAPE_LABELS})
}

const VERDICT_KINDS: VerdictKind[] = ['healthy', 'target-down', 'target-side', 'vantage-side', 'shared-path', 'multiple-faults', 'inconclusive']

/**
 * One verdict as metrics: mc_diagnosis{kind} is 1 for the verdict's kind and 0 for the others (so a
 * rule can say mc_diagnosis{kind="shared-path"} == 1), the blamed hop as the hop label of the 1.
 */
export function renderDiagnosisMetrics(diagnosis: {verdict?: Verdict; ageS?: number; running: boolean}): string {
  const {verdict} = diagnosis
  const families: Family[] = [
    {
      name: 'mc_diagnosis_running',
      help: 'Whether a diagnosis of this target is running now (its verdict comes with a later scrape).',
      type: 'gauge',
      samples: [{value: diagnosis.running ? 1 : 0}],
    },
  ]
  if (verdict) {
    const hop = verdict.faultHop?.address ?? (verdict.faultHop ? `#${verdict.faultHop.index}` : '')
    families.push(
      {
        name: 'mc_diagnosis',
        help: 'The latest verdict on the target: 1 for its kind, 0 for the others; hop is the blamed hop, when one hop explains it.',
        type: 'gauge',
        samples: VERDICT_KINDS.map((kind) => ({labels: {kind, hop: kind === verdict.kind ? hop : ''}, value: kind === verdict.kind ? 1 : 0})),
      },
      {name: 'mc_diagnosis_age_seconds', help: 'How old the measurements behind the verdict are, in seconds.', type: 'gauge', samples: [{value: diagnosis.ageS ?? 0}]},
      {name: 'mc_diagnosis_affected_vantages', help: 'Vantage points that see the fault.', type: 'gauge', samples: [{value: verdict.affected.length}]},
      {
        name: 'mc_diagnosis_loss_ratio',
        help: 'Packet loss to the target per vantage point, as a ratio, from the diagnosis.',
        type: 'gauge',
        samples: verdict.vantages.filter((v) => v.lossPct !== undefined).map((v) => ({labels: {vantage: v.vantage}, value: v.lossPct! / 100})),
      },
    )
    const {sampling} = verdict
    if (sampling) {
      families.push(
        {
          name: 'mc_diagnosis_settled',
          help: '1 when measuring stopped because the verdict was settled (the sequential test decided every vantage point), 0 when it stopped at the time limit or after every round (the best reading, not a settled verdict), or a fixed --diagnose-count was sent.',
          type: 'gauge',
          samples: [{value: sampling.stop === 'settled' ? 1 : 0}],
        },
        {
          name: 'mc_diagnosis_rounds',
          help: 'Trace rounds of the vantage point with the fewest, in the diagnosis behind the verdict.',
          type: 'gauge',
          samples: [{value: sampling.minRounds}],
        },
        {
          name: 'mc_diagnosis_measure_seconds',
          help: 'How long the diagnosis behind the verdict measured, in seconds.',
          type: 'gauge',
          samples: [{value: sampling.elapsedMs / 1000}],
        },
      )
    }
    if (verdict.faultHop) {
      families.push({name: 'mc_diagnosis_fault_hop_index', help: 'TTL of the hop the fault starts at.', type: 'gauge', samples: [{labels: {hop}, value: verdict.faultHop.index}]})
    }
  }
  return renderFamilies(families.filter((f) => f.samples.length > 0))
}
