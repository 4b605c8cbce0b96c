import type {CheckResult} from '../checks/types.js'
import type {Family} from '../output/exporter-metrics.js'

/** Upper bounds (seconds) of the check-duration histogram: a tcp connect up to a 50-round trace. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

type Histogram = {counts: number[]; sum: number; count: number}

/** mc's own metrics for /metrics: requests by endpoint and outcome, check durations, SSH, the process. */
export class ExporterStats {
  private readonly requests = new Map<string, number>()
  private readonly durations = new Map<string, Histogram>()
  private readonly results = new Map<string, number>()
  private readonly startedAt = Date.now() / 1000

  /** One answered request; code is the HTTP status. */
  countRequest(endpoint: string, code: number): void {
    const key = `${endpoint}\n${code}`
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1)
  }

  requestCount(): number {
    return [...this.requests.values()].reduce((a, b) => a + b, 0)
  }

  observeCheck(result: CheckResult): void {
    let histogram = this.durations.get(result.kind)
    if (!histogram) {
      histogram = {counts: BUCKETS.map(() => 0), sum: 0, count: 0}
      this.durations.set(result.kind, histogram)
    }
    const seconds = result.durationMs / 1000
    for (const [i, bound] of BUCKETS.entries()) if (seconds <= bound) histogram.counts[i]++
    histogram.sum += seconds
    histogram.count++
    const key = `${result.kind}\n${result.state}`
    this.results.set(key, (this.results.get(key) ?? 0) + 1)
  }

  families(now: {sshHandshakes: number; probes: number; diagnosing: number}): Family[] {
    const usage = process.cpuUsage()
    return [
      {
        name: 'mc_exporter_requests_total',
        help: 'HTTP requests answered, by endpoint and status code (400: refused, 401: no or wrong credentials).',
        type: 'counter',
        samples: [...this.requests].map(([key, value]) => {
          const [endpoint, code] = key.split('\n')
          return {labels: {endpoint, code}, value}
        }),
      },
      {
        name: 'mc_exporter_checks_total',
        help: 'Checks run (probes and diagnoses), by kind and state.',
        type: 'counter',
        samples: [...this.results].map(([key, value]) => {
          const [kind, state] = key.split('\n')
          return {labels: {kind, state}, value}
        }),
      },
      {
        name: 'mc_exporter_check_duration_seconds',
        help: 'How long checks took on their vantage points, in seconds, by kind.',
        type: 'histogram',
        samples: [...this.durations].flatMap(([kind, h]) => [
          ...BUCKETS.map((le, i) => ({labels: {__name__: 'mc_exporter_check_duration_seconds_bucket', kind, le: String(le)}, value: h.counts[i]})),
          {labels: {__name__: 'mc_exporter_check_duration_seconds_bucket', kind, le: '+Inf'}, value: h.count},
          {labels: {__name__: 'mc_exporter_check_duration_seconds_sum', kind}, value: h.sum},
          {labels: {__name__: 'mc_exporter_check_duration_seconds_count', kind}, value: h.count},
        ]),
      },
      {
        name: 'mc_exporter_ssh_handshakes_total',
        help: 'SSH connections opened to probes (one per probe while connections last).',
        type: 'counter',
        samples: [{value: now.sshHandshakes}],
      },
      {name: 'mc_exporter_probes', help: 'Probes this exporter can run checks from (besides local).', type: 'gauge', samples: [{value: now.probes}]},
      {name: 'mc_exporter_diagnoses_running', help: 'Diagnoses in progress.', type: 'gauge', samples: [{value: now.diagnosing}]},
      {name: 'process_cpu_seconds_total', help: 'User and system CPU time spent, in seconds.', type: 'counter', samples: [{value: (usage.user + usage.system) / 1e6}]},
      {name: 'process_resident_memory_bytes', help: 'Resident memory size, in bytes.', type: 'gauge', samples: [{value: process.memoryUsage.rss()}]},
      {name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch, in seconds.', type: 'gauge', samples: [{value: this.startedAt}]},
    ].filter((f) => f.samples.length > 0) as Family[]
  }
}
