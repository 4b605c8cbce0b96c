import {once} from 'node:events'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer, type Server} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse as parseYaml} from 'yaml'

import {ExitCode} from '../../src/core/errors.js'
import {PROVIDERS} from '../../src/drivers/registry.js'
import {type SandboxHandle, startSandbox} from '../../src/sandbox/index.js'
import {writeProfile} from '../../src/store/config.js'
import {mcPaths} from '../../src/store/paths.js'
import {mc as runMc, parseJson} from '../helpers/run.js'

// The output flags on every command family that prints records, run as a user runs them, against
// the sandbox (seeded nodes) and, for the check commands, this machine against loopback.
let sandbox: SandboxHandle
let dataDir: string
let open: Server
let openPort: number
let closedPort: number
const cloud = ['--profile', 'sbx', '--provider', 'linode']

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mc-output-shape-'))
  sandbox = await startSandbox({port: 0, dataDir, bootDelayMs: 50, ssh: false, seedNodes: {linode: 3}})
  writeProfile(mcPaths().configFile, 'sbx', sandbox.profile)
  open = createServer((socket) => socket.end()).listen(0, '127.0.0.1')
  await once(open, 'listening')
  openPort = (open.address() as {port: number}).port
  // A port that was free a moment ago and has no listener: connection refused.
  const probe = createServer().listen(0, '127.0.0.1')
  await once(probe, 'listening')
  closedPort = (probe.address() as {port: number}).port
  probe.close()
  await once(probe, 'close')
})

afterAll(async () => {
  open?.close()
  await sandbox?.stop()
  rmSync(dataDir, {recursive: true, force: true})
})

type Named = {id: string; name: string}

/** runCommand joins the arguments and splits them again on spaces: an argument with a space goes in double quotes. */
const mc = (args: string[]) => runMc(args.map((a) => (/\s/.test(a) ? `"${a}"` : a)))
const lines = (text: string) => text.split(/\r?\n/).filter(Boolean)

