import {describeFailure, type ProviderFailure, ValidationError} from '../core/errors.js'
import type {Node, ProviderName} from '../core/model.js'
import {isProviderName} from '../drivers/registry.js'
import type {CloudDriver} from '../drivers/types.js'
import {scanHostKey} from '../ssh/pool.js'

import type {SshPool} from '../ssh/pool.js'
import type {ExecResult} from '../checks/executor.js'
import type {Inventory, Probe} from '../store/inventory.js'
import {FLEET_TAG, nodeSshAddress, PROBE_TAG} from './probe-nodes.js'
import {knownHostsFile, sshTarget} from './probe-session.js'
import {RESERVED_PROBE_NAMES, validateSshLogin} from './ssh-login.js'

export type OpenDriver = (provider: ProviderName, region: string) => Promise<CloudDriver>

export type ProbeView = Probe & {
  /** The cloud's view: the node's state, 'gone' when the cloud no longer has it, 'unchecked' when the cloud did not answer. */
  live: string
}

export type UntrackedNode = {provider: ProviderName; region: string; nodeId: string; name: string; fleet?: string; probe?: string; state: string}

export type ProbeListResult = {
  probes: ProbeView[]
  /** Tagged as mc probes in the cloud but not in the inventory. */
  untracked: UntrackedNode[]
  /** In the inventory but the cloud has no such node. */
  gone: string[]
  errors: ProviderFailure[]
}

/**
 * Inventory plus live state, and drift both ways. Every provider:region the inventory mentions is
 * asked once for nodes tagged as mc probes. A row whose create never answered (no node id yet, say
 * after a SIGKILL) adopts the tagged node it finds, so no node stays unknown.
 */
export async function listProbes(inventory: Inventory, openDriver: OpenDriver, fleet?: string): Promise<ProbeListResult> {
  const rows = inventory.list({fleet})
  const sites = new Map<string, {provider: ProviderName; region: string}>()
  for (const row of rows) {
    if (row.kind === 'cloud' && row.provider && row.region && isProviderName(row.provider)) {
      sites.set(`${row.provider}:${row.region}`, {provider: row.provider, region: row.region})
    }
  }

  const errors: ProviderFailure[] = []
  const nodesBySite = new Map<string, Node[]>()
  await Promise.all(
    [...sites.entries()].map(async ([key, site]) => {
      try {
        const driver = await openDriver(site.provider, site.region)
        try {
          const nodes = await driver.listNodes({tags: fleet ? {[FLEET_TAG]: fleet} : undefined})
          // Linode lists the whole account whatever the driver's region: keep this site's nodes only.
          const here = nodes.filter((n) => n.region.toLowerCase() === site.region.toLowerCase())
          nodesBySite.set(
            key,
            here.filter((n) => n.tags[FLEET_TAG] !== undefined && n.state !== 'terminated'),
          )
        } finally {
          await driver.close?.()
        }
      } catch (error) {
        errors.push(describeFailure(key, error))
      }
    }),
  )

  const claimed = new Set<string>()
  const probes: ProbeView[] = rows.map((row) => {
    if (row.kind !== 'cloud') return {...row, live: 'adopted'}
    const nodes = nodesBySite.get(`${row.provider}:${row.region}`)
    if (!nodes) return {...row, live: 'unchecked'}
    let node = row.nodeId ? nodes.find((n) => n.id === row.nodeId) : undefined
    if (!node && !row.nodeId) {
      node = nodes.find((n) => n.tags[PROBE_TAG] === row.name)
      if (node) {
        const address = node.state === 'running' ? nodeSshAddress(node) : {}
        row = inventory.recordNodeIfMissing(row.name, {nodeId: node.id, state: 'created', ...address})
      }
    }

    if (node) claimed.add(`${row.provider}:${row.region}:${node.id}`)
    return {...row, live: node ? node.state : row.nodeId ? 'gone' : 'not created'}
  })

  const untracked: UntrackedNode[] = []
  for (const [key, nodes] of nodesBySite) {
    const [provider, region] = key.split(':') as [ProviderName, string]
    for (const node of nodes) {
      if (claimed.has(`${key}:${node.id}`)) continue
      untracked.push({provider, region, nodeId: node.id, name: node.name, fleet: node.tags[FLEET_TAG], probe: node.tags[PROBE_TAG], state: node.state})
    }
  }

  return {probes, untracked, gone: probes.filter((p) => p.live === 'gone').map((p) => p.name), errors}
}

