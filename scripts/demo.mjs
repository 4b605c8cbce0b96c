#!/usr/bin/env node
// The main job, with no cloud account: start the mc sandbox with its network (network namespaces:
// a data center, one site per cloud region, a shared transit router, a target behind its own
// provider), deploy one probe in each emulated cloud with `mc probe deploy`, add the data center as a
// vantage point, run the same checks from every vantage point (healthy), drop 30 % of the packets on
// the shared transit, let `mc check diagnose` find it, write the HTML report, clear the fault,
// diagnose again (healthy), tear it all down and leave no namespace or process behind, Ctrl-C
// included. Where this machine cannot build the network (no user namespaces for this user), the
// sandbox says why and the demo runs on loopback, where every path is one hop.
// Run after a build: `npm run build && node scripts/demo.mjs`. Exit 0 when the demo showed what it
// should, 1 when a step failed or a verdict was not the expected one, 130 after Ctrl-C.
import {spawn} from 'node:child_process'
import {accessSync, constants, mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const started = Date.now()
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'mc-demo-'))
const report = join(process.cwd(), 'mc-demo-report.html')
// Only the sandbox profile: the demo must never reach a real cloud with the user's credentials.
const env = {...process.env, MC_HOME: join(home, 'mc'), MC_PROFILE: 'sandbox'}
for (const name of Object.keys(env)) if (/^(AWS_|OS_|RAX_|LINODE_|DIGITALOCEAN_|MC_DEBUG$|MC_PROVIDER$|NODE_ENV$)/.test(name)) delete env[name]

const SITES = ['ec2:us-east-1', 'rackspace:ORD', 'openstack:RegionOne', 'linode:us-west', 'digitalocean:nyc3']
const PROBES = SITES.map((at) => `demo-${at.replace(':', '-').toLowerCase()}`)
/** Never crosses the transit router (Linode peers with the target's provider): the clean vantage point. */
const CLEAN = 'demo-linode-us-west'

let current
let interrupted = false
let tearingDown = false
const onSignal = (signal) => {
  if (interrupted || tearingDown) return
  interrupted = true
  process.stderr.write(`\ndemo: ${signal}: stopping, then tearing everything down\n`)
  // Sent to this process only (not from a terminal's Ctrl-C, which reaches the whole group): pass it on.
  if (current && current.exitCode === null) current.kill('SIGINT')
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)

class Interrupted extends Error {}

function step(text) {
  process.stdout.write(`\n==> ${text}\n`)
}

