import type {RegionsListed} from '../services/catalog.js'

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
