import {isIP, isIPv6} from 'node:net'

import {shellQuote as q} from './shell.js'
import type {CheckDefinition, Implementation} from './types.js'
import {type ValidCheck, validateCheck} from './validate.js'

/**
 * A check definition becomes one POSIX shell script run on the vantage (over SSH or locally) by sh. The
 * script picks the first implementation the vantage has: a monitoring-plugin, else a portable tool.
 * It prints `mc-impl:NAME` before running it (the parser needs to know which ran), or `mc-impl:none`
 * and `mc-missing: PACKAGES` when nothing is installed. Every value is a single-quoted word.
 */

/** auto: plugins first, then portable tools; the other two force one family (comparisons, tests). */
export type ToolChoice = 'auto' | 'plugins' | 'portable'

export interface CheckCommand {
  check: ValidCheck
  command: string
  /** How long the executor should wait: the tool's own timeout plus slack for start-up. */
  timeoutMs: number
}

export const PLUGIN_DIRS = ['/usr/lib/nagios/plugins', '/usr/lib/monitoring-plugins', '/usr/local/nagios/libexec']

export const IMPL_MARKER = 'mc-impl:'
export const MISSING_MARKER = 'mc-missing:'
/** The address a vantage point resolved a host name to, printed before the tool runs on it. */
export const ADDRESS_MARKER = 'mc-address:'
/** The resolver's error when the name did not resolve there: the tool never ran. */
export const RESOLVE_ERROR_MARKER = 'mc-resolve-error:'

/** Seconds a vantage point's resolver gets for the name (getent has no timeout of its own). */
export const RESOLVE_TIMEOUT_S = 5

/** Debian packages that provide each implementation family, named in UNKNOWN results. */
export const PACKAGES: Record<ValidCheck['kind'], {plugins: string; portable: string}> = {
  ping: {plugins: 'monitoring-plugins-basic', portable: 'iputils-ping'},
  tcp: {plugins: 'monitoring-plugins-basic', portable: 'bash'},
  http: {plugins: 'monitoring-plugins-basic', portable: 'curl'},
  https: {plugins: 'monitoring-plugins-basic', portable: 'curl'},
  dns: {plugins: 'monitoring-plugins-standard bind9-dnsutils', portable: 'bind9-dnsutils'},
  path: {plugins: 'mtr-tiny', portable: 'mtr-tiny'},
}

const SLACK_S = 5

/** Validate, then build. Throws ValidationError before anything could run. */
export function buildCheckCommand(definition: CheckDefinition, tools: ToolChoice = 'auto'): CheckCommand {
  const check = validateCheck(definition)
  const resolving = resolvesOnVantage(check) ? RESOLVE_TIMEOUT_S : 0
  return {check, command: renderCommand(check, tools), timeoutMs: (worstCaseSeconds(check) + resolving + SLACK_S) * 1000}
}

/**
 * The script as one `/bin/sh -c '...'` word, so it runs under sh whatever the login shell is (zsh, for
 * one, does not split the unquoted $mc_t the script relies on).
 */
export function renderCommand(check: ValidCheck, tools: ToolChoice = 'auto'): string {
  return `/bin/sh -c ${q(renderScript(check, tools))}`
}

function worstCaseSeconds(check: ValidCheck): number {
  // The portable ping waits up to timeoutS for the last reply after count requests 0.2 s apart.
  if (check.kind === 'ping') return check.timeoutS + Math.ceil(check.count * 0.2)
  return check.timeoutS
}

/** A ping or path check with a family, of a host name: the vantage point resolves it and the tool gets the address. */
export function resolvesOnVantage(check: Pick<ValidCheck, 'family' | 'target'>): boolean {
  return check.family !== undefined && isIP(check.target) === 0
}

/** getent's database for a family: ahosts gives every family in the order a client there would try them. */
const AHOSTS = {auto: 'ahosts', '4': 'ahostsv4', '6': 'ahostsv6'} as const

/**
 * getaddrinfo through perl (perl-base on every Debian and Ubuntu image; macOS has perl, not getent):
 * the addresses in the resolver's order, one a line, or its error ("Name or service not known" for
 * NXDOMAIN, "Temporary failure in name resolution" for SERVFAIL or no answer) on stderr, status 2.
 */
const PERL_RESOLVE = [
  'my %f = (ahosts => AF_UNSPEC, ahostsv4 => AF_INET, ahostsv6 => AF_INET6);',
  'my ($e, @r) = getaddrinfo($ARGV[0], "", {socktype => SOCK_RAW, family => $f{$ARGV[1]}});',
  String.raw`if ($e) { print STDERR "$e\n"; exit 2 }`,
  String.raw`for (@r) { my ($x, $h) = getnameinfo($_->{addr}, NI_NUMERICHOST, NIx_NOSERV); print "$h\n" }`,
].join(' ')
const PERL = `perl -MSocket=:addrinfo,SOCK_RAW,AF_INET,AF_INET6,AF_UNSPEC -e ${q(PERL_RESOLVE)} "$1" "$2"`

