import type {ExecResult} from './executor.js'
import {isIP} from 'node:net'

import {ADDRESS_MARKER, IMPL_MARKER, MISSING_MARKER, PRIVILEGE_MARKER, RESOLVE_ERROR_MARKER} from './commands.js'
import {ToolOutputError} from './errors.js'
import {parseMtrJson, parseMtrRaw} from './mtr.js'
import {parsePluginOutput, stateFromExitCode} from './nagios.js'
import {parseRtaLoss, stateFor, worstState} from './thresholds.js'
import type {CheckResult, CheckState, Hop, Implementation, Metric, Privilege} from './types.js'
import type {ValidCheck} from './validate.js'

/** What one implementation's output says, before the common fields are added. */
interface Verdict {
  state: CheckState
  summary: string
  metrics: Metric[]
  hops?: Hop[]
}

const IMPLEMENTATIONS = new Set<Implementation>([
  'check_ping',
  'ping',
  'check_tcp',
  'bash-dev-tcp',
  'check_http',
  'check_curl',
  'curl',
  'check_dns',
  'dig',
  'getent',
  'mtr',
  'none',
])
const PLUGINS = new Set<Implementation>(['check_ping', 'check_tcp', 'check_http', 'check_curl', 'check_dns'])
export const SERVICE: Record<ValidCheck['kind'], string> = {ping: 'PING', tcp: 'TCP', http: 'HTTP', https: 'HTTP', dns: 'DNS', path: 'PATH'}
const TIMEOUT_EXIT = 124 // coreutils timeout

/**
 * Split the script's output into the implementation marker, how the tool ran when not as root (the
 * privilege marker right after it), and what the tool printed.
 */
function splitMarker(stdout: string): {impl?: Implementation; privilege?: Privilege; body: string} {
  const lines = stdout.split('\n')
  const at = lines.findIndex((line) => line.startsWith(IMPL_MARKER))
  if (at === -1) return {body: stdout}
  const name = lines[at].slice(IMPL_MARKER.length).trim() as Implementation
  // The privilege line follows the marker, after the resolved address when the vantage resolved a name.
  let next = at + 1
  while (lines[next]?.startsWith(ADDRESS_MARKER)) next++
  const privilege = parsePrivilege(lines[next])
  const body = privilege ? [...lines.slice(at + 1, next), ...lines.slice(next + 1)] : lines.slice(at + 1)
  return {impl: IMPLEMENTATIONS.has(name) ? name : undefined, ...(privilege ? {privilege} : {}), body: body.join('\n')}
}

/** "mc-privilege:sudo 1" or "mc-privilege:user 6" (see checks/commands.ts), else undefined. */
export function parsePrivilege(line: string | undefined): Privilege | undefined {
  const match = line === undefined ? null : new RegExp(`^${PRIVILEGE_MARKER}(sudo|user) (\\d+)\\s*$`).exec(line)
  return match ? {runAs: match[1] as Privilege['runAs'], lanes: Number(match[2])} : undefined
}

/** Turn what a check script printed on a vantage into a CheckResult. */
export function parseCheckOutput(check: ValidCheck, exec: ExecResult, vantage: string, at = new Date()): CheckResult {
  const {impl, privilege, body} = splitMarker(exec.stdout)
  const raw = [body.trimEnd(), exec.stderr.trimEnd()].filter((part) => part !== '').join('\n')
  const base = {
    vantage,
    target: check.target,
    check: check.name,
    kind: check.kind,
    durationMs: Math.round(exec.durationMs),
    raw,
    at: at.toISOString(),
    ...(privilege ? {privilege} : {}),
  }
  const service = SERVICE[check.kind]
  if (exec.timedOut) {
    const message = `${impl ?? 'the check'} on ${vantage} did not finish within ${Math.round(exec.durationMs / 1000)}s`
    return {...base, implementation: impl ?? 'none', state: 'UNKNOWN', summary: `${service} UNKNOWN - ${message}`, metrics: [], error: {code: 'TIMEOUT', message}}
  }
  if (!impl) {
    const reason = firstLine(exec.stderr) || firstLine(exec.stdout) || `exit code ${exec.exitCode}`
    return {...base, implementation: 'none', state: 'UNKNOWN', summary: `${service} UNKNOWN - the check script did not run on ${vantage}: ${reason}`, metrics: []}
  }
  const resolved = resolution(check, body)
  if (resolved.error !== undefined) {
    const message = `${check.target} did not resolve on ${vantage}: ${resolved.error}`
    return {...base, implementation: impl, state: 'UNKNOWN', summary: `${service} UNKNOWN - ${message}`, metrics: [], resolveError: resolved.error}
  }
  const address = resolved.address === undefined ? {} : {address: resolved.address}
  // The tool measured the address, not the name: its output names the address.
  const measured = resolved.address === undefined ? check : {...check, target: resolved.address}
  let verdict: Verdict
  try {
    verdict = parseImplementation(impl, measured, resolved.body, exec.stderr, exec.exitCode, vantage)
  } catch (error) {
    if (!(error instanceof ToolOutputError)) throw error
    verdict = {state: 'UNKNOWN', summary: `${service} UNKNOWN - ${error.message}`, metrics: []}
  }
  return {...base, implementation: impl, ...verdict, ...address}
}

