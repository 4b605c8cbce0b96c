import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {PROVIDERS} from '../../src/drivers/registry.js'
import {OPENSTACK} from '../../src/sandbox/catalog.js'
import {type SandboxHandle, startSandbox} from '../../src/sandbox/index.js'
import {writeProfile} from '../../src/store/config.js'
import {freePort} from '../helpers/sshd.js'

/**
 * The HTTP layer as a user meets it, mc run as a process: endpoints that hang or drip, a real forward
 * proxy (tinyproxy) on loopback, and the sandbox served over HTTPS with a CA made here.
 */

const BIN = new URL('../../bin/run.js', import.meta.url).pathname
const PROXY_PASSWORD = 'pr0xy-s3cret-pass'

let dir: string
let sandbox: SandboxHandle
let tlsSandbox: SandboxHandle
let hang: Server
let drip: Server
let hangUrl: string
let dripUrl: string
const children: ChildProcess[] = []

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** mc in its own MC_HOME with `profile` as the default profile; killed after 90 s so a hang fails the test instead of the run. */
async function mc(args: string[], options: {profile: Record<string, string>; env?: NodeJS.ProcessEnv; home?: string}): Promise<Run> {
  const home = options.home ?? mkdtempSync(join(dir, 'home-'))
  writeProfile(join(home, 'config.json'), 'default', options.profile)
  const env: NodeJS.ProcessEnv = {PATH: process.env.PATH, HOME: home, MC_HOME: home, NO_COLOR: '1', ...options.env}
  const child = spawn(process.execPath, [BIN, ...args], {env, stdio: ['ignore', 'pipe', 'pipe']})
  children.push(child)
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => {
    stdout += c
  })
  child.stderr.on('data', (c: Buffer) => {
    stderr += c
  })
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000)
  const [code] = (await once(child, 'exit')) as [number | null]
  clearTimeout(killer)
  return {code, stdout, stderr}
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => {
    server.listen(0, '127.0.0.1', resolve)
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Every file under `root`, read as text. */
function allFiles(root: string): string {
  let text = ''
  for (const name of readdirSync(root)) {
    const path = join(root, name)
    text += statSync(path).isDirectory() ? allFiles(path) : readFileSync(path, 'latin1')
  }
  return text
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mc-network-'))
  sandbox = await startSandbox({port: 0, dataDir: join(dir, 'sandbox'), ssh: false, seedNodes: 3})
  // Accepts, reads the request, never answers.
  hang = createServer(() => {})
  hangUrl = await listen(hang)
  // Answers 200 and then one byte every 200 ms, forever.
  drip = createServer((_req, res) => {
    res.writeHead(200, {'content-type': 'text/xml'})
    res.write('<')
    const timer = setInterval(() => res.write(' '), 200)
    res.on('close', () => clearInterval(timer))
  })
  dripUrl = await listen(drip)

  const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], {cwd: dir, stdio: 'pipe'})
  sh('openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=mc-test-ca')
  sh('openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1')
  writeFileSync(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n')
  sh('openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile ext')
  tlsSandbox = await startSandbox({
    port: 0,
    dataDir: join(dir, 'tls-sandbox'),
    ssh: false,
    seedNodes: 2,
    tls: {key: readFileSync(join(dir, 'srv.key'), 'utf8'), cert: readFileSync(join(dir, 'srv.pem'), 'utf8')},
  })
}, 60_000)

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const server of [hang, drip]) {
    server?.closeAllConnections()
    server?.close()
  }
  await sandbox?.stop()
  await tlsSandbox?.stop()
  rmSync(dir, {recursive: true, force: true})
})

async function fetchStatus(url: string): Promise<boolean> {
  const {request} = await import('node:http')
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume()
      resolve(true)
    })
    req.on('error', () => resolve(false))
    req.end()
  })
}

function caFile(): string {
  return join(dir, 'ca.pem')
}

function nodes(run: Run): {provider: string}[] {
  return (JSON.parse(run.stdout) as {nodes: {provider: string}[]}).nodes
}

