import {randomUUID} from 'node:crypto'

import {describeFailure, InterruptedError, type ProviderFailure, toMcError} from '../core/errors.js'
import type {DebugLog} from '../core/log.js'
import type {Node, ProviderName} from '../core/model.js'
import type {CloudDriver} from '../drivers/types.js'
import type {SshPool} from '../ssh/pool.js'
import type {Inventory, Probe} from '../store/inventory.js'
import {ensureMcKey, type McKey} from '../store/mc-key.js'
import {withFleetLock} from './fleet-lock.js'
import {bootstrapProbe, waitForSsh} from './probe-bootstrap.js'
import {costTotal, withTablePrices} from './prices.js'
import {checkRegion, type ProbePlan, planProbe, type ProbeSite} from './probe-plan.js'
import {sshTarget} from './probe-session.js'
import {loginUser, nodeSshAddress, PROBE_TAG, FLEET_TAG} from './probe-nodes.js'

export type DeployStep = 'lock' | 'plan' | 'create' | 'wait' | 'ssh' | 'bootstrap' | 'ready' | 'reuse' | 'rollback' | 'failed'

export type DeployContext = {
  inventory: Inventory
  pool: SshPool
  dataDir: string
  log: DebugLog
  /** Open a driver for one provider in one region. */
  driver(provider: ProviderName, region: string): Promise<CloudDriver>
  /** A driver for rollback that the abort signal does not cancel (`driver`'s requests stop on Ctrl-C). */
  cleanupDriver(provider: ProviderName, region: string): Promise<CloudDriver>
  signal: AbortSignal
  onStep?(probe: string, step: DeployStep, detail?: string): void
}

export type DeployOptions = {
  fleet: string
  sites: ProbeSite[]
  dryRun: boolean
  keepFailed: boolean
  waitTimeoutMs: number
}

export type ProbeOutcome = {
  name: string
  provider: ProviderName
  region: string
  status: 'created' | 'failed' | 'planned' | 'replaced' | 'reused'
  size?: string
  image?: string
  priceHourly?: number
  nodeId?: string
  host?: string
  port?: number
  /** Probe tools the self-check did not find. */
  missingTools?: string[]
  error?: ProviderFailure
  /** True when a failed probe's node was destroyed again (false: kept, by --keep-failed or because destroy failed). */
  rolledBack?: boolean
}

/** `hourlyCost` sums the probes with a price; `unpricedProbes` counts those whose size has none. */
export type DeployResult = {fleet: string; run: string; probes: ProbeOutcome[]; hourlyCost: number; unpricedProbes: number}

/**
 * Deploy a fleet: every site at once, each through plan -> create -> wait -> SSH -> bootstrap ->
 * ready. The inventory row exists before the cloud is asked and gets the node id the moment the
 * cloud answers; a failed or interrupted probe's node is destroyed again unless keepFailed.
 */
export async function deployFleet(options: DeployOptions, context: DeployContext): Promise<DeployResult> {
  const run = randomUUID()
  const deployAll = async () => {
    const key = options.dryRun ? undefined : await ensureMcKey(context.dataDir)
    return Promise.all(options.sites.map((site) => deployOne(site, key, run, options, context)))
  }
  // Two deploys of one fleet at once would retire each other's starting probes: the second waits.
  const lock = {waitMs: options.waitTimeoutMs, signal: context.signal, onWait: (reason: string) => context.onStep?.(options.fleet, 'lock', reason)}
  const probes = options.dryRun ? await deployAll() : await withFleetLock(context.inventory, options.fleet, lock, deployAll)
  const live = probes.filter((p) => p.status !== 'failed')
  const cost = costTotal(live)
  return {fleet: options.fleet, run, probes, hourlyCost: cost.hourly, unpricedProbes: cost.unpriced}
}

