#!/usr/bin/env node
// The main job, with no cloud account: start the mc sandbox (ephemeral port, a throwaway MC_HOME),
// deploy one probe in each emulated cloud with `mc probe deploy`, run the same checks from every
// probe and from this machine against a target, diagnose it, write the HTML report, tear it all
// down, and leave no process behind. Run after a build: `npm run build && node scripts/demo.mjs`.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {createServer} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'mc-demo-'))
const report = join(process.cwd(), 'mc-demo-report.html')
// Only the sandbox profile: the demo must never reach a real cloud with the user's credentials.
const env = {...process.env, MC_HOME: join(home, 'mc'), MC_PROFILE: 'sandbox'}
for (const name of Object.keys(env)) if (/^(AWS_|OS_|RAX_|LINODE_|DIGITALOCEAN_|MC_DEBUG$|MC_PROVIDER$|NODE_ENV$)/.test(name)) delete env[name]

const SITES = ['ec2:us-east-1', 'rackspace:ORD', 'openstack:RegionOne', 'linode:us-west', 'digitalocean:nyc3']

function step(text) {
  process.stdout.write(`\n==> ${text}\n`)
}

/** Run `mc <args>` as a user would, its output passed through; resolves with the exit code. */
function mc(args, {allow = [0]} = {}) {
  process.stdout.write(`$ mc ${args.join(' ')}\n`)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {env, stdio: ['ignore', 'inherit', 'inherit']})
    child.on('error', reject)
    child.on('close', (code) => (allow.includes(code) ? resolve(code) : reject(new Error(`mc ${args.join(' ')} exited with ${code}`))))
  })
}

/** The service the probes check: a small web server on this machine. */
const target = createServer((_, res) => res.end('ok\n'))
await new Promise((resolve) => {
  target.listen(0, '127.0.0.1', resolve)
})
const {port} = target.address()

let failed = false
try {
  step('Start the sandbox: EC2, Rackspace, OpenStack, Linode and DigitalOcean emulators on 127.0.0.1')
  await mc(['sandbox', 'start', '--detach', '--port', '0', '--boot-delay', '1000'])

  step('Deploy one probe in each cloud (cheapest size, Debian/Ubuntu LTS, mc key, SSH, self-check)')
  await mc(['probe', 'deploy', '--fleet', 'demo', ...SITES.flatMap((at) => ['--at', at])])
  await mc(['probe', 'list'])

  step(`Run the same checks from every probe and from this machine against 127.0.0.1 (a web server on port ${port})`)
  // A check whose tool is missing here (mtr, monitoring-plugins) is UNKNOWN and names the package.
  await mc(['check', 'run', '--target', '127.0.0.1', '--check', 'ping', '--check', `tcp:${port}`, '--check', `http:${port}`, '--check', 'path', '--count', '5'])

  step('Diagnose: where would a fault be?')
  await mc(['check', 'diagnose', '--target', '127.0.0.1', '--count', '10'])

  step('Write the HTML report')
  await mc(['report', '--html', report])
} catch (error) {
  failed = true
  process.stderr.write(`demo failed: ${error.message}\n`)
} finally {
  step('Tear down: destroy the probes, stop the sandbox')
  for (const teardown of [['probe', 'destroy', '--all', '--yes'], ['sandbox', 'stop']]) {
    try {
      await mc(teardown)
    } catch {
      failed = true
    }
  }

  target.close()
  rmSync(home, {recursive: true, force: true})
}

if (failed) {
  process.exitCode = 1
} else {
  step(`Done: ${SITES.length} clouds, ${SITES.length} probes, one verdict, a report at ${report}, and nothing left running.`)
}