/**
 * What a check with a family measured (see CheckDefinition.family): the address the vantage point
 * resolved the name to (ADDRESS_MARKER), the literal itself, or the resolver's error; and the tool's
 * output without those lines.
 */
export function resolution(check: Pick<ValidCheck, 'family' | 'target'>, body: string): {address?: string; error?: string; body: string} {
  if (check.family === undefined) return {body}
  const {address, resolveError} = storedResolution(body)
  const rest = body
    .split('\n')
    .filter((line) => !line.startsWith(ADDRESS_MARKER) && !line.startsWith(RESOLVE_ERROR_MARKER))
    .join('\n')
  if (resolveError !== undefined) return {error: resolveError || 'no address', body: rest}
  const measured = address ?? (isIP(check.target) === 0 ? undefined : check.target)
  return {...(measured === undefined ? {} : {address: measured}), body: rest}
}

/**
 * The address or resolver error a result's raw output names (the markers stay in `raw`): how a result
 * read back from the history gets them again without a column of their own.
 */
export function storedResolution(raw: string): Pick<CheckResult, 'address' | 'resolveError'> {
  const lines = raw.split('\n')
  const value = (marker: string) =>
    lines
      .find((line) => line.startsWith(marker))
      ?.slice(marker.length)
      .trim()
  const error = value(RESOLVE_ERROR_MARKER)
  if (error !== undefined) return {resolveError: error}
  const address = value(ADDRESS_MARKER)
  return address ? {address} : {}
}

/** Parse one implementation's own output (exported for fixture tests on captured tool output). */
export function parseImplementation(impl: Implementation, check: ValidCheck, body: string, stderr: string, exitCode: number | null, vantage = 'local'): Verdict {
  if (PLUGINS.has(impl)) return pluginVerdict(body, stderr, exitCode)
  switch (impl) {
    case 'ping': {
      return pingVerdict(check, body, stderr)
    }
    case 'bash-dev-tcp': {
      return devTcpVerdict(check, body, stderr, exitCode)
    }
    case 'curl': {
      return curlVerdict(check, body, stderr, exitCode)
    }
    case 'dig': {
      return digVerdict(check, body)
    }
    case 'getent': {
      return getentVerdict(check, body, stderr, exitCode)
    }
    case 'mtr': {
      return mtrVerdict(check, body, stderr, exitCode)
    }
    default: {
      const missing = body
        .split('\n')
        .find((line) => line.startsWith(MISSING_MARKER))
        ?.slice(MISSING_MARKER.length)
        .trim()
      return {state: 'UNKNOWN', summary: `${SERVICE[check.kind]} UNKNOWN - no ${check.kind} tool on ${vantage}: install ${missing ?? 'monitoring-plugins'}`, metrics: []}
    }
  }
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line !== '') ?? ''
  )
}

function pluginVerdict(body: string, stderr: string, exitCode: number | null): Verdict {
  const output = parsePluginOutput(body)
  const state = stateFromExitCode(exitCode)
  const text = output.text || firstLine(stderr) || `the plugin exited with code ${exitCode}`
  // A plugin that could not even start (127, a loader error) is not a verdict on the target.
  const summary = exitCode !== null && exitCode > 3 ? `plugin failed (exit ${exitCode}): ${firstLine(stderr) || text}` : text
  return {state, summary, metrics: output.perfdata}
}

const fixed = (value: number, digits: number) => value.toFixed(digits)

/** check_ping's rule: CRITICAL when loss or RTA reach the critical pair, WARNING at the warning pair. */
function rtaLossState(check: ValidCheck, rtaMs: number | null, lossPct: number): CheckState {
  const crit = parseRtaLoss(check.critical!, 'critical')
  const warn = parseRtaLoss(check.warning!, 'warning')
  if (lossPct >= 100) return 'CRITICAL'
  if (lossPct >= crit.lossPct || (rtaMs !== null && rtaMs >= crit.rtaMs)) return 'CRITICAL'
  if (lossPct >= warn.lossPct || (rtaMs !== null && rtaMs >= warn.rtaMs)) return 'WARNING'
  return 'OK'
}