async function deployOne(site: ProbeSite, key: McKey | undefined, run: string, options: DeployOptions, context: DeployContext): Promise<ProbeOutcome> {
  const base = {name: '', provider: site.provider, region: site.region}
  let driver: CloudDriver | undefined
  let plan: ProbePlan | undefined
  try {
    driver = await context.driver(site.provider, site.region)
    context.onStep?.(`${site.provider}:${site.region}`, 'plan')
    const [sizes, images, locations] = await Promise.all([
      driver.listSizes().then((s) => withTablePrices(site.provider, site.region, s)),
      driver.listImages(),
      driver.listLocations(),
    ])
    checkRegion(site, locations)
    plan = planProbe(options.fleet, site, sizes, images)
    const planned = {...base, name: plan.name, size: plan.size, image: plan.image, priceHourly: plan.priceHourly}
    if (options.dryRun) return {...planned, status: 'planned'}

    const existing = await healthyExisting(plan, driver, context)
    if (existing) {
      context.onStep?.(plan.name, 'reuse', existing.host)
      return {...planned, status: 'reused', nodeId: existing.nodeId, host: existing.host, port: existing.port}
    }

    const replaced = await retireBroken(plan, driver, context)
    const created = await createProbe(plan, driver, key!, run, options, context)
    return {...planned, ...created, status: replaced ? 'replaced' : 'created'}
  } catch (error) {
    const name = plan?.name ?? `${options.fleet}-${site.provider}-${site.region}`
    context.onStep?.(name, 'failed', toMcError(error).message)
    const rolledBack = plan && !options.keepFailed ? await rollback(plan, run, context) : false
    return {...base, name, status: 'failed', error: describeFailure(name, error), rolledBack, nodeId: context.inventory.lookup(name)?.nodeId}
  } finally {
    await driver?.close?.()
  }
}

/** A probe from an earlier deploy that is still running and answers SSH is kept as it is. */
async function healthyExisting(plan: ProbePlan, driver: CloudDriver, context: DeployContext): Promise<Probe | undefined> {
  const probe = context.inventory.lookup(plan.name)
  if (!probe?.nodeId || probe.state !== 'ready') return undefined
  try {
    const node = await driver.getNode(probe.nodeId)
    if (node.state !== 'running') return undefined
    await waitForSsh(context.pool.executor(sshTarget(probe)), {timeoutMs: 15_000, signal: context.signal, log: context.log})
    return probe
  } catch (error) {
    if (error instanceof InterruptedError || context.signal.aborted) throw error
    context.log.line(`${plan.name}: not healthy (${toMcError(error).message}); replacing it`)
    return undefined
  }
}

/** Destroy a broken probe's node (and any stray node tagged with its name) before building anew. */
async function retireBroken(plan: ProbePlan, driver: CloudDriver, context: DeployContext): Promise<boolean> {
  const probe = context.inventory.lookup(plan.name)
  const strays = await taggedNodes(plan.name, driver)
  const ids = new Set([...(probe?.nodeId ? [probe.nodeId] : []), ...strays.map((n) => n.id)])
  for (const id of ids) {
    await driver.destroyNode(id).catch((error: unknown) => {
      if (toMcError(error).code !== 'NOT_FOUND') throw error
    })
  }

  if (probe) context.inventory.remove(plan.name)
  return Boolean(probe) || ids.size > 0
}

async function taggedNodes(name: string, driver: CloudDriver): Promise<Node[]> {
  const nodes = await driver.listNodes({tags: {[PROBE_TAG]: name}})
  return nodes.filter((n) => n.tags[PROBE_TAG] === name && n.state !== 'terminated')
}

