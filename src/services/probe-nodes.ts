import {isIPv4} from 'node:net'

import type {Node, ProviderName} from '../core/model.js'
import {SSH_PORT_KEY} from '../core/probe-conventions.js'

/** Tags mc puts on every probe node, so drift can be found from the cloud side. */
export const FLEET_TAG = 'mc-fleet'
export const PROBE_TAG = 'mc-probe'
/** The sandbox's nodes say which loopback port their sshd listens on. */
export const SSH_PORT_TAG = SSH_PORT_KEY

/** The account cloud images log in with: Debian's "admin", Ubuntu's "ubuntu", Amazon Linux's "ec2-user" on EC2; root elsewhere. */
export function loginUser(provider: ProviderName, imageName: string): string {
  if (provider !== 'ec2') return 'root'
  if (/ubuntu/i.test(imageName)) return 'ubuntu'
  if (/debian/i.test(imageName)) return 'admin'
  if (/al20|amzn|amazon/i.test(imageName)) return 'ec2-user'
  return 'root'
}

/** Where to SSH: the first public IPv4 (else any address) and the sandbox's port tag (else 22). */
export function nodeSshAddress(node: Node): {host: string; port: number} {
  const host = node.publicIps.find((ip) => isIPv4(ip)) ?? node.publicIps[0] ?? node.privateIps[0]
  if (!host) throw new Error(`${node.provider} node ${node.id} is running but has no address to SSH to`)
  const port = Number(node.tags[SSH_PORT_TAG] ?? 22)
  return {host, port: Number.isInteger(port) && port > 0 ? port : 22}
}
