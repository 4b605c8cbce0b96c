import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ValidationError} from '../../src/core/errors.js'
import {readChecksFile} from '../../src/services/check-spec.js'
import {readFleetFile} from '../../src/services/probe-plan.js'
import {mc} from '../helpers/run.js'
import {killStrayChildren, mc as mcChild, openTestCloud, type TestCloud} from '../probes/helpers.js'

/** Issue 20 item 13: checks and fleet files are validated, and errors name the file and the field. */

const dir = mkdtempSync(join(tmpdir(), 'mc-file-schema-'))
let seq = 0
function file(text: string): string {
  const path = join(dir, `${seq++}.yaml`)
  writeFileSync(path, text)
  return path
}

function fieldOf(run: () => unknown): string | undefined {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError)
    return (error as ValidationError).fields[0]?.field
  }

  throw new Error('expected a ValidationError')
}

const read = (text: string) => () => readChecksFile(file(text), {})
const readFleet = (text: string) => () => readFleetFile(file(text))

describe('checks files', () => {
  it('names the bad field', () => {
    expect(fieldOf(read('targets: [{target: a.example, checks: "tcp:22"}]'))).toBe('targets[0].checks')
    expect(fieldOf(read('targets: [{target: a.example, chekcs: [tcp:22]}]'))).toBe('targets[0].chekcs')
    expect(fieldOf(read('targets: [{target: a.example, checks: [{tcp: 22}]}]'))).toBe('targets[0].checks[0]')
    expect(fieldOf(read('targets: [{target: a.example, warning: {a: 1}}]'))).toBe('targets[0].warning')
    expect(fieldOf(read('targets: [{target: a.example, checks: [tcp]}]'))).toBe('targets[0].checks[0]')
    expect(fieldOf(read('targets: [{target: a.example, count: many}]'))).toBe('targets[0].count')
    expect(fieldOf(read('targets: ["a.example"]'))).toBe('targets[0]')
    expect(fieldOf(read('targets: [{checks: [ping]}]'))).toBe('targets[0].target')
    expect(fieldOf(read('target: [{target: a.example}]'))).toBe('target')
    expect(fieldOf(read('defaults: {count: 0}\ntargets: [{target: a.example}]'))).toBe('defaults.count')
    expect(fieldOf(read('from: {all: 1}\ntargets: [{target: a.example}]'))).toBe('from')
  })

  it('says which file and field in the message', () => {
    const path = file('targets: [{target: a.example, checks: "tcp:22"}]')
    expect(() => readChecksFile(path, {})).toThrow(`Checks file ${path}: targets[0].checks must be a list, e.g. [ping, "tcp:22"], not the string "tcp:22".`)
  })

  it('still reads a good file', () => {
    const {definitions, from} = readChecksFile(file('from: local\ndefaults: {count: 3}\ntargets: [{target: a.example, checks: [ping, "tcp:22"], warning: "100,10%"}]'), {})
    expect(from).toEqual(['local'])
    expect(definitions).toEqual([
      {target: 'a.example', kind: 'ping', port: undefined, count: 3, warning: '100,10%'},
      {target: 'a.example', kind: 'tcp', port: 22},
    ])
  })

  it('mc check run -f with a bad file exits 2 and runs nothing', async () => {
    const path = file('targets: [{target: 127.0.0.1, checks: "tcp:22"}]')
    const {exitCode, stderr, stdout} = await mc(['check', 'run', '-f', path, '--from', 'local'])
    expect(exitCode).toBe(2)
    expect(stderr).toContain(`${path}: targets[0].checks must be a list`)
    expect(stdout).toBe('')
  })
})

describe('fleet files', () => {
  it('names the bad field', () => {
    expect(fieldOf(readFleet('fleet: edge\nprobs: [{at: "linode:us-west"}]'))).toBe('probs')
    expect(fieldOf(readFleet('probes: [{at: "linode:us-west", sise: g6-nanode-1}]'))).toBe('probes[0].sise')
    expect(fieldOf(readFleet('probes: [{at: {linode: us-west}}]'))).toBe('probes[0].at')
    expect(fieldOf(readFleet('probes: ["linode"]'))).toBe('probes[0].at')
    expect(fieldOf(readFleet('probes: [{at: "linode:us-west", size: 5}]'))).toBe('probes[0].size')
    expect(fieldOf(readFleet('fleet: {a: 1}\nprobes: ["linode:us-west"]'))).toBe('fleet')
    expect(fieldOf(readFleet('- linode:us-west'))).toBe('')
  })

  it('still reads a good file', () => {
    expect(readFleetFile(file('fleet: edge\nprobes: ["linode:us-west", {at: "ec2:us-east-1", size: t3.micro}]'))).toEqual({
      fleet: 'edge',
      sites: [
        {provider: 'linode', region: 'us-west', size: undefined, image: undefined},
        {provider: 'ec2', region: 'us-east-1', size: 't3.micro', image: undefined},
      ],
    })
  })
})

describe('probe deploy --dry-run', () => {
  let cloud: TestCloud
  beforeAll(async () => {
    cloud = await openTestCloud(0)
  })
  afterAll(async () => {
    killStrayChildren()
    await cloud?.close()
    rmSync(dir, {recursive: true, force: true})
  })

  it('refuses a region the cloud does not have (exit 2) and plans one it has', async () => {
    const nowhere = await mcChild(['probe', 'deploy', '--fleet', 't', '--at', 'linode:nowhere', '--dry-run'], cloud.env)
    expect(nowhere.code).toBe(2)
    expect(nowhere.stderr).toContain('linode has no region "nowhere"')
    const fine = await mcChild(['probe', 'deploy', '--fleet', 't', '--at', 'linode:us-west', '--dry-run', '--json'], cloud.env)
    expect(fine.code, fine.stderr).toBe(0)
    expect(fine.json<{probes: {status: string}[]}>().probes.map((p) => p.status)).toEqual(['planned'])
  })
})
