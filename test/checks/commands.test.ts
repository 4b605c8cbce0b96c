import {execFile} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import {afterAll, describe, expect, it} from 'vitest'

import {buildCheckCommand, IMPL_MARKER, renderCommand, renderScript} from '../../src/checks/commands.js'
import {shellQuote} from '../../src/checks/shell.js'
import {CHECK_KINDS, type CheckKind} from '../../src/checks/types.js'
import {type ValidCheck, validateCheck} from '../../src/checks/validate.js'
import {HOSTILE_TARGETS} from './hostile.js'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mc-hostile-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A validated check whose target (and server) are then swapped for raw input, as if validation had a hole. */
function bypassValidation(kind: CheckKind, target: string): ValidCheck {
  const check = validateCheck({kind, target: 'placeholder.example', ...(kind === 'tcp' ? {port: 9} : {}), ...(kind === 'ping' ? {count: 1} : {}), timeoutS: 2})
  return {...check, target, ...(kind === 'dns' ? {server: target, port: 5353} : {}), ...(kind === 'path' ? {count: 1} : {})}
}

describe('shellQuote', () => {
  it('makes one literal word of anything, in dash and in bash', async () => {
    const values = [...HOSTILE_TARGETS.filter((t) => !t.includes('\u0000')), "''", "'", '\\', '!', '$$', '%s', 'a\tb']
    for (const shell of ['sh', 'bash']) {
      for (const value of values) {
        const {stdout} = await run(shell, ['-c', `printf '%s' ${shellQuote(value)}`])
        expect(stdout, `${shell}: ${JSON.stringify(value)}`).toBe(value)
      }
    }
  })
})

describe('defence in depth: hostile targets that skip validation still run nothing', () => {
  // Inside an empty network namespace (unshare --net, we are root): the tools fail to resolve the
  // names at once, and nothing can leave this machine whatever they try. One namespace per kind,
  // tool family and shell: that shell runs every target's command line, each as it stands in its
  // own subshell (what a login shell given it would parse), all at once, its stdout in its own file.
  const targets = HOSTILE_TARGETS.filter((t) => !t.includes('\u0000')) // argv cannot carry NUL; validation refuses it anyway
  for (const kind of CHECK_KINDS) {
    it(`${kind}: every implementation gets the target as one argument`, async () => {
      const canaries: string[] = []
      await Promise.all(
        (['plugins', 'portable'] as const).flatMap((tools) =>
          ['sh', 'bash'].map(async (shell) => {
            const out = (i: number) => join(dir, `${kind}-${tools}-${shell}-${i}.out`)
            const lines = targets.map((raw, i) => {
              const canary = join(dir, `${kind}-${tools}-${shell}-${i}`)
              canaries.push(canary)
              // The whole command as a login shell gets it: an sh -c word around the script.
              const command = renderCommand(bypassValidation(kind, raw.replaceAll('CANARY', canary)), tools)
              return `(\n${command}\n) >${shellQuote(out(i))} 2>/dev/null </dev/null &`
            })
            await run('unshare', ['--net', '--', shell, '-c', [...lines, 'wait'].join('\n')], {timeout: 100_000}).catch((error_: {stdout: string}) => error_)
            for (const [i, raw] of targets.entries()) {
              const stdout = existsSync(out(i)) ? readFileSync(out(i), 'utf8') : ''
              expect(stdout, `${kind}/${tools}/${shell}: ${JSON.stringify(raw)}`).toContain(IMPL_MARKER)
            }
          }),
        ),
      )
      for (const canary of canaries) expect(existsSync(canary), canary).toBe(false)
    }, 120_000)
  }
})

/** The script a validated definition becomes (what sh -c runs). */
const script = (definition: Parameters<typeof validateCheck>[0], tools?: 'plugins' | 'portable') => renderScript(validateCheck(definition), tools)