describe('listings: --output, --columns, --no-header, --sort, --query', () => {
  it('nodes list: YAML is the JSON document; --columns/--no-header/--sort shape the table; --csv is --output csv', async () => {
    const json = parseJson<{nodes: Named[]}>((await mc(['nodes', 'list', ...cloud, '--json'])).stdout)
    expect(json.nodes).toHaveLength(3)
    const yaml = await mc(['nodes', 'list', ...cloud, '--output', 'yaml'])
    expect(yaml.exitCode, yaml.stderr).toBe(0)
    expect(parseYaml(yaml.stdout)).toEqual(json)
    expect(parseJson((await mc(['nodes', 'list', ...cloud, '-o', 'json'])).stdout)).toEqual(json)

    const table = await mc(['nodes', 'list', ...cloud, '--columns', 'name,STATE', '--no-header', '--sort', 'name:desc'])
    expect(table.exitCode, table.stderr).toBe(0)
    const names = json.nodes
      .map((n) => n.name)
      .sort()
      .reverse()
    expect(table.stdout.trimEnd().split('\n')).toEqual(names.map((name) => expect.stringMatching(new RegExp(`^${name} +running$`))))

    const csv = await mc(['nodes', 'list', ...cloud, '--csv', '--columns', 'id,name', '--sort', 'name'])
    expect(csv.stdout).toBe((await mc(['nodes', 'list', ...cloud, '--output', 'csv', '--columns', 'id,name', '--sort', 'name'])).stdout)
    expect(csv.stdout.split('\r\n').slice(0, 2)).toEqual(['id,name', `${[...json.nodes].sort((a, b) => a.name.localeCompare(b.name))[0].id},${names.at(-1)}`])

    // --sort orders the JSON too.
    const sorted = parseJson<{nodes: Named[]}>((await mc(['nodes', 'list', ...cloud, '--json', '--sort', 'name:desc'])).stdout)
    expect(sorted.nodes.map((n) => n.name)).toEqual(names)
  })

  it('--query: JMESPath on the JSON document, printed as JSON, YAML, or a table of its result', async () => {
    const query = "nodes[?state=='running'].{id: id, name: name} | sort_by(@, &name)"
    const json = await mc(['nodes', 'list', ...cloud, '--json', '--query', query])
    const picked = parseJson<Named[]>(json.stdout)
    expect(picked).toHaveLength(3)
    expect(Object.keys(picked[0])).toEqual(['id', 'name'])
    expect(parseYaml((await mc(['nodes', 'list', ...cloud, '-o', 'yaml', '--query', query])).stdout)).toEqual(picked)
    const table = await mc(['nodes', 'list', ...cloud, '--query', query])
    expect(table.exitCode, table.stderr).toBe(0)
    expect(table.stdout.trimEnd().split('\n')).toEqual([expect.stringMatching(/^ID +NAME$/), ...picked.map((n) => expect.stringMatching(new RegExp(`^${n.id} +${n.name}$`)))])
    expect((await mc(['nodes', 'list', ...cloud, '--query', 'length(nodes)'])).stdout).toBe('3\n')
    expect(lines((await mc(['nodes', 'list', ...cloud, '--query', 'nodes[].name', '--csv'])).stdout).sort()).toEqual(picked.map((n) => n.name))
  })

  it('images, sizes, locations and keys take the same flags', async () => {
    for (const [topic, key] of [
      ['images', 'images'],
      ['sizes', 'sizes'],
      ['locations', 'locations'],
      ['keys', 'keys'],
    ] as const) {
      const json = parseJson<Record<string, {id?: string; name: string}[]>>((await mc([topic, 'list', ...cloud, '--json'])).stdout)[key]
      const field = topic === 'keys' ? 'name' : 'id'
      const csv = await mc([topic, 'list', ...cloud, '--csv', '--no-header', '--columns', field, '--sort', field])
      expect(csv.exitCode, `${topic}: ${csv.stderr}`).toBe(0)
      const values = json.map((r) => (r as Record<string, string>)[field])
      expect(lines(csv.stdout), topic).toEqual([...values].sort((a, b) => a.localeCompare(b, 'en', {numeric: true})))
      expect((await mc([topic, 'list', ...cloud, '--query', `length(${key})`])).stdout, topic).toBe(`${json.length}\n`)
      expect(parseYaml((await mc([topic, 'list', ...cloud, '-o', 'yaml'])).stdout)[key], topic).toEqual(json)
    }
  })

  it('sizes sort by price as numbers', async () => {
    const run = await mc(['sizes', 'list', ...cloud, '--columns', 'usd-hour', '--no-header', '--sort', 'usd-hour:desc'])
    const prices = run.stdout.trimEnd().split('\n').filter(Boolean).map(Number)
    expect(prices.length).toBeGreaterThan(3)
    expect(prices).toEqual([...prices].sort((a, b) => b - a))
  })

  it('nodes show: the details view by default, one row with --columns, YAML of the node', async () => {
    const [node] = parseJson<{nodes: Named[]}>((await mc(['nodes', 'list', ...cloud, '--json'])).stdout).nodes
    const details = await mc(['nodes', 'show', node.id, ...cloud])
    expect(details.stdout).toMatch(new RegExp(`^id +${node.id}$`, 'm'))
    const row = await mc(['nodes', 'show', node.id, ...cloud, '--columns', 'id,name', '--no-header'])
    expect(row.stdout).toBe(`${node.id}  ${node.name}\n`)
    expect(parseYaml((await mc(['nodes', 'show', node.id, ...cloud, '-o', 'yaml'])).stdout)).toMatchObject({id: node.id, name: node.name})
  })

  it('providers, config list, config profiles and probe list', async () => {
    const providers = await mc(['providers', '--profile', 'sbx', '--query', 'providers[?credentials].provider'])
    expect(providers.stdout.trimEnd().split('\n')).toEqual([...PROVIDERS])
    expect((await mc(['providers', '--profile', 'sbx', '--csv', '--columns', 'provider,credentials', '--no-header'])).stdout.split('\r\n')[0]).toBe('ec2,found')
    const region = await mc(['config', 'list', '--profile', 'sbx', '--query', "entries[?key=='linode.region'].value | [0]"])
    expect(region.stdout).toBe('us-east\n')
    expect(parseYaml((await mc(['config', 'list', '--keys', '-o', 'yaml'])).stdout).keys.length).toBeGreaterThan(5)
    expect((await mc(['config', 'profiles', '--csv', '--no-header', '--columns', 'profile'])).stdout).toContain('sbx')
    const probes = await mc(['probe', 'list', '--columns', 'probe,state'])
    expect(probes.exitCode, probes.stderr).toBe(0)
    expect(probes.stdout.trim()).toMatch(/^PROBE +STATE$/)
    expect(parseYaml((await mc(['probe', 'list', '-o', 'yaml'])).stdout)).toMatchObject({probes: [], untracked: [], gone: []})
  })

  it('bad names and combinations are usage errors before any request, with a clear message', async () => {
    const unknown = await mc(['nodes', 'list', ...cloud, '--columns', 'name,ram'])
    expect(unknown.exitCode).toBe(ExitCode.usage)
    expect(unknown.stderr).toContain('Unknown --columns field "ram". Fields: provider, region, id, name, state, public-ip, private-ip, size, image.')
    expect(unknown.stdout).toBe('')
    const sort = await mc(['sizes', 'list', ...cloud, '--sort', 'price'])
    expect(sort.exitCode).toBe(ExitCode.usage)
    expect(sort.stderr).toContain('Unknown --sort field "price". Fields: provider, id, name, vcpus, memory-mb, disk-gb, usd-hour, arch.')
    const both = await mc(['nodes', 'list', ...cloud, '--json', '--output', 'yaml'])
    expect(both.exitCode).toBe(ExitCode.usage)
    expect(parseJson<{error: {message: string}}>(both.stdout).error.message).toContain('--json and --output yaml ask for different formats')
    const columns = await mc(['images', 'list', ...cloud, '--output', 'yaml', '--columns', 'id'])
    expect(columns.exitCode).toBe(ExitCode.usage)
    // The output flags' own errors come before the format is known: stderr, as any usage error.
    expect(columns.stderr).toContain('with --output yaml pick fields with --query')
    const query = await mc(['keys', 'list', ...cloud, '--query', 'keys[?'])
    expect(query.exitCode).toBe(ExitCode.usage)
    expect(query.stderr).toContain('--query is not valid JMESPath')
  })
})