/**
 * `mc_resolve NAME DATABASE`: the first address getent (else perl's getaddrinfo) gives, v4-mapped ones
 * skipped (ahostsv6 adds them for a name without IPv6), printed after ADDRESS_MARKER, in $mc_a, with
 * -6 for an IPv6 address in $mc_f (an IPv4 address needs no flag, and macOS's ping takes no -4). Else
 * RESOLVE_ERROR_MARKER and the resolver's own words, and status 1. With neither getent nor perl the
 * tool gets the name and resolves it itself, as before names were resolved here.
 */
// Its variables (mc_r*, mc_o, mc_a, mc_f, mc_e) are its own: it runs after PRIVILEGE has set mc_i, mc_s and mc_p.
const RESOLVE = [
  'mc_resolve() {',
  `  mc_rt=; if command -v timeout >/dev/null 2>&1; then mc_rt=${q(`timeout -k 1 ${RESOLVE_TIMEOUT_S}`)}; fi`,
  '  mc_rp=; if command -v perl >/dev/null 2>&1; then mc_rp=1; fi',
  '  if command -v getent >/dev/null 2>&1; then mc_o=$($mc_rt getent "$2" "$1"); mc_rs=$?',
  `  elif [ -n "$mc_rp" ]; then mc_o=$($mc_rt ${PERL} 2>/dev/null); mc_rs=$?`,
  '  else mc_a=$1; mc_f=; return 0; fi',
  String.raw`  mc_a=$(printf '%s\n' "$mc_o" | while read -r a b; do case $a in ""|::ffff:*) ;; *) echo "$a"; break ;; esac; done)`,
  `  if [ -n "$mc_a" ]; then case $mc_a in *:*) mc_f=-6 ;; *) mc_f= ;; esac; echo "${ADDRESS_MARKER} $mc_a"; return 0; fi`,
  `  if [ "$mc_rs" = 124 ]; then echo "${RESOLVE_ERROR_MARKER} no answer within ${RESOLVE_TIMEOUT_S} s"; return 1; fi`,
  `  mc_e=; if [ -n "$mc_rp" ]; then mc_e=$($mc_rt ${PERL} 2>&1 >/dev/null); fi`,
  `  echo "${RESOLVE_ERROR_MARKER} \${mc_e:-no address (exit $mc_rs)}"; return 1`,
  '}',
].join('\n')

interface Branch {
  impl: Implementation
  family: 'plugins' | 'portable'
  /** A shell condition that holds when the implementation is available (may set $P). */
  when: string
  /** Shell lines run after the implementation marker, before `exec run` (they may exit instead). */
  before?: string
  run: string
}

const FIND_PLUGIN = `mc_plugin() { for d in ${PLUGIN_DIRS.map((d) => q(d)).join(' ')}; do if [ -x "$d/$1" ]; then echo "$d/$1"; return 0; fi; done; command -v "$1"; }`
const has = (tool: string) => `command -v ${tool} >/dev/null 2>&1`

// eslint-disable-next-line no-template-curly-in-string -- ${...} is bash parameter expansion here
const DEV_TCP = 's=${EPOCHREALTIME/./}; exec 3<>"/dev/tcp/$1/$2" || exit 2; e=${EPOCHREALTIME/./}; echo "mc-connect-us $((e - s))"'
const TIMED_GETENT = 's=$(date +%s%N); getent hosts -- "$1"; r=$?; e=$(date +%s%N); echo "mc-elapsed-ns $((e - s))"; exit $r'

function thresholdArgs(check: ValidCheck): string {
  return [check.warning === undefined ? '' : ` -w ${q(check.warning)}`, check.critical === undefined ? '' : ` -c ${q(check.critical)}`].join('')
}

/** A host name the vantage resolves is measured at the address it gave ($mc_a), in its family ($mc_f); an IPv6 literal with -6. */
function measured(check: ValidCheck): {t: string; family: string} {
  if (resolvesOnVantage(check)) return {t: '"$mc_a"', family: ' $mc_f'}
  return {t: q(check.target), family: isIPv6(check.target) ? ' -6' : ''}
}

