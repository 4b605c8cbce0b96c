import {chmodSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {buildCheckCommand} from '../checks/commands.js'
import type {CheckDefinition} from '../checks/types.js'
import {NotFoundError, ValidationError} from '../core/errors.js'
import {type NagiosMode, type NagiosRenderSettings, type NagiosService, type NagiosVantage, nagiosFiles, type SkippedService} from '../output/nagios-config.js'
import {ensureOutputDir, writeOutputFile} from '../store/output-file.js'
import {validateSshLogin} from './ssh-login.js'
import {CheckHistory} from '../store/history.js'
import {Inventory} from '../store/inventory.js'
import {mcKeyPaths} from '../store/mc-key.js'
import {DB_FILE} from '../store/schema.js'
import {definitionsFor} from './check-spec.js'

/**
 * Planning `mc nagios config`: which vantage points, targets and services, every name and path
 * validated; src/output/nagios-config.ts writes the text. Nagios object definitions for mc's checks, so a Nagios installation does the continuous checking.
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

export type {NagiosMode, SkippedService} from '../output/nagios-config.js'

/** The run's settings as the files carry them (out dir, mode, interval, cron...), and what to plan from. */
export type NagiosConfigRequest = NagiosRenderSettings & {
  /** What to check; empty: the target/check pairs the history saw in the last HISTORY_DAYS days. */
  definitions: CheckDefinition[]
  /** Vantage points: all, local, probe names (as `mc check run --from`). */
  from: string[]
  dataDir: string
  /** The private key and known_hosts as the Nagios server's user reads them (default: mc's own). */
  keyFile?: string
  knownHostsFile?: string
}

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

function vantagesFor(from: string[], dataDir: string): NagiosVantage[] {
  const names = from
    .flatMap((f) => f.split(','))
    .map((f) => f.trim())
    .filter(Boolean)
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

function planSsh(vantages: NagiosVantage[], definitions: CheckDefinition[], skipped: SkippedService[]): NagiosService[] {
  const services: NagiosService[] = []
  for (const {name, probe} of vantages) {
    for (const definition of definitions) {
      const command = buildCheckCommand(definition, 'plugins')
      const {check} = command
      if (!probe) {
        skipped.push({
          vantage: name,
          target: check.target,
          check: check.name,
          reason: 'the local vantage point runs only in --mode passive (the Nagios server checks from itself with its own plugins)',
        })
        continue
      }
      if (check.kind === 'path') {
        skipped.push({vantage: name, target: check.target, check: check.name, reason: 'mtr prints no plugin answer; mc parses it in --mode passive'})
        continue
      }
      const description = `${check.name} ${check.target}`
      services.push({
        vantage: name,
        target: check.target,
        description,
        displayName: `${description} from ${name}`,
        bySsh: {script: command.command, timeoutS: Math.ceil(command.timeoutMs / 1000) + 10},
      })
    }
  }
  return services
}

function planPassive(vantages: NagiosVantage[], definitions: CheckDefinition[]): NagiosService[] {
  const targets = [...new Set(definitions.map((d) => d.target))]
  return vantages.flatMap(({name}) =>
    targets.map((target) => ({
      vantage: name,
      target,
      description: `mc ${target}`,
      displayName: `${target} from ${name}: ${definitions
        .filter((d) => d.target === target)
        .map((d) => buildCheckCommand(d).check.name)
        .join(', ')}`,
    })),
  )
}

/** What only one mode writes: a probe's own key path (ssh), the cron user and MC_HOME (passive). */
function checkModeInputs(request: NagiosConfigRequest, hostVantages: NagiosVantage[]): void {
  if (request.mode === 'ssh') {
    for (const {name, probe} of hostVantages) if (probe?.keyPath) safePath(probe.keyPath, `probe ${name}'s key`)
    return
  }
  validateSshLogin({user: request.cronUser}, 'The cron user')
  if (request.mcHome && /[\n\r]/.test(request.mcHome)) throw new ValidationError('MC_HOME has a line break; it cannot go into a cron file.')
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
  checkModeInputs(request, hostVantages)

  const files = nagiosFiles(request, {vantages: hostVantages, targets, services, skipped, definitions, ssh: {keyFile, knownHosts}})

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