export type DestroyOutcome = {name: string; ok: boolean; nodeId?: string; error?: ProviderFailure}

/** Destroy probes: a cloud probe's node first, then its row; an adopted host only leaves the inventory. */
/** `onStep` hears each probe's steps (destroying its node, forgotten), for progress. */
export async function destroyProbes(inventory: Inventory, names: string[], openDriver: OpenDriver, onStep?: (name: string, step: string) => void): Promise<DestroyOutcome[]> {
  return Promise.all(
    names.map(async (name): Promise<DestroyOutcome> => {
      const probe = inventory.get(name)
      try {
        if (probe.kind === 'cloud' && probe.provider && probe.region && isProviderName(probe.provider)) {
          inventory.update(name, {state: 'destroying'})
          const driver = await openDriver(probe.provider, probe.region)
          try {
            const ids = probe.nodeId ? [probe.nodeId] : (await driver.listNodes({tags: {[PROBE_TAG]: name}})).filter((n) => n.tags[PROBE_TAG] === name).map((n) => n.id)
            for (const id of ids) {
              onStep?.(name, `destroying node ${id} (${probe.provider} ${probe.region})`)
              await driver.destroyNode(id).catch((error: unknown) => {
                if ((error as {code?: string}).code !== 'NOT_FOUND') throw error
              })
            }
          } finally {
            await driver.close?.()
          }
        }

        inventory.remove(name)
        onStep?.(name, 'destroyed')
        return {name, ok: true, nodeId: probe.nodeId}
      } catch (error) {
        inventory.update(name, {state: 'broken', detail: `destroy failed: ${(error as Error).message}`})
        return {name, ok: false, nodeId: probe.nodeId, error: describeFailure(name, error)}
      }
    }),
  )
}

export type AdoptRequest = {name: string; host: string; port: number; user: string; keyPath?: string; labels: Record<string, string>}

/**
 * Adopt an existing SSH host as a probe: connect once (trust on first use through `policy`), verify
 * that a command runs, then record it. Nothing is written when the connection fails.
 */
export async function adoptProbe(inventory: Inventory, request: AdoptRequest, pool: SshPool): Promise<Probe> {
  if (RESERVED_PROBE_NAMES.has(request.name.toLowerCase())) {
    throw new ValidationError(`"${request.name}" is reserved: --from all means every vantage point and --from local the machine running mc. Pick another name.`)
  }

  validateSshLogin({user: request.user, host: request.host}, `Probe ${request.name}`)
  if (!/^[A-Za-z0-9][\w.-]{0,62}$/.test(request.name)) throw new ValidationError(`Probe name "${request.name}" must be letters, digits, ".", "_" or "-".`)
  if (inventory.lookup(request.name)) throw new ValidationError(`A probe named "${request.name}" already exists. "mc probe destroy ${request.name}" removes it first.`)
  const executor = pool.executor({name: request.name, host: request.host, port: request.port, username: request.user})
  const result = await executor.exec('true', {timeoutMs: 20_000})
  if (result.exitCode !== 0) throw new ValidationError(`${request.host} accepted the connection but could not run a command (exit ${result.exitCode}).`)
  return inventory.insert({
    name: request.name,
    kind: 'adopted',
    state: 'ready',
    host: request.host,
    port: request.port,
    user: request.user,
    keyPath: request.keyPath,
    labels: request.labels,
  })
}

export async function execOnProbe(probe: Probe, pool: SshPool, command: string, timeoutMs: number): Promise<ExecResult> {
  return pool.executor(sshTarget(probe)).exec(command, {timeoutMs})
}

/** Accept a probe's current host key deliberately (after a rebuild), replacing what mc knew. */
export async function trustProbe(
  probe: Probe,
  dataDir: string,
  confirm: (fingerprint: string, keyType: string) => Promise<boolean>,
): Promise<{fingerprint: string; trusted: boolean}> {
  if (!probe.host) throw new ValidationError(`Probe ${probe.name} has no address yet.`)
  const presented = await scanHostKey(probe.host, probe.port)
  const trusted = await confirm(presented.fingerprint, presented.type)
  if (trusted) knownHostsFile(dataDir).replace(probe.host, probe.port, presented.blob)
  return {fingerprint: presented.fingerprint, trusted}
}

export {type HostKeyPolicy} from '../ssh/host-keys.js'