describe('command structure', () => {
  it('puts the target in the script only as a quoted word, and the script in one sh -c word', () => {
    const {check, command} = buildCheckCommand({kind: 'http', target: '127.0.0.1', port: 8080, path: '/health?x=1&y=2'})
    const inner = renderScript(check)
    expect(inner).toContain(`-H '127.0.0.1' -p '8080' -u '/health?x=1&y=2'`)
    expect(inner).toContain(`'http://127.0.0.1:8080/health?x=1&y=2'`)
    expect(command).toBe(`/bin/sh -c ${shellQuote(inner)}`)
  })

  it('brackets IPv6 targets in URLs and stops curl globbing them', () => {
    const command = script({kind: 'https', target: '::1', port: 8443}, 'portable')
    expect(command).toContain(`curl -sS -k -g `)
    expect(command).toContain(`'https://[::1]:8443/'`)
  })

  it('tool choice keeps only that family, and names the packages for it', () => {
    const plugins = script({kind: 'ping', target: 'h'}, 'plugins')
    const portable = script({kind: 'ping', target: 'h'}, 'portable')
    expect(plugins).toContain("echo 'mc-impl:check_ping'")
    expect(plugins).not.toContain("echo 'mc-impl:ping'")
    expect(plugins).toContain("'mc-missing: monitoring-plugins-basic'")
    expect(portable).toContain("echo 'mc-impl:ping'")
    expect(portable).not.toContain('check_ping')
    expect(portable).toContain("'mc-missing: iputils-ping'")
    expect(script({kind: 'ping', target: 'h'})).toContain("'mc-missing: monitoring-plugins-basic (or iputils-ping)'")
  })

  it('dns: check_dns only for port 53, getent only for the default resolver', () => {
    const plain = script({kind: 'dns', target: 'h'})
    expect(plain).toMatch(/mc-impl:check_dns[\s\S]*mc-impl:dig[\s\S]*mc-impl:getent/)
    const server = script({kind: 'dns', target: 'h', server: '127.0.0.1'})
    expect(server).toContain("-s '127.0.0.1'")
    expect(server).toContain("@'127.0.0.1'")
    expect(server).not.toContain('getent')
    const port = script({kind: 'dns', target: 'h', server: '127.0.0.1', port: 5353})
    expect(port).not.toContain('check_dns')
    expect(port).toContain("-p '5353'")
  })

  it('path uses mtr -n --json (never --report, which turns the output into text)', () => {
    const command = script({kind: 'path', target: 'h', count: 4})
    expect(command).toContain(`mtr -n --json -c '4' -i "$mc_i" -G 1 -- 'h'`)
    expect(command).not.toContain('--report')
  })

  it('path over tcp or udp asks mtr for that protocol and port; over icmp for neither', () => {
    expect(script({kind: 'path', target: 'h', count: 4, protocol: 'tcp', port: 443})).toContain(`mtr -n --raw --tcp --port '443' -Z 2 -c '4'`)
    expect(script({kind: 'path', target: 'h', count: 4, protocol: 'udp', port: 53})).toContain(`mtr -n --raw --udp --port '53' -Z 2 -c '4'`)
    expect(script({kind: 'path', target: 'h', count: 4, protocol: 'icmp'})).toContain(`mtr -n --json -c '4'`)
  })

  it('waits for the tool timeout plus slack', () => {
    expect(buildCheckCommand({kind: 'tcp', target: 'h', port: 1, timeoutS: 3}).timeoutMs).toBe(8000)
    expect(buildCheckCommand({kind: 'ping', target: 'h', count: 10, timeoutS: 15}).timeoutMs).toBe(22_000)
  })
})

