/**
 * Listing N EC2 instances from a local endpoint, whole process: mc vs the AWS CLI vs Libcloud vs a
 * bare script on the full SDK. Median wall time and peak RSS of `--runs` runs each; then checks that
 * mc and the AWS CLI return the same instances in the same order.
 *
 *   npx tsc -p tsconfig.build.json && node scripts/bundle-ec2-sdk.mjs   # mc's compiled, bundled build
 *   npx tsx bench/ec2-list/run.ts [--instances 1000] [--page-size 1000] [--runs 5]
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {parseArgs} from 'node:util'

import {startListServer} from './server.js'

const {values} = parseArgs({options: {instances: {type: 'string', default: '1000'}, 'page-size': {type: 'string', default: '1000'}, runs: {type: 'string', default: '5'}}})
const instances = Number(values.instances)
const runs = Number(values.runs)
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const TIME = '/usr/bin/time'

interface Client {
  name: string
  command: string[]
  env?: Record<string, string>
  /** Instance ids from stdout, in order (for the same-instances check). */
  ids?: (stdout: string) => string[]
}

interface Sample {
  wallS: number
  rssMb: number
  stdout: string
  stderr: string
}

/** One run: wall time and peak RSS from /usr/bin/time, else from a Python wrapper's getrusage(RUSAGE_CHILDREN). */
function measure(client: Client, env: NodeJS.ProcessEnv): Promise<Sample> {
  const wrapped = existsSync(TIME)
    ? [TIME, '-f', 'MEASURE %e %M', ...client.command]
    : ['/usr/bin/python3', '-c', 'import resource,subprocess,sys,time\nt=time.time();r=subprocess.run(sys.argv[1:]).returncode\nsys.stderr.write("MEASURE %.2f %d\\n" % (time.time()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss));sys.exit(r)', ...client.command]
  return new Promise((resolvePromise, reject) => {
    const child = spawn(wrapped[0], wrapped.slice(1), {cwd: root, env: {...env, ...client.env}})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c
    })
    child.on('close', (code) => {
      const m = /MEASURE ([\d.]+) (\d+)/.exec(stderr)
      if (code !== 0 || !m) return reject(new Error(`${client.name} failed (exit ${code}):\n${stderr.slice(-2000)}`))
      resolvePromise({wallS: Number(m[1]), rssMb: Number(m[2]) / 1024, stdout, stderr: stderr.replace(m[0], '').trim()})
    })
  })
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

const bareSdkScript = `
const {EC2Client, paginateDescribeInstances} = await import('@aws-sdk/client-ec2')
const client = new EC2Client({region: 'us-east-1', endpoint: process.argv[1]})
let n = 0
for await (const page of paginateDescribeInstances({client}, {})) for (const r of page.Reservations) n += r.Instances.length
console.log(n)`

const libcloudScript = `
import sys
from libcloud.compute.providers import get_driver
from libcloud.compute.types import Provider
driver = get_driver(Provider.EC2)('AKIDBENCHEXAMPLE', 'bench-secret', secure=False, host='127.0.0.1', port=int(sys.argv[1]), region='us-east-1')
for node in driver.list_nodes():
    print(node.id)`

const server = await startListServer(instances, Number(values['page-size']))
const home = mkdtempSync(join(tmpdir(), 'mc-bench-'))
const {port} = new URL(server.url)
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: home,
  MC_HOME: join(home, 'mc'),
  AWS_ACCESS_KEY_ID: 'AKIDBENCHEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'bench-secret',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_PAGER: '',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
}
const mcIds = (stdout: string) => (JSON.parse(stdout) as {nodes: {id: string}[]}).nodes.map((n) => n.id)
const clients: Client[] = [
  {name: 'mc nodes list --json', command: ['node', 'bin/run.js', 'nodes', 'list', '--provider', 'ec2', '--endpoint', server.url, '--json'], ids: mcIds},
  {
    name: 'mc, SDK deserialiser (MC_EC2_SDK_PARSER=1)',
    command: ['node', 'bin/run.js', 'nodes', 'list', '--provider', 'ec2', '--endpoint', server.url, '--json'],
    env: {MC_EC2_SDK_PARSER: '1'},
    ids: mcIds,
  },
  {
    name: 'aws ec2 describe-instances (Debian awscli)',
    command: ['/usr/bin/aws', 'ec2', 'describe-instances', '--endpoint-url', server.url, '--output', 'json'],
    ids: (stdout) => (JSON.parse(stdout) as {Reservations: {Instances: {InstanceId: string}[]}[]}).Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)),
  },
  {name: 'libcloud list_nodes (python3-libcloud)', command: ['/usr/bin/python3', '-c', libcloudScript, port], ids: (stdout) => stdout.trim().split('\n')},
  {name: 'bare Node script, full @aws-sdk/client-ec2', command: ['node', '--input-type=module', '-e', bareSdkScript, server.url]},
]

const facade = join(root, 'dist', 'drivers', 'ec2', 'sdk.js')
if (!existsSync(facade)) throw new Error('No compiled mc: run npx tsc -p tsconfig.build.json && node scripts/bundle-ec2-sdk.mjs')
const bundled = !/from\s*["']@aws-sdk\//.test(readFileSync(facade, 'utf8'))
process.stdout.write(`${instances} instances (${server.url}), ${runs} runs each, mc build ${bundled ? 'bundled' : 'NOT bundled (run scripts/bundle-ec2-sdk.mjs)'}\n\n`)
process.stdout.write('| client | wall (median) | peak RSS (median) | runs (s) |\n|---|---|---|---|\n')
const idsByClient = new Map<string, string[]>()
try {
  for (const client of clients) {
    const samples: Sample[] = []
    for (let i = 0; i < runs; i++) samples.push(await measure(client, env))
    if (client.ids) idsByClient.set(client.name, client.ids(samples[0].stdout))
    if (client.name.startsWith('mc') && samples.some((s) => s.stderr !== '')) throw new Error(`${client.name} wrote to stderr:\n${samples.find((s) => s.stderr)!.stderr}`)
    const walls = samples.map((s) => s.wallS)
    process.stdout.write(`| ${client.name} | ${median(walls).toFixed(2)} s | ${median(samples.map((s) => s.rssMb)).toFixed(0)} MB | ${walls.map((w) => w.toFixed(2)).join(' ')} |\n`)
  }
} finally {
  await server.close()
  rmSync(home, {recursive: true, force: true})
}

const expected = idsByClient.get('aws ec2 describe-instances (Debian awscli)')!
let same = true
for (const [name, ids] of idsByClient) {
  const ok = ids.length === expected.length && ids.every((id, i) => id === expected[i])
  same &&= ok
  process.stdout.write(`\n${ok ? 'same' : 'DIFFERENT'} instances as the AWS CLI: ${name} (${ids.length})`)
}
process.stdout.write('\n')
process.exitCode = same ? 0 : 1
