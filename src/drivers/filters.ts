import type {Node, NodeFilter} from '../core/model.js'

/** An exact name, or a glob with `*`, as NodeFilter.name and ImageFilter.name take. */
export function nameMatches(name: string, pattern: string): boolean {
  return new RegExp(`^${pattern.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`).replaceAll('*', '.*')}$`).test(name)
}

/**
 * A node filter applied client-side, for the drivers that filter the listing they read (Linode, DigitalOcean, OpenStack and Rackspace).
 * Linode filters server-side only through the X-Filter header, which its own OpenAPI spec describes in
 * a way no validator accepts (a JSON object in a header); so the driver filters here.
 */
export function matchesNodeFilter(node: Node, filter: NodeFilter | undefined): boolean {
  if (!filter) return true
  if (filter.states && !filter.states.includes(node.state)) return false
  for (const [key, value] of Object.entries(filter.tags ?? {})) if (!Object.hasOwn(node.tags, key) || node.tags[key] !== value) return false
  return !filter.name || nameMatches(node.name, filter.name)
}