/** Run `mc <args>` as a user would, its output passed through (and kept with `capture`); resolves with {code, stdout}. */
function mc(args, {allow = [0], capture = false, quiet = false} = {}) {
  if (interrupted && !tearingDown) return Promise.reject(new Interrupted('interrupted'))
  if (!quiet) process.stdout.write(`$ mc ${args.join(' ')}\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {env, stdio: ['ignore', capture || quiet ? 'pipe' : 'inherit', 'inherit']})
    current = child
    let stdout = ''
    child.stdout?.on('data', (chunk) => {
      stdout += chunk
      if (!quiet) process.stdout.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      current = undefined
      if (interrupted && !tearingDown) reject(new Interrupted('interrupted'))
      else if (allow.includes(code)) resolve({code, stdout})
      else reject(new Error(`mc ${args.join(' ')} exited with ${code}`))
    })
  })
}

function expectVerdict(text, kind, mustMention) {
  const first = text.split('\n').find((line) => /^\S+: \S+/.test(line)) ?? ''
  const missing = mustMention.filter((word) => !text.includes(word))
  if (!first.includes(`: ${kind}`) || missing.length > 0) {
    throw new Error(`expected a ${kind} verdict naming ${mustMention.join(', ')}; got "${first}"`)
  }
}

async function networked(status) {
  const {target, transit, datacenter} = status.network
  const from = ['dc', ...PROBES].join(',')
  step(`Add this machine's data center (${datacenter.address}, in its own namespace) as a vantage point`)
  await mc([
    'probe',
    'add',
    'dc',
    '--host',
    datacenter.ssh.host,
    '--port',
    String(datacenter.ssh.port),
    '--user',
    datacenter.ssh.user,
    '--key',
    datacenter.ssh.keyFile,
    '--label',
    'provider=dc',
    '--yes',
  ])

  step(`Run the same checks from the data center and every probe against the sandbox's target ${target} (it serves HTTP on port 80)`)
  await mc(['check', 'run', '--target', target, '--from', from, '--check', 'ping', '--check', 'tcp:80', '--check', 'http:80', '--check', 'path', '--count', '5'])

  step(`The night of the story: the shared transit router ${transit} drops 30 % of the packets it receives`)
  await mc(['sandbox', 'fault', 'add', 'loss=transit:30%'])

  step('Diagnose: where is the fault?')
  const faulty = await mc(['check', 'diagnose', '--target', target, '--from', from], {capture: true})
  expectVerdict(faulty.stdout, 'shared-path', [transit, CLEAN])

  step('Write the HTML report (the diagnosis with its path picture, the blamed hop in red)')
  await mc(['report', '--html', report])

  step('Clear the fault and diagnose again')
  await mc(['sandbox', 'fault', 'clear'])
  const clean = await mc(['check', 'diagnose', '--target', target, '--from', from], {capture: true})
  expectVerdict(clean.stdout, 'healthy', [])
}

async function loopback() {
  // The service the probes check: a small web server on this machine.
  const target = createServer((_, res) => res.end('ok\n'))
  await new Promise((resolve) => {
    target.listen(0, '127.0.0.1', resolve)
  })
  const {port} = target.address()
  try {
    step(`Run the same checks from every probe and from this machine against 127.0.0.1 (a web server on port ${port})`)
    // A check whose tool is missing here (mtr, monitoring-plugins) is UNKNOWN and names the package.
    await mc(['check', 'run', '--target', '127.0.0.1', '--check', 'ping', '--check', `tcp:${port}`, '--check', `http:${port}`, '--check', 'path', '--count', '5'])
    step('Diagnose (on loopback every path is one hop: no fault can be found here)')
    await mc(['check', 'diagnose', '--target', '127.0.0.1', '--count', '10'])
    step('Write the HTML report')
    await mc(['report', '--html', report])
  } finally {
    target.close()
  }
}

/** The probes run mtr and ping on this machine (in the sandbox's namespaces): without them the verdict can only be inconclusive. */
function missingTools() {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/bin', '/usr/sbin']
  const found = (name) =>
    dirs.some((dir) => {
      try {
        accessSync(join(dir, name), constants.X_OK)
        return true
      } catch {
        return false
      }
    })
  return ['mtr', 'ping'].filter((tool) => !found(tool))
}

let failed = false
let mode = 'loopback'
const missing = missingTools()
if (missing.length > 0) {
  process.stdout.write(
    `\nThe probes need ${missing.join(' and ')} on this machine: apt-get install mtr-tiny iputils-ping monitoring-plugins-basic nftables iproute2 (without them no verdict can be reached).\n`,
  )
}
try {
  step('Start the sandbox with its network: EC2, Rackspace, OpenStack, Linode and DigitalOcean emulators, nodes in network namespaces')
  await mc(['sandbox', 'start', '--detach', '--network', '--port', '0', '--boot-delay', '1000'])
  const status = JSON.parse((await mc(['sandbox', 'status', '--json'], {quiet: true})).stdout)
  if (status.network) {
    mode = status.network.mode
  } else {
    process.stdout.write(`\nNo network here (${status.networkUnavailable}): the demo runs on loopback, where every path is one hop and no fault can be found.\n`)
  }

  step('Deploy one probe in each cloud (cheapest size, Debian/Ubuntu LTS, mc key, SSH, self-check)')
  await mc(['probe', 'deploy', '--fleet', 'demo', ...SITES.flatMap((at) => ['--at', at])])
  await (status.network ? networked(status) : loopback()) // eslint-disable-line unicorn/prefer-top-level-await
} catch (error) {
  failed = true
  if (!(error instanceof Interrupted)) process.stderr.write(`demo failed: ${error.message}\n`)
} finally {
  // After Ctrl-C the probes go with the sandbox: stopping it ends every node, namespace and process.
  step(interrupted ? 'Tear down: stop the sandbox' : 'Tear down: destroy the probes, stop the sandbox')
  const teardown = interrupted
    ? [['sandbox', 'stop']]
    : [
        ['probe', 'destroy', '--all', '--yes'],
        ['sandbox', 'stop'],
      ]
  tearingDown = true
  for (const args of teardown) {
    try {
      await mc(args)
    } catch {
      failed = true
    }
  }

  rmSync(home, {recursive: true, force: true})
}

const seconds = ((Date.now() - started) / 1000).toFixed(0)
if (interrupted) process.exitCode = 130
else if (failed) process.exitCode = 1
if (!failed && !interrupted) {
  step(
    mode === 'loopback'
      ? `Done on loopback in ${seconds} s: ${SITES.length} clouds, ${SITES.length} probes, a report at ${report}, and nothing left running.`
      : `Done in ${seconds} s (${mode} network namespaces): ${SITES.length} clouds and a data center, the transit fault found and cleared, a report at ${report}, and nothing left running.`,
  )
}
