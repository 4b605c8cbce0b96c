import {join} from 'node:path'
import {stringify as stringifyYaml} from 'yaml'

import type {CheckDefinition} from '../checks/types.js'
import type {Probe} from '../store/inventory.js'

/**
 * The text of `mc nagios config`'s files: Nagios object definitions (commands, templates, hosts,
 * services), the passive mode's cron script and cron entry, and a checks file per target. What goes
 * in them (which vantage points, targets, services; validated names and paths) is planned in
 * src/services/nagios-config.ts.
 */

export type NagiosMode = 'passive' | 'ssh'

/** What the files say beyond the plan: the settings of one `mc nagios config` run. */
export type NagiosRenderSettings = {
  outDir: string
  mode: NagiosMode
  /** Minutes between checks (Nagios' default interval_length of 60 s). */
  intervalMinutes: number
  contactGroup?: string
  /** passive: argv that runs mc from cron, and Nagios' external command file. */
  mcCommand: string[]
  commandFile: string
  /** passive: the user cron runs the script as, and MC_HOME to give it when set. */
  cronUser: string
  mcHome?: string
}

/** A vantage point's host: a probe, or "local" (the machine mc runs on). */
export type NagiosVantage = {name: string; probe?: Probe}

/** One service: a vantage point's view of one target (and, in ssh mode, one check). */
export type NagiosService = {
  vantage: string
  target: string
  description: string
  displayName: string
  /** ssh mode: the check script check_by_ssh runs on the probe, and the seconds Nagios gives it. */
  bySsh?: {script: string; timeoutS: number}
}

export type SkippedService = {vantage: string; target: string; check: string; reason: string}

/** What one run configures, every name and path in it already validated. */
export type NagiosPlan = {
  /** The vantage points that have services. */
  vantages: NagiosVantage[]
  targets: string[]
  services: NagiosService[]
  skipped: SkippedService[]
  definitions: CheckDefinition[]
  /** The private key and known_hosts as the Nagios server's user reads them. */
  ssh: {keyFile: string; knownHosts: string}
}

/** An object definition with aligned attributes. */
function define(type: string, attributes: [string, number | string | undefined][], comment?: string): string {
  const present = attributes.filter((a): a is [string, number | string] => a[1] !== undefined)
  const width = Math.max(...present.map(([k]) => k.length)) + 2
  const lines = present.map(([k, v]) => `  ${k.padEnd(width)}${v}`)
  return `${comment ? `# ${comment}\n` : ''}define ${type} {\n${lines.join('\n')}\n}\n`
}

function header(settings: NagiosRenderSettings, what: string): string {
  return [
    `# ${what}`,
    `# Written by "mc nagios config" (mode ${settings.mode}) at ${new Date().toISOString()}; generate again rather than edit.`,
    `# Load every file with one line in nagios.cfg: cfg_dir=${settings.outDir}`,
    '',
  ].join('\n')
}

function commands(settings: NagiosRenderSettings): string {
  const parts = [header(settings, 'mc: commands')]
  parts.push(
    define(
      'command',
      [
        ['command_name', 'mc_target_alive'],
        ['command_line', '$USER1$/check_ping -H $HOSTADDRESS$ -w 3000.0,80% -c 5000.0,100% -p 5'],
      ],
      "A target's host check, from the Nagios server itself.",
    ),
  )
  if (settings.mode === 'ssh') {
    parts.push(
      define(
        'command',
        [
          ['command_name', 'mc_probe_ssh'],
          ['command_line', "$USER1$/check_ssh -p '$_HOSTMC_SSH_PORT$' -t 10 '$HOSTADDRESS$'"],
        ],
        "A probe's host check: its SSH server answers.",
      ),
      define(
        'command',
        [
          ['command_name', 'mc_by_ssh'],
          [
            'command_line',
            [
              // Every macro quoted: the values are validated (user, host, port, paths), and quoting keeps a
              // space or shell character in any of them one argument should validation ever miss it.
              "$USER1$/check_by_ssh -H '$HOSTADDRESS$' -p '$_HOSTMC_SSH_PORT$' -l '$_HOSTMC_SSH_USER$' -i '$_HOSTMC_SSH_KEY$'",
              "-o 'UserKnownHostsFile=$_HOSTMC_KNOWN_HOSTS$' -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes",
              "-q -U --skip-stdout=1 -t $ARG2$ -C 'echo $ARG1$ | base64 -d | /bin/sh'",
            ].join(' '),
          ],
        ],
        'ARG1: the check script, base64; ARG2: seconds. -U: a probe that cannot be reached is UNKNOWN, not a fault at the target.',
      ),
    )
  } else {
    parts.push(
      define(
        'command',
        [
          ['command_name', 'mc_stale'],
          ['command_line', '$USER1$/check_dummy 3 "No result from mc for over $ARG1$ seconds: is mc-passive.sh running from cron?"'],
        ],
        'Run by Nagios only when a passive result is overdue.',
      ),
    )
  }
  return parts.join('\n')
}

