import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {type SandboxHandle, startSandbox} from '../../src/sandbox/index.js'

/** Every cloud the listing bench lists, each beside Libcloud's driver for it. */
export const CLOUDS = ['ec2', 'rackspace', 'openstack', 'linode', 'digitalocean'] as const
export type Cloud = (typeof CLOUDS)[number]
/**
 * The clouds of the `--provider all` row: the four it has listed since the first benchmark, so its
 * ratio stays comparable from run to run (DigitalOcean, listed by `all` too, joined later).
 */
export const ALL_ROW_CLOUDS: readonly Cloud[] = ['ec2', 'rackspace', 'openstack', 'linode']

/**
 * The sandbox in this process (it answers while the measured clients run as child processes), with
 * `nodes` seeded running nodes per cloud. Restarting on the same data dir with a larger count adds
 * nodes, so one data dir serves every size. mc finds it through the default profile of `mcHome`.
 */
export async function openSandbox(dataDir: string, mcHome: string, nodes: number, faults: string[] = []): Promise<SandboxHandle> {
  const handle = await startSandbox({dataDir, port: 0, ssh: false, seedNodes: nodes, faults})
  mkdirSync(mcHome, {recursive: true})
  writeFileSync(join(mcHome, 'config.json'), JSON.stringify({profiles: {default: handle.profile}}, null, 2), {mode: 0o600})
  return handle
}

/** What bench/peers/libcloud_list.py needs to reach one cloud of the sandbox. */
export function libcloudConfig(handle: SandboxHandle, cloud: Cloud): Record<string, unknown> {
  const {credentials: c, endpoints, port} = handle
  switch (cloud) {
    case 'ec2': {
      return {...c.ec2, port}
    }
    case 'rackspace': {
      return {...c.rackspace, identity: endpoints.rackspace}
    }
    case 'openstack': {
      return {...c.openstack, identity: endpoints.openstack.replace(/\/v3$/, '')}
    }
    case 'linode': {
      return {...c.linode, port}
    }
    case 'digitalocean': {
      return {...c.digitalocean, port}
    }
  }
}

/** Environment for the AWS CLI (and a bare SDK script) against the sandbox's EC2. */
export function awsEnv(handle: SandboxHandle, home: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: handle.credentials.ec2.accessKeyId,
    AWS_SECRET_ACCESS_KEY: handle.credentials.ec2.secretAccessKey,
    AWS_DEFAULT_REGION: handle.credentials.ec2.region,
    AWS_REGION: handle.credentials.ec2.region,
    AWS_PAGER: '',
    // No ~/.aws of the person running the bench.
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
  }
}