function rtaLossMetrics(check: ValidCheck, rtaMs: number | null, lossPct: number): Metric[] {
  const crit = parseRtaLoss(check.critical!, 'critical')
  const warn = parseRtaLoss(check.warning!, 'warning')
  return [
    {name: 'rta', value: rtaMs, unit: 'ms', warn: String(warn.rtaMs), crit: String(crit.rtaMs), min: 0},
    {name: 'pl', value: lossPct, unit: '%', warn: String(warn.lossPct), crit: String(crit.lossPct), min: 0},
  ]
}

/** iputils and BusyBox ping summaries. */
function pingVerdict(check: ValidCheck, body: string, stderr: string): Verdict {
  const counts = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(body)
  if (!counts) {
    return {state: 'UNKNOWN', summary: `PING UNKNOWN - ${firstLine(stderr) || firstLine(body) || 'ping printed no statistics'}`, metrics: []}
  }
  const sent = Number(counts[1])
  const received = Number(counts[2])
  const lossPct = sent === 0 ? 100 : Math.round(((sent - received) / sent) * 100)
  const rtt = /(?:rtt|round-trip) min\/avg\/max(?:\/mdev)? = [\d.]+\/([\d.]+)\//.exec(body)
  const rtaMs = received > 0 && rtt ? Number(rtt[1]) : null
  const state = rtaLossState(check, rtaMs, lossPct)
  const summary = rtaMs === null ? `PING ${state} - Packet loss = ${lossPct}%` : `PING ${state} - Packet loss = ${lossPct}%, RTA = ${fixed(rtaMs, 2)} ms`
  return {state, summary, metrics: rtaLossMetrics(check, rtaMs, lossPct)}
}

function timeMetric(check: ValidCheck, seconds: number): Metric {
  const metric: Metric = {name: 'time', value: seconds, unit: 's', min: 0, max: check.timeoutS}
  if (check.warning !== undefined) metric.warn = check.warning
  if (check.critical !== undefined) metric.crit = check.critical
  return metric
}

function devTcpVerdict(check: ValidCheck, body: string, stderr: string, exitCode: number | null): Verdict {
  const where = `${check.target} port ${check.port}`
  const connected = /mc-connect-us (\d+)/.exec(body)
  if (exitCode === 0 && connected) {
    const seconds = Number(connected[1]) / 1e6
    const state = stateFor(seconds, check.warning, check.critical)
    return {state, summary: `TCP ${state} - ${fixed(seconds, 3)} second response time on ${where}`, metrics: [timeMetric(check, seconds)]}
  }
  if (exitCode === TIMEOUT_EXIT) return {state: 'CRITICAL', summary: `TCP CRITICAL - Socket timeout after ${check.timeoutS} seconds connecting to ${where}`, metrics: []}
  const reason = /connect: (.+)$/m.exec(stderr)?.[1] ?? (firstLine(stderr) || `exit code ${exitCode}`)
  return {state: 'CRITICAL', summary: `TCP CRITICAL - connect to ${where}: ${reason}`, metrics: []}
}

function curlVerdict(check: ValidCheck, body: string, stderr: string, exitCode: number | null): Verdict {
  const line = /mc-curl (\d{3}) ([\d.]+) (\d+)/.exec(body)
  if (exitCode === 28) return {state: 'CRITICAL', summary: `HTTP CRITICAL - no answer within ${check.timeoutS} seconds`, metrics: []}
  if (exitCode !== 0 || !line || line[1] === '000') {
    const reason = (firstLine(stderr) || `curl exit code ${exitCode}`).replace(/^curl: \(\d+\) /, '')
    return {state: 'CRITICAL', summary: `HTTP CRITICAL - ${reason}`, metrics: []}
  }
  const status = Number(line[1])
  const seconds = Number(line[2])
  const bytes = Number(line[3])
  // check_http's default: 4xx is a warning, 5xx critical, anything else answered is fine.
  const byStatus: CheckState = status >= 500 ? 'CRITICAL' : status >= 400 ? 'WARNING' : 'OK'
  const state = worstState([byStatus, stateFor(seconds, check.warning, check.critical)])
  return {
    state,
    summary: `HTTP ${state}: HTTP ${status} - ${bytes} bytes in ${fixed(seconds, 3)} second response time`,
    metrics: [timeMetric(check, seconds), {name: 'size', value: bytes, unit: 'B', min: 0}],
  }
}

function dnsAnswerVerdict(check: ValidCheck, addresses: string[], seconds: number | null): Verdict {
  const metrics = seconds === null ? [] : [timeMetric(check, seconds)]
  if (addresses.length === 0) return {state: 'CRITICAL', summary: `DNS CRITICAL - ${check.target} has no address`, metrics}
  if (check.expect !== undefined && !addresses.includes(check.expect)) {
    return {state: 'CRITICAL', summary: `DNS CRITICAL - expected '${check.expect}' but got '${addresses.join(',')}'`, metrics}
  }
  const state = seconds === null ? 'OK' : stateFor(seconds, check.warning, check.critical)
  const time = seconds === null ? '' : `${fixed(seconds, 3)} seconds response time. `
  return {state, summary: `DNS ${state}: ${time}${check.target} returns ${addresses.join(',')}`, metrics}
}