describe('never hang: a stuck cloud does not stall the others', () => {
  it("an EC2 endpoint that accepts and never answers: Linode's nodes printed, exit 5, EC2 named with a timeout", async () => {
    const run = await mc(['nodes', 'list', '--provider', 'ec2,linode', '--json'], {
      profile: {...sandbox.profile, 'ec2.endpoint': hangUrl},
      env: {MC_READ_TIMEOUT: '1'},
    })
    expect(run.code).toBe(5)
    expect(nodes(run).filter((n) => n.provider === 'linode')).toHaveLength(3)
    expect(run.stderr).toMatch(/Error \(ec2\): .*did not answer DescribeInstances in time/)
    expect((JSON.parse(run.stdout) as {errors: {provider: string; exitCode: number}[]}).errors).toEqual([expect.objectContaining({provider: 'ec2', exitCode: 8})])
  })

  it('an EC2 endpoint sending one byte at a time: the call budget ends it, exit 5', async () => {
    const run = await mc(['nodes', 'list', '--provider', 'ec2,linode', '--json'], {
      profile: {...sandbox.profile, 'ec2.endpoint': dripUrl},
      env: {MC_READ_TIMEOUT: '10', MC_REQUEST_TIMEOUT: '2'},
    })
    expect(run.code).toBe(5)
    expect(nodes(run).filter((n) => n.provider === 'linode')).toHaveLength(3)
    expect(run.stderr).toMatch(/Error \(ec2\): EC2 DescribeInstances at .* did not finish within 2 s/)
  })

  it('a timeout alone is exit 8 naming the provider, for EC2 and for Linode', async () => {
    const ec2 = await mc(['nodes', 'list', '--provider', 'ec2'], {profile: {...sandbox.profile, 'ec2.endpoint': hangUrl}, env: {MC_READ_TIMEOUT: '1'}})
    expect(ec2.code).toBe(8)
    expect(ec2.stderr).toMatch(/ec2|EC2/)
    const linode = await mc(['nodes', 'list', '--provider', 'linode'], {profile: {...sandbox.profile, 'linode.endpoint': dripUrl}, env: {MC_TIMEOUT: '2'}})
    expect(linode.code).toBe(8)
    expect(linode.stderr).toMatch(/GET http:\/\/127\.0\.0\.1:\d+ did not finish within the command's time budget \(MC_TIMEOUT\)/)
  })
})

describe('a forward proxy (tinyproxy) for every provider', () => {
  let proxy: ChildProcess
  let proxyPort: number
  let log: string

  beforeAll(async () => {
    proxyPort = await freePort()
    log = join(dir, 'tinyproxy.log')
    const conf = join(dir, 'tinyproxy.conf')
    writeFileSync(
      conf,
      [
        `Port ${proxyPort}`,
        'Listen 127.0.0.1',
        'Timeout 30',
        `LogFile "${log}"`,
        'LogLevel Info',
        'MaxClients 50',
        `BasicAuth mcuser ${PROXY_PASSWORD}`,
        'DisableViaHeader Yes',
      ].join('\n'),
    )
    writeFileSync(log, '')
    proxy = spawn('tinyproxy', ['-d', '-c', conf], {stdio: 'ignore'})
    children.push(proxy)
    // Up when it takes a connection.
    for (let i = 0; ; i++) {
      const ok = await fetchStatus(`http://127.0.0.1:${proxyPort}/`)
      if (ok) break
      if (i > 100) throw new Error('tinyproxy did not start')
      await new Promise((resolve) => {
        setTimeout(resolve, 50)
      })
    }
  }, 30_000)

  afterAll(() => {
    if (proxy?.exitCode === null) proxy.kill('SIGTERM')
  })

  /** Requests tinyproxy forwarded, per provider, from its log: the sandbox mounts each cloud at its own path. */
  function forwarded(): Record<string, number> {
    const {port} = new URL(sandbox.endpoints.linode)
    const counts: Record<string, number> = {ec2: 0, linode: 0, openstack: 0, rackspace: 0, digitalocean: 0}
    for (const match of readFileSync(log, 'utf8').matchAll(new RegExp(`Request \\(file descriptor \\d+\\): (\\w+) http://127\\.0\\.0\\.1:${port}(/\\S*)`, 'g'))) {
      const path = match[2]
      if (path.startsWith('/v4/')) counts.linode++
      else if (path.startsWith('/v2/')) counts.digitalocean++
      else if (path.startsWith('/rackspace')) counts.rackspace++
      else if (path.startsWith('/identity') || path.startsWith('/compute')) counts.openstack++
      else if (match[1] === 'POST' && path === '/') counts.ec2++
    }
    return counts
  }

  const proxyUrl = (password = PROXY_PASSWORD) => `http://mcuser:${password}@127.0.0.1:${proxyPort}`

  it("every provider's requests go through HTTP_PROXY, and the proxy's password is in no output and no file", async () => {
    const before = forwarded()
    const home = mkdtempSync(join(dir, 'home-'))
    const run = await mc(['nodes', 'list', '--provider', 'all', '--json', '--debug'], {profile: sandbox.profile, env: {HTTP_PROXY: proxyUrl()}, home})
    expect(run.code, run.stderr).toBe(0)
    expect(nodes(run)).toHaveLength(3 * PROVIDERS.length)
    const after = forwarded()
    for (const provider of PROVIDERS) expect(after[provider], provider).toBeGreaterThan(before[provider])
    expect(run.stdout + run.stderr + allFiles(home)).not.toContain(PROXY_PASSWORD)
  })

  it('NO_PROXY sends them direct; a profile key <provider>.proxy sends that provider through it', async () => {
    const before = forwarded()
    const direct = await mc(['nodes', 'list', '--provider', 'all', '--json'], {profile: sandbox.profile, env: {http_proxy: proxyUrl(), no_proxy: 'localhost,127.0.0.0/8'}})
    expect(direct.code, direct.stderr).toBe(0)
    expect(forwarded()).toEqual(before)
    const home = mkdtempSync(join(dir, 'home-'))
    const viaProfile = await mc(['nodes', 'list', '--provider', 'linode,ec2', '--json'], {profile: {...sandbox.profile, 'linode.proxy': proxyUrl()}, home})
    expect(viaProfile.code, viaProfile.stderr).toBe(0)
    const shown = await mc(['config', 'list'], {profile: {...sandbox.profile, 'linode.proxy': proxyUrl()}, home})
    expect(shown.stdout).toMatch(/linode\.proxy +http:\/\/\[REDACTED]@127\.0\.0\.1/)
    expect(shown.stdout).not.toContain(PROXY_PASSWORD)
    const after = forwarded()
    expect(after.linode).toBeGreaterThan(before.linode)
    expect(after.ec2).toBe(before.ec2)
  })

  it('a proxy that wants other credentials: a clear error, exit 3, no password shown', async () => {
    const run = await mc(['nodes', 'list', '--provider', 'linode'], {
      profile: {...tlsSandbox.profile, 'linode.caFile': join(dir, 'ca.pem')},
      env: {HTTPS_PROXY: proxyUrl('wrong-password-123')},
    })
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(/The proxy http:\/\/\[REDACTED]@127\.0\.0\.1:\d+ refused to connect mc to 127\.0\.0\.1:\d+ \(HTTP 40[17] .*it wants credentials/)
    expect(run.stderr).not.toContain('wrong-password-123')
  })

  it('a proxy that is not there: a clear error naming it, exit 7, no password shown', async () => {
    const closed = await freePort()
    const run = await mc(['nodes', 'list', '--provider', 'linode'], {profile: sandbox.profile, env: {HTTP_PROXY: `http://mcuser:${PROXY_PASSWORD}@127.0.0.1:${closed}`}})
    expect(run.code).toBe(7)
    expect(run.stderr).toMatch(/cannot use the proxy http:\/\/\[REDACTED]@127\.0\.0\.1:\d+ \(connect ECONNREFUSED/)
    expect(run.stderr).not.toContain(PROXY_PASSWORD)
  })

  it('HTTPS through the proxy is a CONNECT tunnel (the HTTPS sandbox, with its CA)', async () => {
    const run = await mc(['nodes', 'list', '--provider', 'linode,ec2', '--json'], {
      profile: {...tlsSandbox.profile, 'linode.caFile': join(dir, 'ca.pem'), 'ec2.caFile': join(dir, 'ca.pem')},
      env: {HTTPS_PROXY: proxyUrl()},
    })
    expect(run.code, run.stderr).toBe(0)
    expect(nodes(run)).toHaveLength(4)
    const {port} = new URL(tlsSandbox.endpoints.linode)
    expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`CONNECT 127\\.0\\.0\\.1:${port}`))
  })
})

describe('private CAs: the sandbox over HTTPS with a CA made by the test', () => {
  it('is refused with a clear error (exit 7) without the CA, for every provider', async () => {
    const run = await mc(['nodes', 'list', '--provider', 'all'], {profile: tlsSandbox.profile})
    expect(run.code).toBe(7)
    for (const provider of ['ec2', 'linode', 'openstack', 'rackspace']) {
      expect(run.stderr).toMatch(new RegExp(`${provider}: https://127\\.0\\.0\\.1:\\d+ presented a certificate mc does not trust`, 'i'))
    }
  })

  it("is accepted with each provider's own CA setting", async () => {
    const awsConfig = join(dir, 'aws-config')
    writeFileSync(awsConfig, `[default]\nca_bundle = ${caFile()}\n`)
    const cases: [string, Record<string, string>, NodeJS.ProcessEnv][] = [
      ['ec2', {}, {AWS_CA_BUNDLE: caFile()}],
      ['ec2', {}, {AWS_CONFIG_FILE: awsConfig}],
      ['openstack', {}, {OS_CACERT: caFile()}],
      ['rackspace', {'rackspace.caFile': caFile()}, {}],
      ['linode', {'linode.caFile': caFile()}, {}],
      ['linode', {}, {NODE_EXTRA_CA_CERTS: caFile()}],
    ]
    for (const [provider, keys, env] of cases) {
      const run = await mc(['nodes', 'list', '--provider', provider, '--json'], {profile: {...tlsSandbox.profile, ...keys}, env})
      expect(run.code, `${provider} ${JSON.stringify(env)}: ${run.stderr}`).toBe(0)
      expect(nodes(run)).toHaveLength(2)
    }
  })

  it("a create that makes OpenStack's mc-probe security group: Neutron trusts OS_CACERT as Nova does", async () => {
    const image = OPENSTACK.images[0].id
    const args = ['nodes', 'create', '--provider', 'openstack', '--name', 'ca-neutron', '--image', image, '--size', '2', '--allow-ssh-icmp', '--json']
    const run = await mc(args, {profile: tlsSandbox.profile, env: {OS_CACERT: caFile()}})
    expect(run.code, run.stderr).toBe(0)
    const created = JSON.parse(run.stdout) as {id: string; name: string; provider: string}
    expect(created).toMatchObject({name: 'ca-neutron', provider: 'openstack'})
    // The other CA tests count this sandbox's nodes: leave it as it was.
    const destroyed = await mc(['nodes', 'destroy', created.id, '--provider', 'openstack', '--yes'], {profile: tlsSandbox.profile, env: {OS_CACERT: caFile()}})
    expect(destroyed.code, destroyed.stderr).toBe(0)
  })

  it('clouds.yaml: cacert trusts the CA; verify: false skips the checks with a warning on every run', async () => {
    const {openstack} = tlsSandbox.credentials
    const cloudsFile = join(dir, 'clouds.yaml')
    const cloud = (extra: string) =>
      writeFileSync(
        cloudsFile,
        `clouds:\n  tls:\n    region_name: ${openstack.region}\n${extra}    auth:\n      auth_url: ${tlsSandbox.endpoints.openstack}\n      username: ${openstack.username}\n      password: ${openstack.password}\n      project_name: ${openstack.projectName}\n      user_domain_name: ${openstack.userDomainName}\n      project_domain_name: ${openstack.projectDomainName}\n`,
      )
    const profile = {'openstack.cloud': 'tls'}
    const env = {OS_CLIENT_CONFIG_FILE: cloudsFile}
    cloud(`    cacert: ${caFile()}\n`)
    const trusted = await mc(['nodes', 'list', '--provider', 'openstack', '--json'], {profile, env})
    expect(trusted.code, trusted.stderr).toBe(0)
    expect(trusted.stderr).not.toMatch(/not checked/)
    cloud('    verify: false\n')
    for (let i = 0; i < 2; i++) {
      const run = await mc(['nodes', 'list', '--provider', 'openstack', '--json'], {profile, env})
      expect(run.code, run.stderr).toBe(0)
      expect(nodes(run)).toHaveLength(2)
      expect(run.stderr).toMatch(/Warning: openstack: TLS certificates are not checked \(.*clouds\.yaml \(cloud "tls"\)\)/)
    }
    cloud('')
    const refused = await mc(['nodes', 'list', '--provider', 'openstack'], {profile, env})
    expect(refused.code).toBe(7)
  })
})
