import type {SandboxHandle} from '../src/sandbox/index.js'
import {type Bench, mcClient} from './lib/context.js'
import {type Client, compare, type Stats} from './lib/measure.js'
import {code, maxBy, mb, ratio, type Section, seconds, spread, table, type Target} from './lib/report.js'
import {ALL_ROW_CLOUDS, awsEnv, type Cloud, CLOUDS, libcloudConfig} from './lib/sandbox.js'
import {countAwsInstances, libcloudClient, listedIds, mcJsonNodes, tableRows} from './verify.js'

export interface ListingOptions {
  nodes: number
  runs: number
  /** Also time the EC2 reference points: the SDK's own deserialiser and a bare SDK script. */
  references?: boolean
  /** Only mc (the latency run, which is about --provider all). */
  mcOnly?: boolean
  /** Shown in the heading, e.g. "150 ms API latency". */
  condition?: string
}

const TITLE: Record<Cloud, string> = {ec2: 'EC2', rackspace: 'Rackspace', openstack: 'OpenStack', linode: 'Linode', digitalocean: 'DigitalOcean'}

const BARE_SDK_SCRIPT = `
const {EC2Client, paginateDescribeInstances} = await import('@aws-sdk/client-ec2')
const client = new EC2Client({region: 'us-east-1', endpoint: process.argv[1]})
let n = 0
for await (const page of paginateDescribeInstances({client}, {MaxResults: 1000})) for (const r of page.Reservations) n += r.Instances.length
console.log(n)`

/**
 * Listing N nodes per cloud from the sandbox: mc (--json) per provider, Libcloud's driver for the
 * same cloud, the AWS CLI for EC2, and `--provider all` against the sum and the max of mc's single
 * provider times in the same run.
 */
