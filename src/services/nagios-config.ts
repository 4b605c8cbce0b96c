import {chmodSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {stringify as stringifyYaml} from 'yaml'

import {buildCheckCommand} from '../checks/commands.js'
import type {CheckDefinition} from '../checks/types.js'
import {NotFoundError, ValidationError} from '../core/errors.js'
import {ensureOutputDir, writeOutputFile} from '../store/output-file.js'
import {validateSshLogin} from './ssh-login.js'
import {CheckHistory} from '../store/history.js'
import {Inventory, type Probe} from '../store/inventory.js'
import {mcKeyPaths} from '../store/mc-key.js'
import {DB_FILE} from '../store/schema.js'
import {definitionsFor} from './check-spec.js'

/**
 * Nagios object definitions for mc's checks, so a Nagios installation does the continuous checking.
 *
 * Services hang on the vantage point's host (a probe, or "local"), one per target and check: when a
 * probe is down, Nagios holds back its services' alerts by itself, so a dead probe never reads as a
 * fault at the target. A service group per target collects every vantage point's view of it.
 *
 * Two modes:
 * - ssh: Nagios runs each check through check_by_ssh on the probe, with mc's key and known_hosts. The
 *   remote command is the same script `mc check run --tools plugins` runs, base64-encoded, because
 *   the script has newlines, "$" and ";" that Nagios object files cannot carry. check_by_ssh drops
 *   the script's first line (its implementation marker), so Nagios reads the plugin's own answer.
 * - passive: a cron job runs `mc check run --output nagios` per vantage point and target and submits
 *   each answer to Nagios' command file; Nagios only watches for answers going stale. This mode also
 *   covers the path check (mtr, parsed by mc) and the "local" vantage point.
 */

export type NagiosMode = 'passive' | 'ssh'

export type NagiosConfigRequest = {
  outDir: string
  mode: NagiosMode
  /** What to check; empty: the target/check pairs the history saw in the last HISTORY_DAYS days. */
  definitions: CheckDefinition[]
  /** Vantage points: all, local, probe names (as `mc check run --from`). */
  from: string[]
  /** Minutes between checks (Nagios' default interval_length of 60 s). */
  intervalMinutes: number
  dataDir: string
  /** The private key and known_hosts as the Nagios server's user reads them (default: mc's own). */
  keyFile?: string
  knownHostsFile?: string
  contactGroup?: string
  /** passive: argv that runs mc from cron, and Nagios' external command file. */
  mcCommand: string[]
  commandFile: string
  /** passive: the user cron runs the script as, and MC_HOME to give it when set. */
  cronUser: string
  mcHome?: string
}

export type SkippedService = {vantage: string; target: string; check: string; reason: string}

export type NagiosConfigResult = {
  outDir: string
  /** True when mc created outDir (its parent existed). */
  createdDir: boolean
  mode: NagiosMode
  files: string[]
  hosts: string[]
  services: number
  skipped: SkippedService[]
}

/** How far back the history is read when no targets are given. */
export const HISTORY_DAYS = 7

export const DEFAULT_COMMAND_FILE = '/var/lib/nagios4/rw/nagios.cmd'

/** Every file this generator may write; a new run removes the ones it no longer writes. */
const OWN_FILES = /^mc-(commands\.cfg|templates\.cfg|hosts\.cfg|services\.cfg|passive\.sh|passive\.cron|checks-.+\.yaml)$/

// Nagios' default illegal_object_name_chars, plus what would end a value (";" starts a comment).
const ILLEGAL_NAME = /[`~!$%^&*|'"<>?,()=;\s\\]/
// Paths go into command lines unquoted: keep them to characters no shell or Nagios reads as syntax.
const SAFE_PATH = /^\/[\w./@+-]*$/

type Vantage = {name: string; probe?: Probe}

/** The (target, check) pairs measured recently, as definitions with default settings. */
export function definitionsFromHistory(dataDir: string, now = new Date()): CheckDefinition[] {
  const history = CheckHistory.open(join(dataDir, DB_FILE))
  try {
    const since = new Date(now.getTime() - HISTORY_DAYS * 86_400_000).toISOString()
    const pairs = new Map<string, Set<string>>()
    // Newest 20,000 results: a week of 5-minute rounds over ten targets and three checks is ~6,000 per vantage.
    for (const r of history.series({since, limit: 20_000})) pairs.set(r.target, (pairs.get(r.target) ?? new Set()).add(r.check))
    return [...pairs].sort(([a], [b]) => a.localeCompare(b)).flatMap(([target, checks]) => definitionsFor([target], [...checks].sort(), {}))
  } finally {
    history.close()
  }
}

function vantagesFor(from: string[], dataDir: string): Vantage[] {
  const names = from.flatMap((f) => f.split(',')).map((f) => f.trim()).filter(Boolean)
  const wanted = names.length === 0 ? ['all'] : names
  const inventory = Inventory.open(dataDir)
  try {
    const all = wanted.includes('all')
    const probes = all ? inventory.list().filter((p) => p.state === 'ready' && p.host) : wanted.filter((n) => n !== 'local').map((n) => inventory.get(n))
    for (const probe of probes) {
      if (!probe.host) throw new ValidationError(`Probe ${probe.name} has no address yet (state ${probe.state}); deploy it again or leave it out of --from.`)
      // The inventory may predate user/host validation: nothing unchecked goes into a command line.
      validateSshLogin({user: probe.user, host: probe.host}, `Probe ${probe.name} cannot go into Nagios configuration`)
    }
    return [...(all || wanted.includes('local') ? [{name: 'local'}] : []), ...probes.map((probe) => ({name: probe.name, probe}))]
  } finally {
    inventory.close()
  }
}

function checkName(name: string, what: string): string {
  if (ILLEGAL_NAME.test(name) || name === '') throw new ValidationError(`${what} "${name}" cannot be a Nagios object name (it has a character Nagios refuses).`)
  return name
}

function safePath(path: string, flag: string): string {
  if (!SAFE_PATH.test(path)) {
    throw new ValidationError(`${path} cannot go into a Nagios command line as it is: give ${flag} an absolute path of letters, digits and ./_-@+ only.`)
  }
  return path
}

/** An object definition with aligned attributes. */
function define(type: string, attributes: [string, number | string | undefined][], comment?: string): string {
  const present = attributes.filter((a): a is [string, number | string] => a[1] !== undefined)
  const width = Math.max(...present.map(([k]) => k.length)) + 2
  const lines = present.map(([k, v]) => `  ${k.padEnd(width)}${v}`)
  return `${comment ? `# ${comment}\n` : ''}define ${type} {\n${lines.join('\n')}\n}\n`
}

function header(request: NagiosConfigRequest, what: string): string {
  return [
    `# ${what}`,
    `# Written by "mc nagios config" (mode ${request.mode}) at ${new Date().toISOString()}; generate again rather than edit.`,
    `# Load every file with one line in nagios.cfg: cfg_dir=${request.outDir}`,
    '',
  ].join('\n')
}

