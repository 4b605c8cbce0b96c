import type {ProviderName} from '../core/model.js'

/**
 * Which regions one provider's listing covered: `region` one region (others exist when `allRegions`
 * says so), `all` every region of the account (`--region all`), `global` a listing with no regions
 * to choose (Linode).
 */
export interface RegionsListed {
  provider: ProviderName
  scope: 'region' | 'all' | 'global'
  regions: string[]
  /** Listed in one region of several: `--region all` would list the others. */
  otherRegions: boolean
}

/**
 * The line under a listing that says where each provider looked, so a node in another region is
 * never silently missing: `regions: ec2 us-east-1; rackspace DFW, IAD, ORD (all); linode all (global)`,
 * then a hint naming the providers listed in one region only.
 */
export function regionsFooter(listed: RegionsListed[]): string | undefined {
  if (listed.length === 0) return undefined
  const part = (r: RegionsListed) => {
    if (r.scope === 'global') return `${r.provider} all (global)`
    if (r.scope === 'all') return `${r.provider} ${r.regions.join(', ') || '(none)'} (all)`
    return `${r.provider} ${r.regions.join(', ') || '(default)'}`
  }
  const single = listed.filter((r) => r.otherRegions).map((r) => r.provider)
  const hint = single.length > 0 ? `\n--region all lists every region of ${single.join(', ')}.` : ''
  return `regions: ${listed.map((r) => part(r)).join('; ')}${hint}`
}