export async function listingSection(bench: Bench, sandbox: SandboxHandle, options: ListingOptions): Promise<Section> {
  const {nodes, runs} = options
  const mc = (cloud: Cloud) => mcClient(bench, `mc ${cloud}`, ['nodes', 'list', '--provider', cloud, '--json'], {verify: mcJsonNodes(nodes, `mc ${cloud}`)})
  const all = mcClient(bench, 'mc all', ['nodes', 'list', '--provider', ALL_ROW_CLOUDS.join(','), '--json'], {verify: mcJsonNodes(nodes * ALL_ROW_CLOUDS.length)})
  const clients: Client[] = []
  for (const cloud of CLOUDS) {
    clients.push(mc(cloud))
    if (options.mcOnly) continue
    if (cloud === 'ec2') {
      const references: Client[] = [
        mcClient(bench, 'mc ec2 sdk parser', ['nodes', 'list', '--provider', 'ec2', '--json'], {verify: mcJsonNodes(nodes), env: {MC_EC2_SDK_PARSER: '1'}}),
        {
          name: 'bare sdk',
          command: [bench.node, '--input-type=module', '-e', BARE_SDK_SCRIPT, sandbox.endpoints.ec2],
          cwd: bench.root,
          env: {...awsEnv(sandbox, bench.home), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
          verify: (out) => (Number(out) === nodes ? '' : `listed ${out.trim()} of ${nodes}`),
        },
      ]
      clients.push(mcClient(bench, 'mc ec2 table', ['nodes', 'list', '--provider', 'ec2'], {verify: tableRows(nodes)}), ...(options.references ? references : []), {
        name: 'aws ec2',
        command: ['/usr/bin/aws', 'ec2', 'describe-instances', '--endpoint-url', sandbox.endpoints.ec2, '--output', 'json'],
        cwd: bench.home,
        env: awsEnv(sandbox, bench.home),
        verify: countAwsInstances(nodes, 'aws ec2'),
      })
    }
    clients.push(libcloudClient(bench, cloud, libcloudConfig(sandbox, cloud), nodes))
  }
  clients.push(all)
  // Each runtime's own floor, so memory is compared over baseline: mc over `node -e ''`, Libcloud over `python3 -c ''`.
  if (nodes === 1000 && !options.mcOnly) {
    clients.push({name: 'bare node', command: [bench.node, '-e', ''], cwd: bench.home}, {name: 'bare python', command: ['/usr/bin/python3', '-c', ''], cwd: bench.home})
  }
  bench.log(`listing ${nodes} nodes per cloud${options.condition ? ` (${options.condition})` : ''}: ${clients.length} clients x ${runs} runs`)
  // Warm the sandbox's render caches with mc alone: the slow peers would double the section's time.
  const warmup = clients.filter((c) => c.name.startsWith('mc ') && !c.name.includes('table'))
  const stats = new Map((await compare(clients, runs, bench.env, {log: bench.log, warmup})).map((s) => [s.name, s]))
  const get = (name: string) => stats.get(name)

  const rows: string[][] = []
  const row = (cloud: string, label: string, s: Stats, mcStats: Stats) => [
    cloud,
    label,
    s.note || 'all',
    seconds(s.wallMs),
    s === mcStats ? '1.00x' : ratio(s.wallMs / mcStats.wallMs),
    mb(s.rssMb),
    s === mcStats ? '1.00x' : ratio(s.rssMb / mcStats.rssMb),
    spread(s),
  ]
  for (const cloud of CLOUDS) {
    const m = get(`mc ${cloud}`)!
    rows.push(row(TITLE[cloud], code(`mc nodes list --provider ${cloud} --json`), m, m))
    const extra: [string, string][] =
      cloud === 'ec2'
        ? [
            ['mc ec2 table', '`mc nodes list --provider ec2` (table)'],
            ['mc ec2 sdk parser', "mc with the SDK's own deserialiser (`MC_EC2_SDK_PARSER=1`)"],
            ['bare sdk', 'bare Node script on the full `@aws-sdk/client-ec2`'],
            ['aws ec2', '`aws ec2 describe-instances`'],
          ]
        : []
    for (const [name, label] of [...extra, [`libcloud ${cloud}`, 'Libcloud `list_nodes()`'] as [string, string]]) {
      const s = get(name)
      if (s) rows.push(row(TITLE[cloud], label, s, m))
    }
  }
  const singles = ALL_ROW_CLOUDS.map((c) => get(`mc ${c}`)!)
  const allStats = get('mc all')!
  let sum = 0
  for (const s of singles) sum += s.wallMs
  const slowest = maxBy(singles, (s) => s.wallMs)
  rows.push([
    'all four',
    code(`mc nodes list --provider ${ALL_ROW_CLOUDS.join(',')} --json`),
    allStats.note || 'all',
    seconds(allStats.wallMs),
    `${ratio(allStats.wallMs / slowest.wallMs)} the slowest`,
    mb(allStats.rssMb),
    '',
    spread(allStats),
  ])

  const sameIds = sameNodes(options.mcOnly ? [] : CLOUDS)
  const markdown = [
    `${nodes.toLocaleString('en-US')} nodes per cloud${options.condition ? `, ${options.condition}` : ''}; median of ${runs} interleaved runs. Ratios are to mc's own row for that cloud.`,
    '',
    table(['cloud', 'client', 'nodes listed', 'wall (median)', 'wall vs mc', 'peak RSS', 'RSS vs mc', 'fastest–slowest'], rows),
    '',
    `\`--provider ${ALL_ROW_CLOUDS.join(',')}\`: ${seconds(allStats.wallMs)}; the four single-provider runs sum to ${seconds(sum)} and the slowest (${slowest.name.replace('mc ', '')}) takes ${seconds(slowest.wallMs)}: all = ${ratio(allStats.wallMs / slowest.wallMs)} the slowest, ${ratio(allStats.wallMs / sum)} the sum.`,
    ...(sameIds ? ['', sameIds] : []),
  ].join('\n')

  const targets: Target[] = [
    {
      target: `\`--provider all\` at most 1.3x the slowest single provider (${nodes.toLocaleString('en-US')} nodes${options.condition ? `, ${options.condition}` : ''})`,
      measured: `${ratio(allStats.wallMs / slowest.wallMs)} (${seconds(allStats.wallMs)} vs ${seconds(slowest.wallMs)})`,
      met: allStats.wallMs <= 1.3 * slowest.wallMs,
    },
  ]
  const bareNode = get('bare node')
  const barePython = get('bare python')
  if (nodes === 1000 && bareNode && barePython) {
    for (const cloud of CLOUDS) {
      const mine = get(`mc ${cloud}`)!
      const libcloud = get(`libcloud ${cloud}`)
      if (!libcloud) continue
      const over = mine.rssMb - bareNode.rssMb
      const theirsOver = libcloud.rssMb - barePython.rssMb
      targets.push(
        {
          target: `Listing 1,000 ${TITLE[cloud]} nodes: at most 1x Libcloud's time`,
          measured: `${ratio(mine.wallMs / libcloud.wallMs)} (${seconds(mine.wallMs)} vs ${seconds(libcloud.wallMs)})`,
          met: mine.wallMs <= libcloud.wallMs,
        },
        {
          target: `Listing 1,000 ${TITLE[cloud]} nodes: peak memory over bare \`node -e ''\` at most Libcloud's over bare \`python3 -c ''\``,
          measured: `+${mb(over)} vs +${mb(theirsOver)} (${mb(mine.rssMb)} - ${mb(bareNode.rssMb)}; ${mb(libcloud.rssMb)} - ${mb(barePython.rssMb)})`,
          met: over <= theirsOver,
        },
      )
    }
  }
  if (nodes === 10_000) {
    const everyCloud = CLOUDS.map((c) => get(`mc ${c}`)!)
    const worst = maxBy(everyCloud, (s) => s.rssMb)
    targets.push({
      target: '10,000 nodes listed in under 200 MB peak memory',
      measured: `${mb(worst.rssMb)} at most (${worst.name.replace('mc ', '')}); ${everyCloud.map((s) => `${s.name.replace('mc ', '')} ${mb(s.rssMb)}`).join(', ')}`,
      met: worst.rssMb < 200,
    })
  }
  return {markdown, targets}
}

/** Whether each peer listed the same node ids as mc (the AWS CLI in the same order too). */
function sameNodes(clouds: readonly Cloud[]): string {
  const lines: string[] = []
  for (const cloud of clouds) {
    const mine = listedIds.get(`mc ${cloud}`)
    if (!mine) continue
    for (const peer of [`libcloud ${cloud}`, ...(cloud === 'ec2' ? ['aws ec2'] : [])]) {
      const theirs = listedIds.get(peer)
      if (!theirs) continue
      const ordered = peer === 'aws ec2'
      const same = ordered ? theirs.length === mine.length && theirs.every((id, i) => id === mine[i]) : sameSet(mine, theirs)
      lines.push(
        `${peer}: ${same ? `the same ${mine.length} node ids as mc${ordered ? ', in the same order' : ''}` : `${theirs.length} ids, ${theirs.filter((id) => !new Set(mine).has(id)).length} of them not listed by mc`}`,
      )
    }
  }
  return lines.length > 0 ? `Same nodes? ${lines.join('; ')}.` : ''
}

function sameSet(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false
  const set = new Set(a)
  return b.every((id) => set.has(id))
}