function branches(check: ValidCheck): Branch[] {
  const {t, family} = measured(check)
  const timeout = q(check.timeoutS)
  const limited = `$mc_t` // "timeout -k 2 N" when coreutils' timeout exists, else empty
  switch (check.kind) {
    case 'ping': {
      return [
        {impl: 'check_ping', family: 'plugins', when: 'P=$(mc_plugin check_ping)', run: `"$P"${family} -H ${t}${thresholdArgs(check)} -p ${q(check.count)} -t ${timeout}`},
        // Exactly count requests: check_ping adds ping -w, which keeps sending under loss.
        {impl: 'ping', family: 'portable', when: has('ping'), run: `ping${family} -n -c ${q(check.count)} -i 0.2 -W ${timeout} -- ${t}`},
      ]
    }
    case 'tcp': {
      return [
        {impl: 'check_tcp', family: 'plugins', when: 'P=$(mc_plugin check_tcp)', run: `"$P" -H ${t} -p ${q(check.port!)} -t ${timeout}${thresholdArgs(check)}`},
        {impl: 'bash-dev-tcp', family: 'portable', when: has('bash'), run: `${limited} bash -c ${q(DEV_TCP)} mc ${t} ${q(check.port!)}`},
      ]
    }
    case 'http':
    case 'https': {
      const tls = check.kind === 'https' ? ' -S --sni' : ''
      const plugin = `-H ${t} -p ${q(check.port!)} -u ${q(check.path!)} -t ${timeout}${tls}${thresholdArgs(check)}`
      const host = check.target.includes(':') ? `[${check.target}]` : check.target
      const url = `${check.kind}://${host}:${check.port!}${check.path!}`
      const format = String.raw`mc-curl %{http_code} %{time_total} %{size_download}\n`
      return [
        {impl: 'check_http', family: 'plugins', when: 'P=$(mc_plugin check_http)', run: `"$P" ${plugin}`},
        {impl: 'check_curl', family: 'plugins', when: 'P=$(mc_plugin check_curl)', run: `"$P" ${plugin}`},
        // -k: like check_http, this checks reachability, not the certificate. -g: no URL globbing ([::1]).
        {impl: 'curl', family: 'portable', when: has('curl'), run: `curl -sS -k -g -o /dev/null --max-time ${timeout} -w ${q(format)} ${q(url)}`},
      ]
    }
    case 'dns': {
      const out: Branch[] = []
      const server = check.server === undefined ? '' : ` -s ${q(check.server)}`
      const expect = check.expect === undefined ? '' : ` -a ${q(check.expect)}`
      // check_dns runs nslookup, which always asks port 53.
      if (check.port === 53) {
        out.push({
          impl: 'check_dns',
          family: 'plugins',
          when: `P=$(mc_plugin check_dns) && ${has('nslookup')}`,
          run: `"$P" -H ${t}${server}${expect} -t ${timeout}${thresholdArgs(check)}`,
        })
      }
      const at = check.server === undefined ? '' : ` @${q(check.server)}`
      out.push({impl: 'dig', family: 'portable', when: has('dig'), run: `dig +tries=1 +time=${timeout} -p ${q(check.port!)}${at} -q ${t} -t A`})
      // getent asks the vantage's own resolver: only right when no server or port was asked for.
      if (check.server === undefined && check.port === 53) {
        out.push({impl: 'getent', family: 'portable', when: has('getent'), run: `${limited} sh -c ${q(TIMED_GETENT)} mc ${t}`})
      }
      return out
    }
    case 'path': {
      return [pathBranch(check, t, family, limited)]
    }
  }
}

/**
 * Who runs mtr, decided on the vantage point: root as itself at 0.1 s; a non-root login user with
 * passwordless sudo (`sudo -n true` succeeds, never a prompt) through `sudo -n`, also at 0.1 s; any
 * other user at mtr's non-root floor, 1 s. Sets $mc_i (interval), $mc_s (the sudo prefix) and $mc_p
 * (empty for root, else sudo or user). ping needs none of this: -i 0.2 is above iputils' non-root floor.
 * A login user sudo does not know at all makes `sudo -n true` log (and by default mail) an "incident"
 * on the probe, once per trace: the price of asking without a password prompt; cloud images' login
 * users (admin, ubuntu, ec2-user) have passwordless sudo, where nothing is logged but the command.
 */
const PRIVILEGE = `{ mc_i=1; mc_s=; mc_p=user; if [ "$(id -u)" = 0 ]; then mc_i=0.1; mc_p=; elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then mc_i=0.1; mc_s='sudo -n'; mc_p=sudo; fi; true; }`

/** `mc-privilege:sudo 1` or `mc-privilege:user LANES` after the implementation marker: how mtr ran when not as root. */
export const PRIVILEGE_MARKER = 'mc-privilege:'

