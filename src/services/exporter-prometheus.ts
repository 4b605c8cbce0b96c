import {stringify} from 'yaml'

import {validateCheck} from '../checks/validate.js'
import {definitionsFor} from './check-spec.js'
import {type AllowList, allowedProbes} from './exporter-allow.js'

/**
 * Prometheus configuration for `mc exporter`, in blackbox_exporter's multi-target style: the
 * targets are what to check, and relabelling moves each (target, vantage point) into the /probe URL
 * (?target=&from=) and points __address__ at the exporter. With several exporters, hashmod
 * relabelling gives each one a share, so no scheduler of mc's own is needed.
 */
export type PrometheusConfigOptions = {
  allow: AllowList
  vantages: string[]
  /** host:port of every exporter; more than one shards the probes between them. */
  exporters: string[]
  /** What a shard is: a target (with every vantage point checking it) or a vantage point. */
  shardBy: 'target' | 'vantage'
  intervalS: number
  diagnoseIntervalS: number
  scheme: 'http' | 'https'
  basicAuth?: {username: string; passwordFile: string}
  caFile?: string
  rulesFile: string
}

export type AlertOptions = {forS: number; intervalS: number}

export function seconds(s: number): string {
  return `${Math.max(0, Math.round(s))}s`
}

/** A job name per check: tcp:443 -> mc_probe_tcp_443. */
export function probeJob(check: string): string {
  return `mc_probe_${check.replaceAll(/[^A-Za-z0-9]/g, '_')}`
}

/** The longest a check of this spec runs at the allow-list's settings, plus time for the answer. */
function neededTimeoutS(allow: AllowList, check: string, target: string): number {
  const entry = allow.entries.find((e) => e.targets.includes(target) && e.checks.includes(check))
  const [definition] = definitionsFor([target], [check], entry?.defaults ?? {})
  const valid = validateCheck(definition)
  return valid.timeoutS + (valid.kind === 'ping' ? Math.ceil(valid.count * 0.2) : 0) + 2
}

/**
 * Relabelling shared by every job: hashmod picks the exporter (one rule per exporter), then the
 * request's parameters and the series' labels.
 */
function routing(options: PrometheusConfigOptions, params: Record<string, string>): Record<string, unknown>[] {
  const rules: Record<string, unknown>[] = Object.entries(params).map(([param, label]) => ({source_labels: [label], target_label: `__param_${param}`}))
  if (options.exporters.length === 1) return [...rules, {target_label: '__address__', replacement: options.exporters[0]}]
  const key = options.shardBy === 'vantage' && params.from ? params.from : '__address__'
  return [
    ...rules,
    {source_labels: [key], modulus: options.exporters.length, target_label: '__tmp_mc_shard', action: 'hashmod'},
    ...options.exporters.map((exporter, i) => ({source_labels: ['__tmp_mc_shard'], regex: String(i), target_label: '__address__', replacement: exporter})),
  ]
}

function connection(options: PrometheusConfigOptions): Record<string, unknown> {
  return {
    scheme: options.scheme,
    ...(options.basicAuth ? {basic_auth: {username: options.basicAuth.username, password_file: options.basicAuth.passwordFile}} : {}),
    ...(options.caFile ? {tls_config: {ca_file: options.caFile}} : {}),
  }
}