async function createProbe(plan: ProbePlan, driver: CloudDriver, key: McKey, run: string, options: DeployOptions, context: DeployContext) {
  const {inventory, signal} = context
  const clientToken = `mc-${run}-${plan.name}`.slice(0, 64)
  const user = loginUser(plan.provider, plan.imageName)
  inventory.insert({
    name: plan.name,
    kind: 'cloud',
    state: 'requested',
    fleet: plan.fleet,
    provider: plan.provider,
    region: plan.region,
    clientToken,
    size: plan.size,
    image: plan.image,
    priceHourly: plan.priceHourly,
    user,
    deployRun: run,
    labels: {provider: plan.provider, region: plan.region},
  })
  context.onStep?.(plan.name, 'create', `${plan.size}, ${plan.imageName}`)
  const node = await driver.createNode({
    name: plan.name,
    image: plan.image,
    size: plan.size,
    keyName: key.keyName,
    publicKey: key.publicKey,
    tags: {[FLEET_TAG]: plan.fleet, [PROBE_TAG]: plan.name},
    allowSshAndIcmp: true,
    clientToken,
  })
  inventory.update(plan.name, {nodeId: node.id, state: 'created'})
  signal.throwIfAborted()

  context.onStep?.(plan.name, 'wait', node.id)
  const running = await driver.waitUntilRunning(node.id, {timeoutMs: options.waitTimeoutMs, signal})
  const {host, port} = nodeSshAddress(running)
  const probe = inventory.update(plan.name, {host, port, state: 'bootstrapping'})

  context.onStep?.(plan.name, 'ssh', `${host}:${port}`)
  const executor = context.pool.executor(sshTarget(probe))
  await waitForSsh(executor, {timeoutMs: options.waitTimeoutMs, signal, log: context.log, onWait: (reason) => context.onStep?.(plan.name, 'ssh', reason)})

  context.onStep?.(plan.name, 'bootstrap', plan.probeReady ? 'image carries the tools: verify only' : 'install monitoring-plugins and mtr')
  const report = await bootstrapProbe(executor, plan.probeReady)
  const detail = report.missing.length > 0 ? `missing: ${report.missing.join(', ')}${report.detail ? ` (${report.detail})` : ''}` : undefined
  inventory.update(plan.name, {state: 'ready', detail})
  context.onStep?.(plan.name, 'ready', detail)
  return {nodeId: node.id, host, port, missingTools: report.missing}
}

/**
 * Undo what this run created for one probe: its node (found by id, or by tag when the create call
 * never answered) and its inventory row. A node that cannot be destroyed stays in the inventory as
 * broken, so it is never forgotten. It opens its own driver: the deploy's drivers stop on Ctrl-C.
 */
export async function rollback(
  plan: Pick<ProbePlan, 'name' | 'provider' | 'region'>,
  run: string,
  context: Pick<DeployContext, 'cleanupDriver' | 'inventory' | 'log' | 'onStep'>,
): Promise<boolean> {
  const {name} = plan
  const probe = context.inventory.lookup(name)
  if (!probe || probe.deployRun !== run) return false
  context.onStep?.(name, 'rollback', probe.nodeId)
  let driver: CloudDriver | undefined
  try {
    driver = await context.cleanupDriver(plan.provider, plan.region)
    const ids = probe.nodeId ? [probe.nodeId] : (await taggedNodes(name, driver)).map((n) => n.id)
    for (const id of ids) {
      await driver.destroyNode(id).catch((error: unknown) => {
        if (toMcError(error).code !== 'NOT_FOUND') throw error
      })
    }

    context.inventory.remove(name)
    return true
  } catch (error) {
    context.inventory.update(name, {state: 'broken', detail: `rollback failed: ${toMcError(error).message}`})
    context.log.line(`${name}: rollback failed: ${toMcError(error).message}`)
    return false
  } finally {
    await driver?.close?.()
  }
}

function names(probes: ProbeOutcome[]): string {
  return probes.map((p) => p.name).join(', ')
}

/**
 * What an interrupted deploy did, said truthfully: probes that were ready when the signal came are
 * kept (and named, with the command that removes them); unfinished ones were rolled back, or kept in
 * the inventory when that failed or --keep-failed asked for it.
 */
export function deployInterrupted(result: DeployResult): InterruptedError {
  const kept = result.probes.filter((p) => p.status !== 'failed' && p.status !== 'planned')
  const rolledBack = result.probes.filter((p) => p.status === 'failed' && p.rolledBack)
  const left = result.probes.filter((p) => p.status === 'failed' && !p.rolledBack && p.nodeId)
  const parts = [
    kept.length > 0 ? `kept ${kept.length} ready probe(s): ${names(kept)} ("mc probe destroy --fleet ${result.fleet}" removes them)` : 'no probe was ready',
    ...(rolledBack.length > 0 ? [`rolled back ${rolledBack.length} unfinished probe(s): ${names(rolledBack)}`] : []),
    ...(left.length > 0 ? [`left ${left.length} unfinished probe(s) in the inventory with their nodes: ${names(left)} ("mc probe list" shows them)`] : []),
  ]
  return new InterruptedError(`Deploy interrupted; ${parts.join('; ')}.`, result)
}