function digVerdict(check: ValidCheck, body: string): Verdict {
  const status = /status: ([A-Z]+)/.exec(body)?.[1]
  if (!status) {
    const reason = body
      .split('\n')
      .find((l) => /communications error|no servers could be reached|timed out/.test(l))
      ?.replace(/^;;\s*/, '')
    return {state: 'CRITICAL', summary: `DNS CRITICAL - No response from DNS ${check.server ?? 'server'}${reason ? ` (${reason})` : ''}`, metrics: []}
  }
  if (status === 'NXDOMAIN') return {state: 'CRITICAL', summary: `DNS CRITICAL - Domain '${check.target}' was not found by the server`, metrics: []}
  if (status !== 'NOERROR') return {state: 'CRITICAL', summary: `DNS CRITICAL - the server answered ${status}`, metrics: []}
  const addresses = [...body.matchAll(/^\S+\s+\d+\s+IN\s+A\s+(\S+)\s*$/gm)].map((m) => m[1])
  const msec = /Query time: (\d+) msec/.exec(body)
  return dnsAnswerVerdict(check, addresses, msec ? Number(msec[1]) / 1000 : null)
}

function getentVerdict(check: ValidCheck, body: string, stderr: string, exitCode: number | null): Verdict {
  if (exitCode === TIMEOUT_EXIT) return {state: 'CRITICAL', summary: `DNS CRITICAL - no answer within ${check.timeoutS} seconds`, metrics: []}
  if (exitCode === 2) return {state: 'CRITICAL', summary: `DNS CRITICAL - Domain '${check.target}' was not found`, metrics: []}
  if (exitCode !== 0) return {state: 'UNKNOWN', summary: `DNS UNKNOWN - getent failed (exit ${exitCode}): ${firstLine(stderr)}`, metrics: []}
  const elapsed = /mc-elapsed-ns (\d+)/.exec(body)
  const addresses = body
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('mc-elapsed-ns'))
    .map((line) => line.trim().split(/\s+/)[0])
  return dnsAnswerVerdict(check, [...new Set(addresses)], elapsed ? Number(elapsed[1]) / 1e9 : null)
}

/** " over TCP 443" for a path not traced with ICMP, so Nagios output and reports say how it was measured. */
export function tracedOver(check: Pick<ValidCheck, 'port' | 'protocol'>): string {
  return check.protocol && check.protocol !== 'icmp' ? ` over ${check.protocol.toUpperCase()} ${check.port}` : ''
}

function mtrVerdict(check: ValidCheck, body: string, stderr: string, exitCode: number | null): Verdict {
  if (exitCode === TIMEOUT_EXIT) return {state: 'UNKNOWN', summary: `PATH UNKNOWN - mtr did not finish within ${check.timeoutS} seconds`, metrics: []}
  // mtr exits 0 even when it cannot resolve the target; it then prints nothing on stdout.
  if (body.trim() === '') {
    return {state: 'UNKNOWN', summary: `PATH UNKNOWN - ${firstLine(stderr).replace(/^mtr: /, '') || `mtr printed nothing (exit ${exitCode})`}`, metrics: []}
  }
  const report = check.protocol === 'tcp' || check.protocol === 'udp' || check.stream ? parseMtrRaw(body, check.target) : parseMtrJson(body)
  const {hops} = report
  const last = hops.at(-1)
  if (!last) {
    return {state: 'CRITICAL', summary: `PATH CRITICAL - no hop answered in ${report.rounds} rounds to ${check.target}`, metrics: [{name: 'hops', value: 0, unit: ''}], hops}
  }
  const reached = last.host !== '???' && last.lossPct < 100
  if (!reached) {
    const answering = hops.findLast((h) => h.host !== '???' && h.lossPct < 100)
    const lastAnswer = answering ? `last answer from hop ${answering.hop} (${answering.host})` : 'no hop answered'
    return {
      state: 'CRITICAL',
      summary: `PATH CRITICAL - ${check.target} not reached${tracedOver(check)}: ${lastAnswer}`,
      metrics: [...rtaLossMetrics(check, null, 100), {name: 'hops', value: hops.length, unit: ''}],
      hops,
    }
  }
  const state = rtaLossState(check, last.avgMs, last.lossPct)
  return {
    state,
    summary: `PATH ${state} - ${hops.length} hop${hops.length === 1 ? '' : 's'} to ${last.host}${tracedOver(check)}, loss ${last.lossPct}%, avg ${fixed(last.avgMs, 2)} ms`,
    metrics: [...rtaLossMetrics(check, last.avgMs, last.lossPct), {name: 'hops', value: hops.length, unit: ''}],
    hops,
  }
}
