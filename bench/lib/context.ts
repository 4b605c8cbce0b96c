import {join} from 'node:path'

import type {Client} from './measure.js'

/** Paths and settings every section shares. */
export interface Bench {
  /** The mc package being measured (its bin/run.js, dist/ and manifest). */
  root: string
  /** The Node.js binary that runs mc and the bare-node baseline. */
  node: string
  /** A temp dir for this invocation; HOME of every measured process. */
  home: string
  /** MC_HOME of every measured mc process. */
  mcHome: string
  /** Environment of every measured process (plus each client's own). */
  env: NodeJS.ProcessEnv
  log(line: string): void
}

export function mcClient(bench: Bench, name: string, args: string[], options: Pick<Client, 'env' | 'verify'> = {}): Client {
  return {name, command: [bench.node, join(bench.root, 'bin', 'run.js'), ...args], cwd: bench.home, ...options}
}

export function benchEnv(home: string, mcHome: string): NodeJS.ProcessEnv {
  return {PATH: process.env.PATH, HOME: home, MC_HOME: mcHome, LANG: 'C.UTF-8', TZ: 'UTC'}
}
