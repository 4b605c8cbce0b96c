import {Flags} from '@oclif/core'

import {McCommand} from '../../cli/mc-command.js'
import {AllFailedError, InterruptedError, PartialFailureError, ValidationError} from '../../core/errors.js'
import type {Column} from '../../output/columns.js'
import {costText, priceCell} from '../../output/cost.js'
import {canPrompt} from '../../output/confirm.js'
import {chooseSites} from '../../cli/probe-prompts.js'
import {openProbeContext} from '../../services/probe-context.js'
import {type DeployResult, deployFleet, deployInterrupted, type ProbeOutcome} from '../../services/probe-deploy.js'
import {parseSite, type ProbeSite, readFleetFile, validateFleetName} from '../../services/probe-plan.js'
import {openProbePool} from '../../services/probe-session.js'

const columns: Column<ProbeOutcome>[] = [
  {header: 'probe', value: (p) => p.name},
  {header: 'status', value: (p) => p.status},
  {header: 'provider', value: (p) => p.provider},
  {header: 'region', value: (p) => p.region},
  {header: 'size', value: (p) => p.size},
  {header: 'node', value: (p) => p.nodeId},
  {header: 'ssh', value: (p) => (p.host ? `${p.host}:${p.port}` : '')},
  {header: 'usd/hour', value: (p) => priceCell(p.priceHourly)},
  {header: 'note', value: (p) => p.error?.message ?? (p.missingTools?.length ? `missing: ${p.missingTools.join(', ')}` : '')},
]

export default class ProbeDeploy extends McCommand<typeof ProbeDeploy> {
  static override summary = 'Deploy monitoring probes across clouds and regions, ready to run checks.'
  static override description = `For each place: the cheapest size with 1 vCPU and 512 MB, a current Debian or Ubuntu LTS image, mc's own ed25519 key, SSH and ICMP let in, tags mc-fleet=<fleet> and mc-probe=<name>; then wait for SSH, record the host key (trust on first use), install monitoring-plugins and mtr, and self-check.
Deploying the same fleet again reuses healthy probes and replaces broken ones. A failed probe's node is destroyed again unless --keep-failed; Ctrl-C rolls back the probes not ready yet, keeps the ready ones, says which, and exits 130; every node id is in the inventory from the moment the cloud returns it.
Without --at or --fleet-file, mc asks on a terminal; in CI or without a terminal it fails and names the flags.`
  static override examples = [
    '<%= config.bin %> probe deploy --fleet edge --at ec2:us-east-1 --at rackspace:ORD --at linode:us-west',
    '<%= config.bin %> probe deploy --fleet-file fleet.yaml --dry-run',
    '<%= config.bin %> probe deploy --profile sandbox --fleet demo --at ec2:us-east-1 --at linode:us-east --json',
  ]
  static override flags = {
    fleet: Flags.string({summary: 'Fleet name (tags every probe; default: the fleet file\'s, else "default").'}),
    at: Flags.string({summary: 'Where to put a probe, as provider:region (repeatable).', multiple: true}),
    'fleet-file': Flags.file({char: 'f', summary: 'YAML fleet file: fleet: NAME, probes: [{at: provider:region, size?, image?}].', exists: true}),
    'dry-run': Flags.boolean({summary: 'Print the plan and its hourly cost; create nothing.'}),
    'keep-failed': Flags.boolean({summary: 'Keep the nodes of failed probes for inspection instead of destroying them.'}),
    'wait-timeout': Flags.integer({summary: 'Seconds to wait for each node to run and answer SSH.', default: 600, min: 1}),
  }

  public async run(): Promise<DeployResult> {
    const {sites, fleet} = await this.resolveSites()
    let interrupted: AbortSignal | undefined
    const result = await this.interruptible(
      () => new InterruptedError('Deploy interrupted.'),
      (signal) => {
        interrupted = signal
        return this.deploy(fleet, sites, signal)
      },
      (again) => {
        // A second Ctrl-C means now: every node created so far is already in the inventory.
        // eslint-disable-next-line n/no-process-exit, unicorn/no-process-exit
        if (again) process.exit(130)
        this.logToStderr('Interrupted: rolling back probes that are not ready yet; ready ones are kept (Ctrl-C again to quit at once; the inventory keeps every node).')
      },
    )
    // A signal after the last probe finished (while connections closed) still ends with 130.
    if (interrupted?.aborted) throw deployInterrupted(result)
    return result
  }

  private async deploy(fleet: string, sites: ProbeSite[], signal: AbortSignal): Promise<DeployResult> {
    const context = openProbeContext({...this.driverRequest(), signal})
    const pool = openProbePool({dataDir: context.dataDir, log: this.debugLogger, hostKeyPolicy: 'accept-new', mcKeyComing: true})
    try {
      const result = await this.withProgress((progress) =>
        deployFleet(
          {fleet, sites, dryRun: this.flags['dry-run'], keepFailed: this.flags['keep-failed'], waitTimeoutMs: this.flags['wait-timeout'] * 1000},
          {
            inventory: context.inventory,
            pool,
            dataDir: context.dataDir,
            log: this.debugLogger,
            driver: context.openDriver,
            cleanupDriver: context.openCleanupDriver,
            signal,
            onStep: (probe, step, detail) => progress.step(`[${probe}] ${step}${detail ? `: ${detail}` : ''}`),
          },
        ),
      )
      this.printRows(result.probes, columns)
      this.print(`${this.flags['dry-run'] ? 'estimated' : 'fleet'} cost: ${costText(result.hourlyCost, result.unpricedProbes)}`)
      if (signal.aborted) throw deployInterrupted(result)
      const failures = result.probes.filter((p) => p.status === 'failed').map((p) => p.error!)
      if (failures.length === result.probes.length) throw new AllFailedError(failures)
      if (failures.length > 0) throw new PartialFailureError(failures, result)
      return result
    } finally {
      await pool.close()
      context.close()
    }
  }

  private async resolveSites(): Promise<{fleet: string; sites: ProbeSite[]}> {
    const file = this.flags['fleet-file'] ? readFleetFile(this.flags['fleet-file']) : undefined
    const fleet = validateFleetName(this.flags.fleet ?? file?.fleet ?? 'default')
    const sites = [...(file?.sites ?? []), ...(this.flags.at ?? []).map((at) => parseSite(at))]
    if (sites.length > 0) return {fleet, sites}
    if (!canPrompt()) {
      throw new ValidationError('Nothing to deploy: pass --at provider:region (repeatable) or --fleet-file FILE. (No prompt without a terminal or with CI set.)')
    }

    return {fleet, sites: await chooseSites(await this.selectedProviders(), this.driverRequest())}
  }
}
