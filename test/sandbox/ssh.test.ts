import {DescribeImagesCommand, DescribeInstancesCommand, ImportKeyPairCommand, RunInstancesCommand, TerminateInstancesCommand} from '@aws-sdk/client-ec2'
import {readdirSync, readFileSync} from 'node:fs'
import ssh2 from 'ssh2'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {SANDBOX_CLOUDS} from '../../src/sandbox/clouds.js'
import {ec2Client, http, keystoneToken, linodeHeaders, ManualClock, newKeyPair, openSandbox, sleep, sshExec, type TestSandbox} from './helpers.js'

// Long enough that a connection made right after create still finds the node booting.
const BOOT_MS = 600
/** Boots happen when the test moves this clock, not after a sleep (see ManualClock). */
const clock = new ManualClock()

let box: TestSandbox
const key = newKeyPair()

beforeAll(async () => {
  box = await openSandbox({bootDelayMs: BOOT_MS, clock})
})

afterAll(async () => {
  await box?.close()
})

/** Live (not zombie) processes in a process group, from /proc. */
function groupMembers(pgid: number): number[] {
  const members: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry))
    } catch {
      // the process ended while we looked
    }
  }
  return members
}

async function createLinode(label: string, extra: Record<string, unknown> = {}): Promise<{id: number; port: number}> {
  const res = await http(`${box.handle.endpoints.linode}/v4/linode/instances`, {
    method: 'POST',
    headers: linodeHeaders(box.handle),
    json: {region: 'us-east', type: 'g6-nanode-1', image: 'linode/debian12', label, root_pass: 'c0rrect-Horse-battery', authorized_keys: [key.publicKey], ...extra},
  })
  expect(res.status).toBe(200)
  const port = Number(res.body.tags.find((t: string) => t.startsWith('mc-ssh-port=')).split('=')[1])
  return {id: res.body.id, port}
}

describe('SSH into sandbox nodes', () => {
  it('runs commands with the key the node was created with: stdout, stderr, exit status, several channels at once', async () => {
    const {id, port} = await createLinode('ssh-linode')
    clock.advance(BOOT_MS + 50)
    const {results} = await sshExec(port, {privateKey: key.privateKey}, ['echo out; echo err >&2; exit 3', 'printf "%s" "$MC_SANDBOX_NODE"', 'sleep 0.3; echo slow', 'id -u'])
    expect(results[0]).toEqual({stdout: 'out\n', stderr: 'err\n', code: 3})
    expect(results[1].stdout).toBe(`linode/${id}`)
    expect(results[2]).toMatchObject({stdout: 'slow\n', code: 0})
    expect(results[3].stdout.trim()).toBe(String(process.getuid!()))
  })

  it('refuses a wrong key, accepts the root password, and refuses everything while the node boots', async () => {
    const {port} = await createLinode('ssh-auth')
    await expect(sshExec(port, {privateKey: key.privateKey}, ['true'])).rejects.toThrow()
    clock.advance(BOOT_MS + 50)
    await expect(sshExec(port, {privateKey: newKeyPair().privateKey}, ['true'])).rejects.toThrow(/authentication methods failed/)
    await expect(sshExec(port, {password: 'wrong-password'}, ['true'])).rejects.toThrow(/authentication methods failed/)
    const {results} = await sshExec(port, {password: 'c0rrect-Horse-battery'}, ['echo ok'])
    expect(results[0].stdout).toBe('ok\n')
  })

  it('reports a signal that ended the command', async () => {
    const {port} = await createLinode('ssh-signal')
    clock.advance(BOOT_MS + 50)
    const {results} = await sshExec(port, {privateKey: key.privateKey}, ['kill -TERM $$'])
    // ssh2's client names the signal the server sent as "TERM" with the SIG prefix.
    expect(results[0].signal).toBe('SIGTERM')
  })

  it('gives each session its own process group; closing the channel ends the command and what it started', async () => {
    const {port} = await createLinode('ssh-group')
    clock.advance(BOOT_MS + 50)
    const leader = await new Promise<number>((resolve, reject) => {
      const client = new ssh2.Client()
      client.on('error', reject)
      client.on('ready', () => {
        client.exec('echo $$; sleep 30 & sleep 30', (error, stream) => {
          if (error) return reject(error)
          stream.once('data', (d: Buffer) => {
            resolve(Number(d.toString().trim()))
            client.end()
          })
        })
      })
      client.connect({host: '127.0.0.1', port, username: 'root', privateKey: key.privateKey})
    })
    // The shell leads its own process group, as under sshd.
    expect(readFileSync(`/proc/${leader}/stat`, 'utf8').split(') ')[1].split(' ')[2]).toBe(String(leader))
    let running = groupMembers(leader)
    expect(running.length).toBeGreaterThan(0)
    for (let i = 0; i < 40 && running.length > 0; i++) {
      await sleep(50)
      running = groupMembers(leader)
    }
    expect(running).toEqual([])
  })

  it('EC2 nodes use the imported key pair; a terminated instance refuses connections', async () => {
    const ec2 = ec2Client(box.handle)
    await ec2.send(new ImportKeyPairCommand({KeyName: 'ssh-test', PublicKeyMaterial: Buffer.from(key.publicKey)}))
    const ami = (await ec2.send(new DescribeImagesCommand({Filters: [{Name: 'name', Values: ['ubuntu/images/*noble*amd64*']}]}))).Images![0].ImageId!
    const run = await ec2.send(new RunInstancesCommand({ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, KeyName: 'ssh-test'}))
    const id = run.Instances![0].InstanceId!
    clock.advance(BOOT_MS + 50)
    const described = await ec2.send(new DescribeInstancesCommand({InstanceIds: [id]}))
    const port = Number(described.Reservations![0].Instances![0].Tags!.find((t) => t.Key === 'mc-ssh-port')!.Value)
    const {results} = await sshExec(port, {privateKey: key.privateKey}, ['echo ec2'])
    expect(results[0].stdout).toBe('ec2\n')
    await ec2.send(new TerminateInstancesCommand({InstanceIds: [id]}))
    await expect(sshExec(port, {privateKey: key.privateKey}, ['true'])).rejects.toThrow()
    ec2.destroy()
  })

  it('Nova nodes use the key_name key pair', async () => {
    const {token, nova} = await keystoneToken(box.handle)
    const headers = {'x-auth-token': token}
    await http(`${nova()}/os-keypairs`, {method: 'POST', headers, json: {keypair: {name: 'ssh-test', public_key: key.publicKey}}})
    const image = (await http(`${nova()}/images`, {headers})).body.images[0].id
    const created = await http(`${nova()}/servers`, {method: 'POST', headers, json: {server: {name: 'ssh-nova', imageRef: image, flavorRef: '2', key_name: 'ssh-test'}}})
    clock.advance(BOOT_MS + 50)
    const {server} = (await http(`${nova()}/servers/${created.body.server.id}`, {headers})).body
    const {results} = await sshExec(Number(server.metadata['mc-ssh-port']), {privateKey: key.privateKey}, ['echo nova'])
    expect(results[0].stdout).toBe('nova\n')
  })
})