function templates(settings: NagiosRenderSettings): string {
  const staleAfter = settings.intervalMinutes * 60 * 2 + 60
  const days = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'].map((d): [string, string] => [d, '00:00-24:00'])
  const parts = [
    header(settings, 'mc: time period and templates'),
    define('timeperiod', [['timeperiod_name', 'mc-24x7'], ['alias', 'Always (mc)'], ...days]),
    define('host', [
      ['name', 'mc-host'],
      ['register', 0],
      ['check_period', 'mc-24x7'],
      ['check_interval', settings.intervalMinutes],
      ['retry_interval', 1],
      ['max_check_attempts', 3],
      ['notification_period', 'mc-24x7'],
      ['notification_interval', 60],
      ['notification_options', 'd,u,r'],
      ['contact_groups', settings.contactGroup],
    ]),
    define('service', [
      ['name', 'mc-service'],
      ['register', 0],
      ['check_period', 'mc-24x7'],
      ['check_interval', settings.intervalMinutes],
      ['retry_interval', 1],
      ['max_check_attempts', 3],
      ['notification_period', 'mc-24x7'],
      ['notification_interval', 60],
      ['notification_options', 'w,u,c,r'],
      ['contact_groups', settings.contactGroup],
    ]),
  ]
  if (settings.mode === 'passive') {
    parts.push(
      define(
        'service',
        [
          ['name', 'mc-passive-service'],
          ['use', 'mc-service'],
          ['register', 0],
          ['active_checks_enabled', 0],
          ['passive_checks_enabled', 1],
          ['check_freshness', 1],
          ['freshness_threshold', staleAfter],
          ['check_command', `mc_stale!${staleAfter}`],
          ['max_check_attempts', 1],
        ],
        'Results come from mc-passive.sh; Nagios runs mc_stale only when none arrived for two intervals.',
      ),
    )
  }
  return parts.join('\n')
}

function hosts(settings: NagiosRenderSettings, vantages: NagiosVantage[], targets: string[], ssh: {keyFile: string; knownHosts: string}): string {
  const parts = [header(settings, 'mc: hosts (vantage points and targets) and host groups')]
  for (const {name, probe} of vantages) {
    const where = probe ? [probe.provider, probe.region].filter(Boolean).join(' ') || probe.kind : 'the machine mc runs on'
    const active = settings.mode === 'ssh'
    parts.push(
      define('host', [
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
        ['_MC_SSH_KEY', active ? (probe?.keyPath ?? ssh.keyFile) : undefined],
        ['_MC_KNOWN_HOSTS', active ? ssh.knownHosts : undefined],
      ]),
    )
  }
  for (const target of targets) {
    parts.push(
      define('host', [
        ['use', 'mc-host'],
        ['host_name', target],
        ['alias', `${target} (mc target)`],
        ['address', target],
        ['hostgroups', 'mc-targets'],
        ['check_command', 'mc_target_alive'],
      ]),
    )
  }
  parts.push(
    define('hostgroup', [
      ['hostgroup_name', 'mc-vantages'],
      ['alias', 'mc vantage points'],
    ]),
    define('hostgroup', [
      ['hostgroup_name', 'mc-targets'],
      ['alias', 'mc targets'],
    ]),
  )
  return parts.join('\n')
}

function serviceAttributes(service: NagiosService): [string, number | string | undefined][] {
  const {vantage, target, description, displayName, bySsh} = service
  return [
    ['use', bySsh ? 'mc-service' : 'mc-passive-service'],
    ['host_name', vantage],
    ['service_description', description],
    ['display_name', displayName],
    ['servicegroups', `mc-target-${target}`],
    // The script has newlines, "$" and ";" that Nagios object files cannot carry.
    ['check_command', bySsh ? `mc_by_ssh!${Buffer.from(bySsh.script).toString('base64')}!${bySsh.timeoutS}` : undefined],
  ]
}

