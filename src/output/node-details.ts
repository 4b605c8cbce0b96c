import type {Node} from '../core/model.js'

/** A node as aligned "key: value" lines, provider extras flattened with dotted names. */
export function nodeDetails(node: Node): string {
  const rows: [string, string][] = [
    ['id', node.id],
    ['name', node.name],
    ['provider', node.provider],
    ['region', node.region],
    ['state', `${node.state} (${node.providerState})`],
    ['public ips', node.publicIps.join(' ')],
    ['private ips', node.privateIps.join(' ')],
    ['size', node.size],
    ['image', node.image],
    ['created', node.createdAt ?? ''],
    ...Object.entries(node.tags).map(([k, v]): [string, string] => [`tag ${k}`, v]),
    ...flatten(node.extra as Record<string, unknown>, 'extra'),
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n')
}

function flatten(value: Record<string, unknown>, prefix: string): [string, string][] {
  return Object.entries(value).flatMap(([key, v]): [string, string][] => {
    const name = `${prefix}.${key}`
    if (v && typeof v === 'object' && !Array.isArray(v)) return flatten(v as Record<string, unknown>, name)
    return v === undefined ? [] : [[name, Array.isArray(v) ? v.join(' ') : String(v)]]
  })
}