describe('state across restarts', () => {
  it('keeps nodes, keys, credentials, SSH ports and host keys across a restart; reset clears them', async () => {
    const restartBox = await openSandbox({bootDelayMs: 100, clock})
    try {
      const before = restartBox.handle
      const res = await http(`${before.endpoints.linode}/v4/linode/instances`, {
        method: 'POST',
        headers: linodeHeaders(before),
        json: {region: 'eu-west', type: 'g6-standard-1', image: 'linode/ubuntu24.04', root_pass: 'c0rrect-Horse-battery', authorized_keys: [key.publicKey]},
      })
      const {id} = res.body
      const port = Number(res.body.tags[0].split('=')[1])
      clock.advance(150)
      const first = await sshExec(port, {privateKey: key.privateKey}, ['echo before'])

      const after = await restartBox.restart()
      expect(after.port).toBe(before.port)
      expect(after.credentials).toEqual(before.credentials)
      const listed = await http(`${after.endpoints.linode}/v4/linode/instances/${id}`, {headers: linodeHeaders(after)})
      expect(listed.body).toMatchObject({id, region: 'eu-west', status: 'running', tags: [`mc-ssh-port=${port}`]})
      const second = await sshExec(port, {privateKey: key.privateKey}, ['echo after'])
      expect(second.results[0].stdout).toBe('after\n')
      expect(second.hostKey).toBe(first.hostKey)

      await after.reset()
      expect(after.counts()).toEqual(Object.fromEntries(SANDBOX_CLOUDS.map((cloud) => [cloud, 0])))
      expect((await http(`${after.endpoints.linode}/v4/linode/instances/${id}`, {headers: linodeHeaders(after)})).status).toBe(404)
      await expect(sshExec(port, {privateKey: key.privateKey}, ['true'])).rejects.toThrow()
      expect((await http(`${after.endpoints.linode}/v4/linode/instances`, {headers: linodeHeaders(after)})).status).toBe(200)
    } finally {
      await restartBox.close()
    }
  })
})
