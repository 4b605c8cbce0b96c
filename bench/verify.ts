import {fileURLToPath} from 'node:url'

import type {Bench} from './lib/context.js'
import type {Client} from './lib/measure.js'
import type {Cloud} from './lib/sandbox.js'

const LIBCLOUD_SCRIPT = fileURLToPath(new URL('peers/libcloud_list.py', import.meta.url))

/**
 * Output checks: a client that printed the wrong thing must not get a time. Each returns a note for
 * the report ('' when the client listed everything) and throws when the output is not a listing.
 */

export type Verify = NonNullable<Client['verify']>

/** Node ids each client listed last, for the same-nodes cross-check. */
export const listedIds = new Map<string, string[]>()

function counted(name: string | undefined, ids: string[], expected: number): string {
  if (name) listedIds.set(name, ids)
  return ids.length === expected ? '' : `listed ${ids.length} of ${expected}`
}

export function mcJsonNodes(expected: number, name?: string): Verify {
  return (stdout) => {
    const result = JSON.parse(stdout) as {nodes: {id: string}[]; errors: unknown[]}
    if (result.errors.length > 0) throw new Error(`mc reported errors: ${JSON.stringify(result.errors)}`)
    const note = counted(
      name,
      result.nodes.map((n) => n.id),
      expected,
    )
    if (note) throw new Error(`mc ${note}`)
    return note
  }
}

/** The default table: a header line and one line per node. */
export function tableRows(expected: number): Verify {
  return (stdout) => {
    const rows = stdout.trimEnd().split('\n').length - 1
    if (rows !== expected) throw new Error(`mc printed ${rows} table rows, expected ${expected}`)
    return ''
  }
}

export function countAwsInstances(expected: number, name?: string): Verify {
  return (stdout) => {
    const result = JSON.parse(stdout) as {Reservations: {Instances: {InstanceId: string}[]}[]}
    return counted(
      name,
      result.Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)),
      expected,
    )
  }
}

export function libcloudClient(bench: Bench, cloud: Cloud, config: Record<string, unknown>, expected: number): Client {
  const name = `libcloud ${cloud}`
  return {
    name,
    command: ['/usr/bin/python3', LIBCLOUD_SCRIPT, cloud, JSON.stringify(config)],
    cwd: bench.home,
    verify(stdout) {
      const nodes = JSON.parse(stdout) as {id: string}[]
      return counted(
        name,
        nodes.map((n) => n.id),
        expected,
      )
    },
  }
}
