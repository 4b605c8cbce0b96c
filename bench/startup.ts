import type {SandboxHandle} from '../src/sandbox/index.js'
import {type Bench, mcClient} from './lib/context.js'
import {type Client, compare, type Stats} from './lib/measure.js'
import {code, mb, type Section, seconds, spread, table} from './lib/report.js'
import {awsEnv, libcloudConfig} from './lib/sandbox.js'
import {countAwsInstances, libcloudClient, mcJsonNodes, tableRows} from './verify.js'

/**
 * Start-up: what a person waits for before mc does anything, against bare `node -e ''`. The listings
 * are small (the sandbox holds `nodes` per cloud) so start-up, not the listing, dominates.
 */
export async function startupSection(bench: Bench, sandbox: SandboxHandle, nodes: number, runs: number): Promise<Section> {
  const bare: Client = {name: 'bare', command: [bench.node, '-e', ''], cwd: bench.home}
  const clients: Client[] = [
    bare,
    mcClient(bench, 'version', ['--version'], {verify: (out) => (/^mc\/\S+ linux-\S+ node-v\d/.test(out) ? '' : fail(`unexpected --version output: ${out}`))}),
    mcClient(bench, 'help', ['--help'], {verify: (out) => (out.includes('USAGE') ? '' : fail('--help printed no USAGE'))}),
    mcClient(bench, 'ec2', ['nodes', 'list', '--provider', 'ec2'], {verify: tableRows(nodes)}),
    mcClient(bench, 'ec2-json', ['nodes', 'list', '--provider', 'ec2', '--json'], {verify: mcJsonNodes(nodes)}),
    mcClient(bench, 'linode', ['nodes', 'list', '--provider', 'linode'], {verify: tableRows(nodes)}),
    {name: 'python', command: ['/usr/bin/python3', '-c', ''], cwd: bench.home},
    {
      name: 'aws',
      command: ['/usr/bin/aws', 'ec2', 'describe-instances', '--endpoint-url', sandbox.endpoints.ec2, '--output', 'json'],
      cwd: bench.home,
      env: awsEnv(sandbox, bench.home),
      verify: countAwsInstances(nodes),
    },
    libcloudClient(bench, 'ec2', libcloudConfig(sandbox, 'ec2'), nodes),
  ]
  bench.log(`start-up: ${clients.length} commands x ${runs} runs`)
  const stats = new Map((await compare(clients, runs, bench.env, {log: bench.log})).map((s) => [s.name, s]))
  const get = (name: string) => stats.get(name)!
  const base = get('bare').wallMs
  const row = (label: string, s: Stats, against = base) => [label, seconds(s.wallMs), `+${seconds(s.wallMs - against)}`, mb(s.rssMb), spread(s)]
  const python = get('python').wallMs
  const markdown = [
    `Sandbox with ${nodes} nodes per cloud; median of ${runs} interleaved runs each.`,
    '',
    table(
      ['command', 'wall (median)', 'over its bare interpreter', 'peak RSS', 'fastest–slowest'],
      [
        row(code("node -e ''"), get('bare')),
        row(code('mc --version'), get('version')),
        row(code('mc --help'), get('help')),
        row(code('mc nodes list --provider ec2'), get('ec2')),
        row(code('mc nodes list --provider ec2 --json'), get('ec2-json')),
        row(`${code('mc nodes list --provider linode')} (no SDK)`, get('linode')),
        row(code("python3 -c ''"), get('python'), python),
        row(code('aws ec2 describe-instances'), get('aws'), python),
        row(`Libcloud ${code('list_nodes()')} (EC2)`, get('libcloud ec2'), python),
      ],
    ),
  ].join('\n')
  const version = get('version').wallMs - base
  const list = get('ec2').wallMs - base
  const linode = get('linode').wallMs - base
  return {
    markdown,
    targets: [
      {target: '`mc --version` within 150 ms of bare node', measured: `+${seconds(version)}`, met: version <= 150},
      {target: `\`mc nodes list --provider ec2\` (SDK loaded, ${nodes} nodes) within 400 ms of bare node`, measured: `+${seconds(list)}`, met: list <= 400},
      {target: `\`mc nodes list --provider linode\` (${nodes} nodes) within 250 ms of bare node`, measured: `+${seconds(linode)}`, met: linode <= 250},
    ],
  }
}

function fail(message: string): never {
  throw new Error(message)
}
