import {ValidationError} from '../core/errors.js'
import {NODE_STATES, type Node, type NodeFilter, type NodeState} from '../core/model.js'

export function parseStates(values: string[] | undefined): NodeState[] | undefined {
  if (!values || values.length === 0) return undefined
  const states = values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase())
  for (const state of states) {
    if (!(NODE_STATES as readonly string[]).includes(state)) {
      throw new ValidationError(`Unknown state "${state}". States: ${NODE_STATES.join(', ')}.`)
    }
  }
  return states as NodeState[]
}

export function parseTags(values: string[] | undefined): Record<string, string> | undefined {
  if (!values || values.length === 0) return undefined
  const tags: Record<string, string> = {}
  for (const value of values) {
    const eq = value.indexOf('=')
    if (eq <= 0) throw new ValidationError(`--tag "${value}" must look like key=value.`)
    tags[value.slice(0, eq)] = value.slice(eq + 1)
  }
  return tags
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`).replaceAll('*', '.*')
  return new RegExp(`^${escaped}$`)
}

/** The same filter semantics for every provider, whatever a driver could push to its API. */
export function matchesFilter(node: Node, filter: NodeFilter): boolean {
  if (filter.states && !filter.states.includes(node.state)) return false
  if (filter.tags) {
    for (const [key, value] of Object.entries(filter.tags)) if (node.tags[key] !== value) return false
  }
  if (filter.name && !globToRegExp(filter.name).test(node.name)) return false
  return true
}
