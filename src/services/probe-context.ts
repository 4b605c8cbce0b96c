import type {ProviderName} from '../core/model.js'
import {Inventory} from '../store/inventory.js'
import {mcPaths} from '../store/paths.js'
import {type DriverRequest, openDriver} from './drivers.js'
import type {OpenDriver} from './probe-fleet.js'

/** What every probe use case needs: the inventory, mc's data dir, and drivers per provider and region. */
export type ProbeContext = {
  inventory: Inventory
  dataDir: string
  openDriver: OpenDriver
  /** Drivers not bound to the request's abort signal: after Ctrl-C, rollback must still reach the cloud. */
  openCleanupDriver: OpenDriver
  close(): void
}

export function openProbeContext(request: DriverRequest): ProbeContext {
  const {dataDir} = mcPaths()
  const inventory = Inventory.open(dataDir)
  return {
    inventory,
    dataDir,
    openDriver: (provider: ProviderName, region: string) => openDriver(provider, {...request, region}),
    openCleanupDriver: (provider: ProviderName, region: string) => openDriver(provider, {...request, region, signal: undefined}),
    close: () => inventory.close(),
  }
}