function servicesFile(settings: NagiosRenderSettings, services: NagiosService[], targets: string[], skipped: SkippedService[]): string {
  const parts = [header(settings, 'mc: services (one per vantage point, target and check) and a service group per target')]
  if (skipped.length > 0) {
    parts.push(['# Not configured:', ...skipped.map((s) => `#   ${s.vantage} -> ${s.target} ${s.check}: ${s.reason}`), ''].join('\n'))
  }
  for (const service of services) parts.push(define('service', serviceAttributes(service)))
  for (const target of targets) {
    if (!services.some((s) => s.target === target)) continue
    parts.push(
      define('servicegroup', [
        ['servicegroup_name', `mc-target-${target}`],
        ['alias', `${target} from every vantage point`],
      ]),
    )
  }
  return parts.join('\n')
}

/** A shell word that stays one word whatever it holds. */
function sh(word: string): string {
  return `'${word.replaceAll("'", String.raw`'\''`)}'`
}

/** A checks file per target, for `mc check run -f`: one entry per check keeps each check's own settings. */
function checksFile(definitions: CheckDefinition[]): string {
  const targets = definitions.map((d) =>
    withoutUndefined({
      target: d.target,
      checks: [d.port === undefined ? d.kind : `${d.kind}:${d.port}`],
      count: d.count,
      timeout: d.timeoutS,
      warning: d.warning,
      critical: d.critical,
    }),
  )
  return `# Written by "mc nagios config"; mc-passive.sh runs these checks with "mc check run -f".\n${stringifyYaml({targets})}`
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined))
}

const checksFileName = (target: string) => `mc-checks-${target}.yaml`

function passiveScript(settings: NagiosRenderSettings, services: NagiosService[]): string {
  const byVantage = new Map<string, NagiosService[]>()
  for (const s of services) byVantage.set(s.vantage, [...(byVantage.get(s.vantage) ?? []), s])
  const jobs = [...byVantage].map(([vantage, list]) => {
    const lines = list.map((s) => {
      const argv = ['check', 'run', '--from', vantage, '--file', join(settings.outDir, checksFileName(s.target)), '--output', 'nagios']
      return `  submit ${sh(vantage)} ${sh(s.description)} ${argv.map((a) => sh(a)).join(' ')}`
    })
    return `# ${vantage}: one target after another, while the other vantage points run at the same time.\n(\n${lines.join('\n')}\n) &`
  })
  return `#!/bin/sh
# Written by "mc nagios config --mode passive" at ${new Date().toISOString()}; generate again rather than edit.
# Runs mc's checks from every vantage point and submits each answer to Nagios as a passive result.
# cron runs it (see mc-passive.cron). MC overrides how mc is run; NAGIOS_COMMAND_FILE where results go.
set -u
COMMAND_FILE=\${NAGIOS_COMMAND_FILE:-${sh(settings.commandFile)}}
if [ -n "\${MC:-}" ]; then
  run_mc() { $MC "$@"; }
else
  run_mc() { ${settings.mcCommand.map((w) => sh(w)).join(' ')} "$@"; }
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

function cronFile(settings: NagiosRenderSettings): string {
  // cron turns an unescaped "%" in the command into a newline.
  const env = settings.mcHome ? `MC_HOME=${sh(settings.mcHome).replaceAll('%', String.raw`\%`)} ` : ''
  return `# /etc/cron.d entry for mc's passive checks, written by "mc nagios config". The user needs mc's data
# (probes, key, known_hosts) and write access to ${settings.commandFile} (the nagios group).
*/${settings.intervalMinutes} * * * * ${settings.cronUser} ${env}${sh(join(settings.outDir, 'mc-passive.sh'))} >/dev/null 2>&1
`
}

/** Every file of one run, by name (mc-*.cfg, and in passive mode the script, cron entry and checks files). */
export function nagiosFiles(settings: NagiosRenderSettings, plan: NagiosPlan): Record<string, string> {
  const files: Record<string, string> = {
    'mc-commands.cfg': commands(settings),
    'mc-templates.cfg': templates(settings),
    'mc-hosts.cfg': hosts(settings, plan.vantages, plan.targets, plan.ssh),
    'mc-services.cfg': servicesFile(settings, plan.services, plan.targets, plan.skipped),
  }
  if (settings.mode === 'passive') {
    files['mc-passive.sh'] = passiveScript(settings, plan.services)
    files['mc-passive.cron'] = cronFile(settings)
    for (const target of plan.targets) files[checksFileName(target)] = checksFile(plan.definitions.filter((d) => d.target === target))
  }
  return files
}