function commands(request: NagiosConfigRequest): string {
  const parts = [header(request, 'mc: commands')]
  parts.push(define('command', [
    ['command_name', 'mc_target_alive'],
    ['command_line', '$USER1$/check_ping -H $HOSTADDRESS$ -w 3000.0,80% -c 5000.0,100% -p 5'],
  ], "A target's host check, from the Nagios server itself."))
  if (request.mode === 'ssh') {
    parts.push(define('command', [
      ['command_name', 'mc_probe_ssh'],
      ['command_line', "$USER1$/check_ssh -p '$_HOSTMC_SSH_PORT$' -t 10 '$HOSTADDRESS$'"],
    ], "A probe's host check: its SSH server answers."), define('command', [
      ['command_name', 'mc_by_ssh'],
      ['command_line', [
        // Every macro quoted: the values are validated (user, host, port, paths), and quoting keeps a
        // space or shell character in any of them one argument should validation ever miss it.
        "$USER1$/check_by_ssh -H '$HOSTADDRESS$' -p '$_HOSTMC_SSH_PORT$' -l '$_HOSTMC_SSH_USER$' -i '$_HOSTMC_SSH_KEY$'",
        "-o 'UserKnownHostsFile=$_HOSTMC_KNOWN_HOSTS$' -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes",
        "-q -U --skip-stdout=1 -t $ARG2$ -C 'echo $ARG1$ | base64 -d | /bin/sh'",
      ].join(' ')],
    ], 'ARG1: the check script, base64; ARG2: seconds. -U: a probe that cannot be reached is UNKNOWN, not a fault at the target.'))
  } else {
    parts.push(define('command', [
      ['command_name', 'mc_stale'],
      ['command_line', '$USER1$/check_dummy 3 "No result from mc for over $ARG1$ seconds: is mc-passive.sh running from cron?"'],
    ], 'Run by Nagios only when a passive result is overdue.'))
  }
  return parts.join('\n')
}