/** Prefixes each line a side-by-side mtr prints with its lane ("L2 x 0 33000"): checks/mtr.ts keeps their sequence numbers apart. */
const LANE = `mc_lane() { while IFS= read -r mc_l; do printf 'L%s %s\\n' "$1" "$mc_l"; done; }`

function pathBranch(check: ValidCheck, t: string, family: string, limited: string): Branch {
  // Over tcp, each round is a SYN to the port: routers answer time-exceeded, the target SYN-ACK (open)
  // or RST (closed), never ICMP echo. Over tcp and udp mtr prints every reply (--raw): a reply to a
  // retransmitted SYN is loss (see parseMtrRaw).
  const raw = check.protocol === 'tcp' || check.protocol === 'udp' || check.stream
  const over = check.protocol === 'tcp' || check.protocol === 'udp' ? ` --raw --${check.protocol} --port ${q(check.port!)}` : raw ? ' --raw' : ' --json'
  // timeout goes inside sudo, where it may signal what it started. -Z 2 (raw only: a reply after 1 s
  // is loss there anyway): mtr-packet gives up on a probe after 2 s, so once a stopped diagnosis
  // closes the channel and mtr dies of the broken pipe, its mtr-packet exits within 2 s, also one
  // that runs as root through sudo, which the login user cannot kill (without -Z it lingered ~8 s).
  const mtr = (count: number, interval: string, timeout = limited) =>
    `$mc_s ${timeout}${timeout ? ' ' : ''}mtr -n${family}${over}${raw ? ' -Z 2' : ''} -c ${q(count)} -i ${interval} -G 1 -- ${t}`
  const lanes = raw ? (check.lanes ?? 1) : 1
  const announce = `[ -z "$mc_p" ] || { if [ "$mc_p" = user ]; then echo ${q(`${PRIVILEGE_MARKER}user ${lanes}`)}; else echo ${q(`${PRIVILEGE_MARKER}sudo 1`)}; fi; }`
  const before = [announce]
  if (lanes > 1) {
    // Several mtr processes at the 1 s floor, started 1/lanes s apart, share the rounds (analysis/round-sizing.ts).
    // No timeout around them: timeout makes a process group of its own, which the executor's kill of
    // the session's group would miss; each ends by itself after its rounds (count / lanes seconds).
    const each = Math.ceil(check.count / lanes)
    const starts = Array.from({length: lanes}, (_, i) => `{ ${i === 0 ? '' : `sleep ${(i / lanes).toFixed(3)}; `}${mtr(each, '1', '')} | mc_lane ${i}; } &`)
    before.push(`if [ "$mc_p" = user ]; then ${LANE}; ${starts.join(' ')} wait; exit 0; fi`)
  }
  return {impl: 'mtr', family: 'portable', when: `${has('mtr')} && ${PRIVILEGE}`, before: before.join('\n'), run: mtr(check.count, '"$mc_i"')}
}

/** The script for an already validated check (exported for tests that bypass validation on purpose). */
export function renderScript(check: ValidCheck, tools: ToolChoice = 'auto'): string {
  // mtr is the only path tool; "plugins" still means "the tool the check is defined by" there.
  const chosen = branches(check).filter((b) => tools === 'auto' || b.family === tools || check.kind === 'path')
  const lines = [FIND_PLUGIN, `mc_t=; if ${has('timeout')}; then mc_t=${q(`timeout -k 2 ${check.timeoutS + 1}`)}; fi`]
  // Resolved after the implementation marker: what a run prints from its marker on is what the parser reads.
  // A literal is its own address, said the same way, so what is stored (the raw output) always names it.
  const literal = check.family === undefined ? '' : `echo ${q(`${ADDRESS_MARKER} ${check.target}`)}; `
  const resolve = resolvesOnVantage(check) ? `mc_resolve ${q(check.target)} ${AHOSTS[check.family!]} || exit 3; ` : literal
  if (resolvesOnVantage(check)) lines.push(RESOLVE)
  for (const branch of chosen) {
    const marker = `echo ${q(IMPL_MARKER + branch.impl)};${resolve ? ` ${resolve.trimEnd()}` : ''}`
    lines.push(`if ${branch.when}; then ${marker}${branch.before ? `\n${branch.before}\n` : ' '}exec ${branch.run}; fi`)
  }
  const {plugins, portable} = PACKAGES[check.kind]
  const packages = tools === 'auto' ? (plugins === portable ? plugins : `${plugins} (or ${portable})`) : PACKAGES[check.kind][tools]
  lines.push(`echo ${q(IMPL_MARKER + 'none')}`, `echo ${q(`${MISSING_MARKER} ${packages}`)}`, 'exit 3')
  return lines.join('\n')
}
