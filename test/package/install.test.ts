import {execFile, execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {startLockfileRegistry} from '../helpers/local-registry.js'

/**
 * Issue 16: `npm pack` makes a tarball that `npm install -g` installs into an empty prefix, and the
 * installed mc works: --version, --help, the sandbox and a listing. No internet: npm resolves mc's
 * dependencies from a registry on loopback that serves only the runtime packages of package-lock.json
 * (tarballs from the local npm cache), into a fresh npm cache. better-sqlite3's install script takes
 * a prebuilt addon, as it does for a user (who downloads one): here the addon `npm ci` built for this
 * Node in the repository, handed to prebuild-install as a local prebuild; compiling it again from
 * source took two of this file's minutes. Without that addon it compiles from source.
 */

const root = new URL('../..', import.meta.url).pathname
const work = mkdtempSync(join(tmpdir(), 'mc-package-'))
const prefix = join(work, 'prefix')
const home = join(work, 'home')
let tarball: string
let files: string[]

function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {...process.env}
  // Settings inherited from a surrounding `npm test` (prefix, registry, cache...) must not leak in.
  for (const name of Object.keys(env)) if (/^(npm_(config|package|lifecycle)_|VITEST|NODE_OPTIONS$|NODE_ENV$|MC_)/.test(name)) delete env[name]
  // better-sqlite3 compiles against this Node's own headers (nodejs.org, where node-gyp gets them, is not reachable).
  const nodeDir = dirname(dirname(process.execPath))
  const headers = existsSync(join(nodeDir, 'include', 'node', 'node_api.h')) ? {npm_config_nodedir: nodeDir} : {}
  return {...env, ...headers, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false'}
}

/**
 * The better-sqlite3 addon in this repository's node_modules, packed under the name prebuild-install
 * looks for in its local-prebuilds folder (`<name>-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`).
 */
function localPrebuild(): NodeJS.ProcessEnv {
  const pkg = join(root, 'node_modules', 'better-sqlite3')
  const addon = 'build/Release/better_sqlite3.node'
  if (!existsSync(join(pkg, addon))) return {}
  const {version} = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {version: string}
  const dir = join(work, 'prebuilds')
  mkdirSync(dir)
  execFileSync('tar', ['czf', join(dir, `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`), '-C', pkg, addon])
  return {npm_config_better_sqlite3_local_prebuilds: dir}
}

function mc(args: string[]): {code: number | null; stdout: string; stderr: string} {
  const env: NodeJS.ProcessEnv = {...npmEnv(), MC_HOME: home, NO_COLOR: '1', CI: '1', PATH: `${join(prefix, 'bin')}:${process.env.PATH}`}
  const run = spawnSync(join(prefix, 'bin', 'mc'), args, {encoding: 'utf8', env, cwd: work, timeout: 120_000})
  return {code: run.status, stdout: run.stdout, stderr: run.stderr}
}

beforeAll(async () => {
  mkdirSync(prefix)
  // --ignore-scripts: the tests run on a fresh build; `prepare` would rebuild dist/ under other tests' feet.
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work], {cwd: root, env: npmEnv(), stdio: 'pipe'})
  tarball = join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz'))!,
  )
  files = execFileSync('tar', ['tzf', tarball], {encoding: 'utf8'}).split('\n').filter(Boolean)
  const registry = await startLockfileRegistry(join(root, 'package-lock.json'))
  try {
    // Asynchronous: the registry answers from this process's event loop.
    await promisify(execFile)('npm', ['install', '-g', '--prefix', prefix, '--registry', registry.url, '--cache', join(work, 'npm-cache'), tarball], {
      cwd: work,
      env: {...npmEnv(), ...localPrebuild()},
      timeout: 1_200_000,
      maxBuffer: 64 * 1024 * 1024,
    })
  } finally {
    await registry.close()
  }
}, 1_300_000)

afterAll(() => {
  if (existsSync(join(prefix, 'bin', 'mc'))) mc(['sandbox', 'stop'])
  rmSync(work, {recursive: true, force: true})
})

describe('the npm package', () => {
  it('holds the build, the manifest and the licences, and neither sources nor tests', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package/bin/run.js',
        'package/oclif.manifest.json',
        'package/dist/commands/nodes/list.js',
        'package/dist/specs/linode-openapi.json',
        'package/specs/linode-openapi.LICENSE.txt',
        'package/data/prices/NOTICE',
      ]),
    )
    expect(files.filter((f) => /^package\/(src|test|scripts|bench)\//.test(f))).toEqual([])
  })

  it('installs with npm install -g, and the installed mc answers --version and --help', () => {
    const version = mc(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout).toMatch(/^mc\/\d+\.\d+\.\d+ linux-x64 node-v\d+/)
    const help = mc(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('TOPICS')
    expect(mc(['nodes', 'lst']).stderr).toContain('Did you mean "mc nodes list"?')
  })

  it('starts the sandbox and lists from the installed copy', () => {
    const start = mc(['sandbox', 'start', '--detach', '--port', '0', '--no-ssh', '--boot-delay', '0'])
    expect(start.code, start.stderr).toBe(0)
    const nodes = mc(['nodes', 'list', '--profile', 'sandbox', '--provider', 'linode', '--json'])
    expect(nodes.code, nodes.stderr).toBe(0)
    expect(JSON.parse(nodes.stdout)).toMatchObject({nodes: [], errors: []})
    const sizes = mc(['sizes', 'list', '--profile', 'sandbox', '--provider', 'ec2'])
    expect(sizes.stdout).toMatch(/ec2\s+t3\.micro\s.*0\.0104/)
  })
})