const tcp = () => ['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${openPort}`, '--check', `tcp:${closedPort}`, '--from', 'local', '--timeout', '5']

describe('check commands', () => {
  it('check run: CSV and --columns print a row per result; the exit code stays 0 without --fail-on', async () => {
    // States sort by severity: state:desc puts the worst first.
    const run = await mc([...tcp(), '--csv', '--columns', 'check,state,reason', '--sort', 'state:desc'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(lines(run.stdout)).toEqual(['check,state,reason', `tcp:${closedPort},CRITICAL,connection refused`, `tcp:${openPort},OK,`])
    // Progress: a line per result on stderr, never on stdout.
    expect(run.stderr).toContain(`local 127.0.0.1 tcp:${closedPort}: CRITICAL`)
  })

  it('check run --fail-on: exit 11 when a result is at or above the level, after printing the results; 0 below it', async () => {
    const critical = await mc([...tcp(), '--fail-on', 'critical'])
    expect(critical.exitCode).toBe(ExitCode.checksFailed)
    expect(critical.stdout).toMatch(new RegExp(`tcp:${closedPort} CRITICAL connection refused`))
    expect(critical.stderr).toContain(`Error: 1 of 2 check results at or above CRITICAL (--fail-on critical): local -> 127.0.0.1 tcp:${closedPort} CRITICAL.`)
    const json = await mc([...tcp(), '--fail-on', 'warning', '--json'])
    expect(json.exitCode).toBe(ExitCode.checksFailed)
    const document = parseJson<{results: {state: string}[]; error: {code: string; exitCode: number}}>(json.stdout)
    expect(document.results.map((r) => r.state).sort()).toEqual(['CRITICAL', 'OK'])
    expect(document.error).toMatchObject({code: 'CHECKS_FAILED', exitCode: ExitCode.checksFailed})
    const ok = await mc(['check', 'run', '-t', '127.0.0.1', '--check', `tcp:${openPort}`, '--from', 'local', '--fail-on', 'unknown'])
    expect(ok.exitCode, ok.stderr).toBe(0)
    const nagios = await mc([...tcp(), '--fail-on', 'critical', '--output', 'nagios'])
    expect(nagios.exitCode).toBe(ExitCode.usage)
    expect(nagios.stderr).toContain('--output nagios exits with the worst state already')
  })

  it('check diagnose: a row per verdict in CSV, YAML and --query of the answer', async () => {
    const run = await mc(['check', 'diagnose', '-t', '127.0.0.1', '--from', 'local', '--count', '5', '--csv', '--columns', 'target,verdict,state'])
    expect(run.exitCode, run.stderr).toBe(0)
    expect(run.stdout).toBe('target,verdict,state\r\n127.0.0.1,healthy,OK\n')
    expect(run.stderr).toMatch(/Tracing 127\.0\.0\.1 from local \(5 rounds\)\.\.\.\n(.|\n)*local 127\.0\.0\.1 path: OK/)
    const yaml = await mc(['check', 'diagnose', '-t', '127.0.0.1', '--from', 'local', '--max-age', '300', '-o', 'yaml', '--query', 'verdicts[].{target: target, kind: kind}'])
    expect(parseYaml(yaml.stdout)).toEqual([{target: '127.0.0.1', kind: 'healthy'}])
  })
})

describe('progress', () => {
  it('nodes create --wait says each step on stderr, a line each without a terminal; stdout has only the node', async () => {
    const run = await mc(['nodes', 'create', ...cloud, '--region', 'us-east', '--name', 'progress-1', '--image', 'linode/debian12', '--size', 'g6-nanode-1', '--json'])
    expect(run.exitCode, run.stderr).toBe(0)
    const node = parseJson<{id: string; state: string}>(run.stdout)
    expect(node.state).toBe('running')
    expect(run.stderr.split('\n').filter(Boolean)).toEqual([
      'creating progress-1 in linode us-east',
      `node ${node.id} created (pending); waiting until it runs (up to 600s)`,
      `node ${node.id} is running`,
    ])
  })
})
