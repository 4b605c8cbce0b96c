import {EC2_INSTANCE_TYPES} from '../catalog.js'
import type {NodeRecord} from '../types.js'
import type {World} from '../world.js'
import {required} from './params.js'
import {type Action, existing} from './shared.js'
import {el} from './xml.js'

/**
 * GetConsoleOutput: the serial console of a booted instance (kernel and cloud-init lines, the SSH host
 * key fingerprints cloud-init prints), base64-encoded as EC2 sends it. An instance that has not
 * reached running yet has no output, only the instance id, as on EC2.
 */

function consoleText(n: NodeRecord, bootedAt: number): string {
  const type = EC2_INSTANCE_TYPES.find((t) => t.name === n.size)
  const stamp = new Date(bootedAt).toUTCString()
  const lines = [
    '[    0.000000] Linux version 6.1.0-23-cloud-amd64 (debian-kernel@lists.debian.org)',
    `[    0.000000] DMI: Amazon EC2 ${n.size}/, BIOS 1.0 10/16/2017`,
    `[    0.004000] smpboot: Allowing ${type?.vcpus ?? 1} CPUs, 0 hotplug CPUs`,
    `[    2.101000] cloud-init[412]: Cloud-init v. 22.4.2 running 'init-local' at ${stamp}. Up 2.10 seconds.`,
    `[    3.551000] cloud-init[455]: ci-info: | eth0 | True | ${n.privateIp} | 255.255.240.0 | global |`,
    '-----BEGIN SSH HOST KEY FINGERPRINTS-----',
    n.ssh?.hostKey ? `256 SHA256:${Buffer.from(n.id).toString('base64').replaceAll('=', '')} root@${n.privateIp.replaceAll('.', '-')} (ED25519)` : '',
    '-----END SSH HOST KEY FINGERPRINTS-----',
    `[    6.020000] cloud-init[602]: Cloud-init v. 22.4.2 finished at ${stamp}. Datasource DataSourceEc2Local.  Up 6.02 seconds`,
  ]
  return lines.filter(Boolean).join('\r\n') + '\r\n'
}

export function consoleOutputActions(world: World): Record<string, Action> {
  return {
    GetConsoleOutput(call) {
      const [n] = existing(world, call, [required(call.params, 'InstanceId')])
      const bootedAt = n.createdAt + world.settings.bootDelayMs
      if (n.status === 'pending' || world.now() < bootedAt) return el('instanceId', n.id)
      return el('instanceId', n.id) + el('timestamp', new Date(bootedAt).toISOString()) + el('output', Buffer.from(consoleText(n, bootedAt)).toString('base64'))
    },
  }
}