function templates(request: NagiosConfigRequest): string {
  const staleAfter = request.intervalMinutes * 60 * 2 + 60
  const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d): [string, string] => [d, '00:00-24:00'])
  const parts = [
    header(request, 'mc: time period and templates'),
    define('timeperiod', [['timeperiod_name', 'mc-24x7'], ['alias', 'Always (mc)'], ...days]),
    define('host', [
      ['name', 'mc-host'], ['register', 0], ['check_period', 'mc-24x7'], ['check_interval', request.intervalMinutes], ['retry_interval', 1],
      ['max_check_attempts', 3], ['notification_period', 'mc-24x7'], ['notification_interval', 60], ['notification_options', 'd,u,r'],
      ['contact_groups', request.contactGroup],
    ]),
    define('service', [
      ['name', 'mc-service'], ['register', 0], ['check_period', 'mc-24x7'], ['check_interval', request.intervalMinutes], ['retry_interval', 1],
      ['max_check_attempts', 3], ['notification_period', 'mc-24x7'], ['notification_interval', 60], ['notification_options', 'w,u,c,r'],
      ['contact_groups', request.contactGroup],
    ]),
  ]
  if (request.mode === 'passive') {
    parts.push(define('service', [
      ['name', 'mc-passive-service'], ['use', 'mc-service'], ['register', 0], ['active_checks_enabled', 0], ['passive_checks_enabled', 1],
      ['check_freshness', 1], ['freshness_threshold', staleAfter], ['check_command', `mc_stale!${staleAfter}`], ['max_check_attempts', 1],
    ], 'Results come from mc-passive.sh; Nagios runs mc_stale only when none arrived for two intervals.'))
  }
  return parts.join('\n')
}

function hosts(request: NagiosConfigRequest, vantages: Vantage[], targets: string[], ssh: {keyFile: string; knownHosts: string}): string {
  const parts = [header(request, 'mc: hosts (vantage points and targets) and host groups')]
  for (const {name, probe} of vantages) {
    const where = probe ? [probe.provider, probe.region].filter(Boolean).join(' ') || probe.kind : 'the machine mc runs on'
    const active = request.mode === 'ssh'
    parts.push(define('host', [
      ['use', 'mc-host'],
      ['host_name', name],
      ['alias', `mc vantage point ${name} (${where})`],
      ['address', probe?.host ?? '127.0.0.1'],
      ['hostgroups', 'mc-vantages'],
      ['check_command', active ? 'mc_probe_ssh' : undefined],
      ['active_checks_enabled', active ? undefined : 0],
      ['passive_checks_enabled', active ? undefined : 1],
      ['initial_state', active ? undefined : 'o'],
      ['_MC_SSH_PORT', probe?.port],
      ['_MC_SSH_USER', active ? probe?.user : undefined],
      ['_MC_SSH_KEY', active ? (probe?.keyPath ? safePath(probe.keyPath, `probe ${name}'s key`) : ssh.keyFile) : undefined],
      ['_MC_KNOWN_HOSTS', active ? ssh.knownHosts : undefined],
    ]))
  }
  for (const target of targets) {
    parts.push(define('host', [
      ['use', 'mc-host'], ['host_name', target], ['alias', `${target} (mc target)`], ['address', target], ['hostgroups', 'mc-targets'], ['check_command', 'mc_target_alive'],
    ]))
  }
  parts.push(
    define('hostgroup', [['hostgroup_name', 'mc-vantages'], ['alias', 'mc vantage points']]),
    define('hostgroup', [['hostgroup_name', 'mc-targets'], ['alias', 'mc targets']]),
  )
  return parts.join('\n')
}

type PlannedService = {vantage: string; target: string; description: string; attributes: [string, number | string | undefined][]}

function servicesFile(request: NagiosConfigRequest, services: PlannedService[], targets: string[], skipped: SkippedService[]): string {
  const parts = [header(request, 'mc: services (one per vantage point, target and check) and a service group per target')]
  if (skipped.length > 0) {
    parts.push(['# Not configured:', ...skipped.map((s) => `#   ${s.vantage} -> ${s.target} ${s.check}: ${s.reason}`), ''].join('\n'))
  }
  for (const service of services) parts.push(define('service', service.attributes))
  for (const target of targets) {
    if (!services.some((s) => s.target === target)) continue
    parts.push(define('servicegroup', [['servicegroup_name', `mc-target-${target}`], ['alias', `${target} from every vantage point`]]))
  }
  return parts.join('\n')
}

