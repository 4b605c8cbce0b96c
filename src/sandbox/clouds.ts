import {ec2Emulator} from './ec2/emulator.js'
import type {Emulator} from './emulator.js'
import {digitaloceanEmulator} from './digitalocean/emulator.js'
import {linodeEmulator} from './linode/emulator.js'
import {openstackEmulator, rackspaceEmulator} from './openstack/emulator.js'
import type {SandboxCloud} from './types.js'

/** Every emulated cloud: adding a cloud adds its emulator here (and its driver in src/drivers/registry.ts). */
export const EMULATORS: readonly Emulator[] = [ec2Emulator, rackspaceEmulator, openstackEmulator, linodeEmulator, digitaloceanEmulator]

export const SANDBOX_CLOUDS: readonly SandboxCloud[] = EMULATORS.map((e) => e.cloud)

const byCloud = new Map<SandboxCloud, Emulator>(EMULATORS.map((e) => [e.cloud, e]))

export function emulator(cloud: SandboxCloud): Emulator {
  return byCloud.get(cloud)!
}
