import {describe, expect, it} from 'vitest'

import {runChecks} from '../../src/checks/run.js'
import type {CheckDefinition} from '../../src/checks/types.js'
import type {ExecResult, Executor} from '../../src/checks/executor.js'

/** An executor that records which command started when, and answers like a vantage without tools. */
class RecordingExecutor implements Executor {
  readonly started: string[] = []
  constructor(readonly vantage: string) {}

  async exec(command: string): Promise<ExecResult> {
    const kind = /mc-impl:(check_ping|check_tcp|check_http|mtr)/.exec(command)?.[1] ?? 'other'
    this.started.push(kind)
    return {stdout: 'mc-impl:none\nmc-missing: tools\n', stderr: '', exitCode: 3, timedOut: false, durationMs: 1}
  }

  async close(): Promise<void> {}
}

describe('runChecks order', () => {
  it('starts the checks that last by design (ping, path) first and returns results in definition order', async () => {
    const definitions: CheckDefinition[] = [
      {kind: 'tcp', target: '192.0.2.1', port: 22},
      {kind: 'ping', target: '192.0.2.1'},
      {kind: 'http', target: '192.0.2.2', port: 80},
      {kind: 'path', target: '192.0.2.2'},
      {kind: 'tcp', target: '192.0.2.2', port: 443},
    ]
    const executors = [new RecordingExecutor('a'), new RecordingExecutor('b')]
    const results = await runChecks(executors, definitions)
    for (const e of executors) expect(e.started).toEqual(['check_ping', 'mtr', 'check_tcp', 'check_http', 'check_tcp'])
    expect(results.map((r) => `${r.vantage} ${r.target} ${r.check}`)).toEqual(
      ['a', 'b'].flatMap((v) => [`${v} 192.0.2.1 tcp:22`, `${v} 192.0.2.1 ping`, `${v} 192.0.2.2 http:80`, `${v} 192.0.2.2 path`, `${v} 192.0.2.2 tcp:443`]),
    )
  })
})