describe('a host name resolved on the vantage point (family set)', () => {
  const stubs = join(dir, 'resolver-stubs')
  /** getent answers from a table (name -> lines), perl prints getaddrinfo's error; ping and mtr print what they were given. */
  function stub(name: string, body: string): void {
    mkdirSync(stubs, {recursive: true})
    writeFileSync(join(stubs, name), `#!/bin/sh\n${body}\n`, {mode: 0o755})
  }
  stub(
    'getent',
    [
      'case "$1 $2" in',
      String.raw`  "ahosts dual.test") printf "fd00::5 STREAM dual.test\nfd00::5 DGRAM\n10.0.0.5 STREAM\n" ;;`,
      String.raw`  "ahostsv4 dual.test") printf "10.0.0.5 STREAM dual.test\n10.0.0.5 DGRAM\n" ;;`,
      String.raw`  "ahostsv6 v4only.test") printf "::ffff:10.0.0.7 STREAM v4only.test\n" ;;`,
      '  *) exit 2 ;;',
      'esac',
    ].join('\n'),
  )
  stub('perl', 'echo "Name or service not known" >&2; exit 2')
  stub('ping', 'echo "ping-args: $*"')
  stub('mtr', 'echo "mtr-args: $*"')

  /** A PATH of just these tools (the mtr stub, the rest the system's). */
  function only(name: string, tools: string[]): string {
    const bin = join(dir, name)
    mkdirSync(bin, {recursive: true})
    for (const tool of tools) if (!existsSync(join(bin, tool))) symlinkSync(tool === 'mtr' ? join(stubs, 'mtr') : `/usr/bin/${tool}`, join(bin, tool))
    return bin
  }

  async function output(definition: Parameters<typeof validateCheck>[0], path = `${stubs}:/usr/bin:/bin`): Promise<{stdout: string; code: number}> {
    const text = renderScript(validateCheck(definition), 'portable')
    try {
      const {stdout} = await run('/bin/sh', ['-c', text], {env: {PATH: path}})
      return {stdout, code: 0}
    } catch (error) {
      const failed = error as {stdout: string; code: number}
      return {stdout: failed.stdout, code: failed.code}
    }
  }

  it('traces the address the resolver gives first, in its family, and prints it', async () => {
    const auto = await output({kind: 'path', target: 'dual.test', count: 2, stream: true, family: 'auto'})
    expect(auto.stdout).toContain('mc-address: fd00::5\n')
    expect(auto.stdout).toMatch(/mtr-args: -n -6 --raw -Z 2 -c 2 -i \S+ -G 1 -- fd00::5\n/)
    // The resolver's variables leave the privilege check's alone: root traces as itself, at 0.1 s.
    if (process.getuid?.() === 0) expect(auto.stdout).toMatch(/^mc-impl:mtr\nmc-address: fd00::5\nmtr-args: .* -i 0\.1 /)
    const four = await output({kind: 'ping', target: 'dual.test', count: 2, family: '4'})
    expect(four.stdout).toContain('mc-address: 10.0.0.5\n')
    // An IPv4 address needs no flag (macOS's ping takes no -4); an IPv6 one gets -6.
    expect(four.stdout).toMatch(/ping-args: -n -c 2 -i 0\.2 -W \d+ -- 10\.0\.0\.5\n/)
  })

  it("a name that does not resolve prints the resolver's error, exits 3 and runs no tool", async () => {
    for (const [target, family] of [
      ['missing.test', 'auto'],
      ['v4only.test', '6'],
    ] as const) {
      const {stdout, code} = await output({kind: 'ping', target, count: 2, family})
      expect(code).toBe(3)
      expect(stdout).toContain('mc-resolve-error: Name or service not known\n')
      expect(stdout).not.toContain('ping-args')
    }
  })

  it('an IPv6 literal is pinged and traced with -6, resolving nothing', async () => {
    const {stdout} = await output({kind: 'path', target: 'fd00::9', count: 2, stream: true, family: 'auto'})
    // Nothing to resolve; the literal is named as the measured address all the same (the stored raw output carries it).
    expect(stdout).toContain('mc-address: fd00::9\n')
    expect(stdout).toMatch(/mtr-args: -n -6 --raw -Z 2 -c 2 .* -- fd00::9\n/)
    expect(script({kind: 'ping', target: 'fd00::9', count: 2})).toContain(`ping -6 -n -c '2'`)
    expect(script({kind: 'ping', target: '10.0.0.9', count: 2})).toContain(`ping -n -c '2'`)
  })

  it('without getent, perl resolves the name (macOS); with neither, the tool gets the name as before', async () => {
    const perl = await output({kind: 'path', target: 'localhost', count: 2, stream: true, family: '4'}, only('perl-only', ['perl', 'timeout', 'mtr']))
    expect(perl.stdout).toContain('mc-address: 127.0.0.1\n')
    expect(perl.stdout).toMatch(/mtr-args: -n --raw .* -- 127\.0\.0\.1\n/)
    const missing = await output({kind: 'path', target: 'no-such-host.invalid', count: 2, stream: true, family: 'auto'}, only('perl-only', []))
    expect(missing.stdout).toContain('mc-resolve-error: Name or service not known\n')
    const neither = await output({kind: 'path', target: 'localhost', count: 2, stream: true, family: 'auto'}, only('mtr-only', ['mtr']))
    expect(neither.stdout).not.toContain('mc-address')
    expect(neither.stdout).toMatch(/mtr-args: -n --raw .* -- localhost\n/)
  })
})
