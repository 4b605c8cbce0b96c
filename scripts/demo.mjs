#!/usr/bin/env node
// The main job, with no cloud account: start the mc sandbox (ephemeral port, a throwaway MC_HOME),
// create one node in each emulated cloud with mc's own commands, list them, run a command over SSH
// on one of them, destroy them, stop the sandbox, and leave no process behind.
// Run after a build: `npm run build && node scripts/demo.mjs`.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import ssh2 from 'ssh2'

const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url))
const home = mkdtempSync(join(tmpdir(), 'mc-demo-'))
// Only the sandbox profile: the demo must never reach a real cloud with the user's credentials.
const env = {...process.env, MC_HOME: join(home, 'mc'), MC_PROFILE: 'sandbox', NO_COLOR: '1'}
for (const name of Object.keys(env)) if (/^(AWS_|OS_|RAX_|LINODE_|MC_DEBUG$|MC_PROVIDER$)/.test(name)) delete env[name]

const CLOUDS = [
  {provider: 'ec2', size: 't3.micro', image: (images) => images.find((i) => i.name.startsWith('debian-12-amd64'))},
  {provider: 'rackspace', size: 'general1-1', image: (images) => images.find((i) => i.name.startsWith('Debian 12'))},
  {provider: 'openstack', size: '2', image: (images) => images.find((i) => i.name.startsWith('ubuntu-24.04'))},
  {provider: 'linode', size: 'g6-nanode-1', image: (images) => images.find((i) => i.id === 'linode/debian12')},
]

function step(text) {
  process.stdout.write(`\n==> ${text}\n`)
}

/** Run `mc <args>`; with json, parse its stdout. Human output is passed through as it comes. */
function mc(args, {json = false} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args, ...(json ? ['--json'] : [])], {env, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.on('data', (chunk) => {
      if (json) out += chunk
      else process.stdout.write(chunk)
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) {resolve(json ? JSON.parse(out) : undefined)}
      else {reject(new Error(`mc ${args.join(' ')} exited with ${code}${json ? `: ${out.trim()}` : ''}`))}
    })
  })
}

/** ssh2 sometimes writes ED25519 keys it cannot read back; draw until one loads. */
function keyPair() {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', {comment: 'mc-demo'})
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair
  }
}

function sshExec(port, privateKey, command) {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client()
    client.on('error', reject)
    client.on('ready', () => {
      client.exec(command, (error, stream) => {
        if (error) return reject(error)
        let output = ''
        let status
        stream.on('data', (d) => {
          output += d
        })
        stream.stderr.on('data', (d) => {
          output += d
        })
        stream.on('exit', (code) => {
          status = code
        })
        stream.on('close', () => {
          client.end()
          resolve({output, status})
        })
      })
    })
    client.connect({host: '127.0.0.1', port, username: 'demo', privateKey, readyTimeout: 10_000})
  })
}

const created = []
let sandboxPid
try {
  step('Starting the mc sandbox (EC2, Rackspace, OpenStack and Linode emulators on 127.0.0.1)')
  const status = await mc(['sandbox', 'start', '--detach', '--port', '0', '--boot-delay', '1500'], {json: true})
  sandboxPid = status.pid
  await mc(['sandbox', 'status'])

  const key = keyPair()
  const publicKeyFile = join(home, 'mc-demo.pub')
  writeFileSync(publicKeyFile, key.public)

  for (const cloud of CLOUDS) {
    step(`Creating a node in ${cloud.provider} with "mc nodes create" and waiting until it runs`)
    const {images} = await mc(['images', 'list', '--provider', cloud.provider], {json: true})
    const image = cloud.image(images)
    if (!image) throw new Error(`no suitable image in ${cloud.provider}`)
    const node = await mc(
      ['nodes', 'create', '--provider', cloud.provider, '--name', `demo-${cloud.provider}`, '--image', image.id, '--size', cloud.size, '--key-name', 'mc-demo', '--public-key-file', publicKeyFile],
      {json: true},
    )
    created.push(node)
    process.stdout.write(`${node.provider} node ${node.id} (${node.name}) is ${node.state} at ${node.publicIps.join(', ')}; SSH on port ${node.tags['mc-ssh-port']}\n`)
  }

  step('Listing every node in every cloud with "mc nodes list --provider all"')
  await mc(['nodes', 'list', '--provider', 'all'])

  const target = created.find((n) => n.provider === 'linode') ?? created[0]
  step(`Running a command over SSH on ${target.provider} node ${target.name} (127.0.0.1:${target.tags['mc-ssh-port']})`)
  const {output, status: exitStatus} = await sshExec(Number(target.tags['mc-ssh-port']), key.private, 'echo "hello from $MC_SANDBOX_NODE on $(uname -sr)"')
  process.stdout.write(`${output.trim()}\n(exit status ${exitStatus})\n`)
  if (exitStatus !== 0) throw new Error('the SSH command failed')

  step('Destroying the nodes with "mc nodes destroy"')
  for (const node of created.splice(0)) await mc(['nodes', 'destroy', node.id, '--provider', node.provider, '--yes'])
} finally {
  for (const node of created) await mc(['nodes', 'destroy', node.id, '--provider', node.provider, '--yes']).catch(() => {})
  step('Stopping the sandbox')
  await mc(['sandbox', 'stop'])
  rmSync(home, {recursive: true, force: true})
}

if (sandboxPid !== undefined) {
  try {
    process.kill(sandboxPid, 0)
    throw new Error(`the sandbox (pid ${sandboxPid}) is still running`)
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
}

step('Done: four clouds, one node each, an SSH command, and nothing left running.')
