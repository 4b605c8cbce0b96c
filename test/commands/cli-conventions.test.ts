import {execFileSync, spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {PtySession} from '../helpers/pty.js'

/**
 * Issue 16's CLI habits on the real binary: -h is --help, a mistyped command names the nearest one
 * (exit 2), and oclif's plugin-autocomplete completes commands and flags in a real bash.
 */

const BIN = new URL('../../bin/run.js', import.meta.url).pathname
const home = mkdtempSync(join(tmpdir(), 'mc-conventions-'))
afterAll(() => rmSync(home, {recursive: true, force: true}))

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {...process.env, MC_HOME: home, NO_COLOR: '1'}
  for (const name of Object.keys(e)) if (/^(VITEST|NODE_OPTIONS$|NODE_ENV$|MC_PROFILE$|MC_CACHE_DIR$)/.test(name)) delete e[name]
  return e
}

function mc(args: string[]): {code: number | null; stdout: string; stderr: string} {
  const run = spawnSync(process.execPath, [BIN, ...args], {encoding: 'utf8', env: env(), input: '', timeout: 60_000})
  return {code: run.status, stdout: run.stdout, stderr: run.stderr}
}

describe('-h', () => {
  it('shows a command help as --help does', () => {
    const short = mc(['nodes', 'list', '-h'])
    expect(short.code).toBe(0)
    expect(short.stdout).toContain('List nodes across one, several or all clouds.')
    expect(short.stdout).toBe(mc(['nodes', 'list', '--help']).stdout)
  })

  it('shows the top-level help', () => {
    const top = mc(['-h'])
    expect(top.code).toBe(0)
    expect(top.stdout).toContain('TOPICS')
  })
})

describe('a mistyped command', () => {
  it('names the nearest command and exits 2 (usage)', () => {
    const typo = mc(['nodes', 'lst'])
    expect(typo.code).toBe(2)
    expect(typo.stderr.replaceAll(/\s*›\s*/g, ' ')).toContain('"nodes lst" is not a mc command. Did you mean "mc nodes list"?')
  })

  it('names the nearest topic for a mistyped topic', () => {
    const typo = mc(['sizez'])
    expect(typo.code).toBe(2)
    expect(typo.stderr).toContain('Did you mean "mc sizes"?')
  })
})

/** A person at a terminal: CI unset, so prompts are allowed. */
function terminalEnv(): NodeJS.ProcessEnv {
  const e = env()
  delete e.CI
  return e
}

describe('a mistyped command on a terminal (oclif plugin-not-found)', () => {
  it('offers the nearest command and runs it on yes', async () => {
    const pty = new PtySession([process.execPath, BIN, 'nodes', 'lst'], terminalEnv())
    await pty.answer([['Did you mean nodes list?', 'y']])
    // nodes list ran: with no credentials anywhere it says so (exit 3).
    await pty.expect('No cloud credentials found')
    expect(await pty.exitCode()).toBe(3)
  }, 120_000)

  it('exits 2 on no', async () => {
    const pty = new PtySession([process.execPath, BIN, 'nodes', 'lst'], terminalEnv())
    await pty.answer([['Did you mean nodes list?', 'n']])
    expect(await pty.exitCode()).toBe(2)
  }, 120_000)
})

describe('bash completion (oclif plugin-autocomplete)', () => {
  it('completes commands and flags from the manifest, its cache under $MC_HOME', () => {
    expect(mc(['autocomplete', 'bash']).code).toBe(0)
    const setup = mc(['autocomplete', 'script', 'bash']).stdout.trim()
    expect(setup).toContain(join(home, 'cache'))
    const complete = (words: string[]): string[] => {
      const script = `${setup}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${words.join(' ')}'; COMP_POINT=\${#COMP_LINE}; _mc_autocomplete; printf '%s\\n' "\${COMPREPLY[@]}"`
      return execFileSync('bash', ['--norc', '--noprofile', '-c', script], {encoding: 'utf8', env: env()}).split('\n').filter(Boolean)
    }

    expect(complete(['mc', 'nodes', 'l'])).toEqual(['list'])
    expect(complete(['mc', 'nodes', 'list', '--pro'])).toEqual(expect.arrayContaining(['--provider', '--profile']))
    expect(complete(['mc', 'conf'])).toEqual(expect.arrayContaining(['config']))
  })
})