export function renderPrometheusConfig(options: PrometheusConfigOptions): string {
  const probes = allowedProbes(options.allow, options.vantages)
  const checks = [...new Set(probes.map((p) => p.check))]
  const jobs = checks.map((check) => {
    const mine = probes.filter((p) => p.check === check)
    const vantages = [...new Set(mine.map((p) => p.vantage))]
    const timeoutS = Math.min(options.intervalS, Math.max(...mine.map((p) => neededTimeoutS(options.allow, check, p.target))))
    return {
      job_name: probeJob(check),
      metrics_path: '/probe',
      params: {check: [check]},
      scrape_interval: seconds(options.intervalS),
      scrape_timeout: seconds(timeoutS),
      ...connection(options),
      static_configs: vantages.map((vantage) => ({
        targets: mine.filter((p) => p.vantage === vantage).map((p) => p.target),
        labels: {vantage, check},
      })),
      relabel_configs: [
        {source_labels: ['__address__'], target_label: 'target'},
        {source_labels: ['vantage', '__address__'], separator: '/', target_label: 'instance'},
        ...routing(options, {target: '__address__', from: 'vantage'}),
      ],
    }
  })
  const diagnose =
    options.allow.diagnose.length === 0
      ? []
      : [
          {
            job_name: 'mc_diagnose',
            metrics_path: '/diagnose',
            scrape_interval: seconds(options.diagnoseIntervalS),
            scrape_timeout: seconds(Math.min(options.diagnoseIntervalS, 60)),
            ...connection(options),
            static_configs: [{targets: options.allow.diagnose}],
            relabel_configs: [
              {source_labels: ['__address__'], target_label: 'target'},
              {source_labels: ['__address__'], target_label: 'instance'},
              ...routing(options, {target: '__address__'}),
            ],
          },
        ]
  const self = {job_name: 'mc_exporter', scrape_interval: seconds(options.intervalS), ...connection(options), static_configs: [{targets: options.exporters}]}
  const config = {
    global: {scrape_interval: seconds(options.intervalS), evaluation_interval: seconds(options.intervalS)},
    rule_files: [options.rulesFile],
    scrape_configs: [...jobs, ...diagnose, self],
  }
  return `# Generated by "mc exporter config --prometheus" from ${options.allow.path}.\n${stringify(config, {lineWidth: 0})}`
}

const PROBES = 'probe_success{job=~"mc_probe_.+"}'

/** Alert rules: target down, one vantage point's side, the target's side, a shared path, a failing exporter. */
export function renderAlertRules(options: AlertOptions): string {
  const duration = seconds(options.forS)
  const rules = [
    {
      alert: 'McTargetDown',
      expr: `max by (target, check) (${PROBES}) == 0`,
      for: duration,
      labels: {severity: 'critical'},
      annotations: {
        summary: '{{ $labels.target }} fails {{ $labels.check }} from every vantage point',
        description:
          'No vantage point gets an answer: the target (or that service on it) is down, or every path to it is broken. "mc check diagnose -t {{ $labels.target }}" says which.',
      },
    },
    {
      alert: 'McVantageSide',
      expr: `count by (vantage) ((${PROBES} == 0) and on (target, check) (max by (target, check) (${PROBES}) == 1)) / count by (vantage) (${PROBES}) >= 0.5`,
      for: duration,
      labels: {severity: 'warning'},
      annotations: {
        summary: 'Vantage point {{ $labels.vantage }} fails checks the others pass',
        description:
          "{{ $value | humanizePercentage }} of its checks fail while other vantage points reach the same targets: the fault is on {{ $labels.vantage }}'s side, not the targets'.",
      },
    },
    {
      alert: 'McTargetSide',
      expr: 'mc_diagnosis{kind="target-side"} == 1',
      for: duration,
      labels: {severity: 'warning'},
      annotations: {
        summary: "Degradation on {{ $labels.target }}'s side",
        description:
          'Every vantage point sees loss or latency starting near the target{{ if $labels.hop }} (hop {{ $labels.hop }}){{ end }}: its network or host, not the paths to it.',
      },
    },
    {
      alert: 'McSharedPath',
      expr: 'mc_diagnosis{kind="shared-path"} == 1',
      for: duration,
      labels: {severity: 'warning'},
      annotations: {
        summary: 'A shared path to {{ $labels.target }} is at fault{{ if $labels.hop }}, from hop {{ $labels.hop }}{{ end }}',
        description: 'The vantage points that see the fault share the path from hop {{ $labels.hop }} on; the others are healthy.',
      },
    },
    {
      alert: 'McExporterScrapeFailing',
      expr: 'up{job=~"mc_probe_.+|mc_diagnose|mc_exporter"} == 0',
      for: duration,
      labels: {severity: 'warning'},
      annotations: {
        summary: 'Prometheus cannot scrape mc exporter at {{ $labels.instance }} ({{ $labels.job }})',
        description: 'The exporter is down, refuses the request (400: not in its allow-list; 401: credentials), or did not answer within the scrape timeout.',
      },
    },
  ]
  return `# Generated by "mc exporter config --rules".\n${stringify({groups: [{name: 'mc-exporter', interval: seconds(options.intervalS), rules}]}, {lineWidth: 0})}`
}