function planSsh(vantages: Vantage[], definitions: CheckDefinition[], skipped: SkippedService[]): PlannedService[] {
  const services: PlannedService[] = []
  for (const {name, probe} of vantages) {
    for (const definition of definitions) {
      const command = buildCheckCommand(definition, 'plugins')
      const {check} = command
      if (!probe) {
        skipped.push({vantage: name, target: check.target, check: check.name, reason: 'the local vantage point runs only in --mode passive (the Nagios server checks from itself with its own plugins)'})
        continue
      }
      if (check.kind === 'path') {
        skipped.push({vantage: name, target: check.target, check: check.name, reason: 'mtr prints no plugin answer; mc parses it in --mode passive'})
        continue
      }
      const script = Buffer.from(command.command).toString('base64')
      const description = `${check.name} ${check.target}`
      services.push({
        vantage: name, target: check.target, description,
        attributes: [
          ['use', 'mc-service'], ['host_name', name], ['service_description', description], ['display_name', `${description} from ${name}`],
          ['servicegroups', `mc-target-${check.target}`], ['check_command', `mc_by_ssh!${script}!${Math.ceil(command.timeoutMs / 1000) + 10}`],
        ],
      })
    }
  }
  return services
}

function planPassive(vantages: Vantage[], definitions: CheckDefinition[]): PlannedService[] {
  const targets = [...new Set(definitions.map((d) => d.target))]
  return vantages.flatMap(({name}) => targets.map((target) => {
    const description = `mc ${target}`
    return {
      vantage: name, target, description,
      attributes: [
        ['use', 'mc-passive-service'], ['host_name', name], ['service_description', description],
        ['display_name', `${target} from ${name}: ${definitions.filter((d) => d.target === target).map((d) => buildCheckCommand(d).check.name).join(', ')}`],
        ['servicegroups', `mc-target-${target}`],
      ] as [string, number | string | undefined][],
    }
  }))
}

/** A shell word that stays one word whatever it holds. */
function sh(word: string): string {
  return `'${word.replaceAll("'", String.raw`'\''`)}'`
}

/** A checks file per target, for `mc check run -f`: one entry per check keeps each check's own settings. */
function checksFile(definitions: CheckDefinition[]): string {
  const targets = definitions.map((d) => withoutUndefined({
    target: d.target,
    checks: [d.port === undefined ? d.kind : `${d.kind}:${d.port}`],
    count: d.count,
    timeout: d.timeoutS,
    warning: d.warning,
    critical: d.critical,
  }))
  return `# Written by "mc nagios config"; mc-passive.sh runs these checks with "mc check run -f".\n${stringifyYaml({targets})}`
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
}

const checksFileName = (target: string) => `mc-checks-${target}.yaml`

function passiveScript(request: NagiosConfigRequest, services: PlannedService[]): string {
  const byVantage = new Map<string, PlannedService[]>()
  for (const s of services) byVantage.set(s.vantage, [...(byVantage.get(s.vantage) ?? []), s])
  const jobs = [...byVantage].map(([vantage, list]) => {
    const lines = list.map((s) => {
      const argv = ['check', 'run', '--from', vantage, '--file', join(request.outDir, checksFileName(s.target)), '--output', 'nagios']
      return `  submit ${sh(vantage)} ${sh(s.description)} ${argv.map((a) => sh(a)).join(' ')}`
    })
    return `# ${vantage}: one target after another, while the other vantage points run at the same time.\n(\n${lines.join('\n')}\n) &`
  })
  return `#!/bin/sh
# Written by "mc nagios config --mode passive" at ${new Date().toISOString()}; generate again rather than edit.
# Runs mc's checks from every vantage point and submits each answer to Nagios as a passive result.
# cron runs it (see mc-passive.cron). MC overrides how mc is run; NAGIOS_COMMAND_FILE where results go.
set -u
COMMAND_FILE=\${NAGIOS_COMMAND_FILE:-${sh(request.commandFile)}}
if [ -n "\${MC:-}" ]; then
  run_mc() { $MC "$@"; }
else
  run_mc() { ${request.mcCommand.map((w) => sh(w)).join(' ')} "$@"; }
fi

# submit HOST SERVICE MC-ARGS...: one "mc check run --output nagios", its exit code as the state. An
# answer that is not a plugin answer (mc itself failed) is UNKNOWN with the last line mc wrote to stderr. Newlines become
# "\\n", as Nagios reads long output from a passive result; the length stays under Nagios' line limit.
submit() {
  host=$1
  service=$2
  shift 2
  err=$(mktemp)
  out=$(run_mc "$@" 2>"$err")
  rc=$?
  case $out in
    "MC "*) ;;
    *) out="MC UNKNOWN - mc did not answer (exit $rc): $(grep -v '^$' "$err" | tail -n 1)"; rc=3 ;;
  esac
  rm -f "$err"
  [ "$rc" -le 3 ] || rc=3
  out=$(printf '%s' "$out" | tr -d '\\r' | sed -e ':a' -e 'N' -e '$!ba' -e 's/\\n/\\\\n/g' | cut -c 1-3500)
  printf '[%s] PROCESS_SERVICE_CHECK_RESULT;%s;%s;%s;%s\\n' "$(date +%s)" "$host" "$service" "$rc" "$out" >> "$COMMAND_FILE"
}

${jobs.join('\n\n')}
wait
`
}

function cronFile(request: NagiosConfigRequest): string {
  validateSshLogin({user: request.cronUser}, 'The cron user')
  // cron turns an unescaped "%" in the command into a newline.
  const env = request.mcHome ? `MC_HOME=${sh(request.mcHome).replaceAll('%', String.raw`\%`)} ` : ''
  if (request.mcHome && /[\n\r]/.test(request.mcHome)) throw new ValidationError('MC_HOME has a line break; it cannot go into a cron file.')
  return `# /etc/cron.d entry for mc's passive checks, written by "mc nagios config". The user needs mc's data
# (probes, key, known_hosts) and write access to ${request.commandFile} (the nagios group).
*/${request.intervalMinutes} * * * * ${request.cronUser} ${env}${sh(join(request.outDir, 'mc-passive.sh'))} >/dev/null 2>&1
`
}

export function writeNagiosConfig(request: NagiosConfigRequest): NagiosConfigResult {
  if (!request.outDir.startsWith('/')) throw new ValidationError('--out must be an absolute directory: the files name each other by path.')
  safePath(request.outDir, '--out')
  if (request.intervalMinutes < 1 || request.intervalMinutes > 59 || !Number.isInteger(request.intervalMinutes)) {
    throw new ValidationError('--interval is whole minutes from 1 to 59.')
  }
  const definitions = request.definitions.length > 0 ? request.definitions : definitionsFromHistory(request.dataDir)
  if (definitions.length === 0) {
    throw new ValidationError('Nothing to check: pass --target HOST or --file checks.yaml, or run "mc check run" first so the history names the targets.')
  }
  for (const d of definitions) buildCheckCommand(d)
  const vantages = vantagesFor(request.from, request.dataDir)
  if (vantages.length === 0) throw new NotFoundError('No vantage points: deploy probes ("mc probe deploy") or name them with --from.')
  const targets = [...new Set(definitions.map((d) => d.target))]
  const hostNames = [...vantages.map((v) => checkName(v.name, 'Vantage point')), ...targets.map((t) => checkName(t, 'Target'))]
  const clash = hostNames.find((n, i) => hostNames.indexOf(n) !== i)
  if (clash) throw new ValidationError(`"${clash}" is both a vantage point and a target; Nagios needs one host per name.`)
  if (request.contactGroup !== undefined) checkName(request.contactGroup, 'Contact group')

  const keyFile = safePath(request.keyFile ?? mcKeyPaths(request.dataDir).privateKeyPath, '--key-file')
  const knownHosts = safePath(request.knownHostsFile ?? join(request.dataDir, 'known_hosts'), '--known-hosts')
  const skipped: SkippedService[] = []
  const services = request.mode === 'ssh' ? planSsh(vantages, definitions, skipped) : planPassive(vantages, definitions)
  const usedVantages = new Set(services.map((s) => s.vantage))
  const hostVantages = vantages.filter((v) => usedVantages.has(v.name))

  const files: Record<string, string> = {
    'mc-commands.cfg': commands(request),
    'mc-templates.cfg': templates(request),
    'mc-hosts.cfg': hosts(request, hostVantages, targets, {keyFile, knownHosts}),
    'mc-services.cfg': servicesFile(request, services, targets, skipped),
  }
  if (request.mode === 'passive') {
    files['mc-passive.sh'] = passiveScript(request, services)
    files['mc-passive.cron'] = cronFile(request)
    for (const target of targets) files[checksFileName(target)] = checksFile(definitions.filter((d) => d.target === target))
  }

  const createdDir = ensureOutputDir(request.outDir)
  for (const stale of readdirSync(request.outDir).filter((f) => OWN_FILES.test(f) && !(f in files))) rmSync(join(request.outDir, stale))
  for (const [name, text] of Object.entries(files)) writeOutputFile(join(request.outDir, name), text, 0o644)
  if (files['mc-passive.sh']) chmodSync(join(request.outDir, 'mc-passive.sh'), 0o755)
  return {
    outDir: request.outDir,
    createdDir,
    mode: request.mode,
    files: Object.keys(files).map((f) => join(request.outDir, f)),
    hosts: [...hostVantages.map((v) => v.name), ...targets],
    services: services.length,
    skipped,
  }
}
