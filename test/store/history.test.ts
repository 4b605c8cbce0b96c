import {execFile} from 'node:child_process'
import {existsSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'

import Database from 'better-sqlite3'
import {afterAll, describe, expect, it} from 'vitest'

import type {CheckResult} from '../../src/checks/types.js'
import {ConfigError, NotFoundError} from '../../src/core/errors.js'
import {CheckHistory} from '../../src/store/history.js'
import {defaultDatabasePath, migrate, MIGRATIONS, openDatabase, SCHEMA_VERSION} from '../../src/store/schema.js'

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), 'mc-history-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))
let n = 0
const freshPath = () => join(dir, `db-${n++}`, 'mc.db')

function result(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    vantage: 'probe-a',
    target: '10.0.0.1',
    check: 'ping',
    kind: 'ping',
    state: 'OK',
    summary: 'PING OK - Packet loss = 0%, RTA = 0.05 ms',
    metrics: [
      {name: 'rta', value: 0.048, unit: 'ms', warn: '200.000000', crit: '500.000000', min: 0},
      {name: 'pl', value: 0, unit: '%', warn: '20', crit: '60', min: 0},
    ],
    implementation: 'check_ping',
    durationMs: 2004,
    raw: 'PING OK - Packet loss = 0%, RTA = 0.05 ms|rta=0.048000ms;200.000000;500.000000;0.000000 pl=0%;20;60;0;\n',
    at: '2026-11-26T12:00:00.000Z',
    ...overrides,
  }
}

describe('schema', () => {
  it('mc.db in the data dir, WAL, a busy timeout, foreign keys, user_version at the latest migration', () => {
    expect(defaultDatabasePath({MC_HOME: '/x'})).toBe('/x/data/mc.db')
    const path = freshPath()
    const db = openDatabase(path)
    try {
      expect(existsSync(path)).toBe(true)
      expect(db.pragma('journal_mode', {simple: true})).toBe('wal')
      expect(db.pragma('busy_timeout', {simple: true})).toBe(10_000)
      expect(db.pragma('foreign_keys', {simple: true})).toBe(1)
      expect(db.pragma('user_version', {simple: true})).toBe(SCHEMA_VERSION)
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {name: string}[]).map((t) => t.name)
      expect(tables).toEqual(['results', 'runs'])
    } finally {
      db.close()
    }
    openDatabase(path).close() // reopening migrates nothing twice
  })

  it('another module extends it by appending a migration; only the new one runs', () => {
    const path = freshPath()
    openDatabase(path).close()
    const db = new Database(path)
    try {
      const next = [...MIGRATIONS, {version: SCHEMA_VERSION + 1, description: 'probes', sql: 'CREATE TABLE probes (name TEXT PRIMARY KEY)'}]
      migrate(db, path, next)
      migrate(db, path, next)
      expect(db.pragma('user_version', {simple: true})).toBe(SCHEMA_VERSION + 1)
      expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'probes'").get()).toEqual({n: 1})
    } finally {
      db.close()
    }
    // This mc does not know version 2: it refuses the file instead of writing into it.
    const error = (() => {
      try {
        openDatabase(path)
      } catch (error_) {
        return error_
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as Error).message).toContain(`schema version ${SCHEMA_VERSION + 1}, newer than this mc understands (${SCHEMA_VERSION})`)
  })
})

describe('CheckHistory', () => {
  it('stores a run and gives every result back as it was, hops and errors included', () => {
    const history = CheckHistory.open(freshPath())
    try {
      const results = [
        result(),
        result({
          check: 'path',
          kind: 'path',
          implementation: 'mtr',
          state: 'WARNING',
          hops: [{hop: 1, host: '???', lossPct: 100, sent: 10, lastMs: 0, avgMs: 0, bestMs: 0, worstMs: 0, stdevMs: 0}],
        }),
        result({vantage: 'probe-b', state: 'UNKNOWN', metrics: [{name: 'rta', value: null, unit: ''}], error: {code: 'TIMEOUT', message: 'did not finish within 15s'}, raw: ''}),
      ]
      const runId = history.startRun({fleet: 'edge', argv: ['check', 'run']}, new Date('2026-11-26T11:59:58Z'))
      history.addResults(runId, results.slice(0, 2))
      history.addResults(runId, results.slice(2))
      const record = history.finishRun(runId, new Date('2026-11-26T12:00:03Z'))
      expect(record).toEqual({
        id: runId,
        startedAt: '2026-11-26T11:59:58.000Z',
        finishedAt: '2026-11-26T12:00:03.000Z',
        worstState: 'WARNING',
        resultCount: 3,
        meta: {fleet: 'edge', argv: ['check', 'run']},
      })
      expect(history.results(runId)).toEqual(results)
    } finally {
      history.close()
    }
  })

  it('a batch is one transaction: one bad row stores none of it', () => {
    const history = CheckHistory.open(freshPath())
    try {
      const runId = history.startRun()
      expect(() => history.addResults(runId, [result(), result({state: 'BROKEN' as CheckResult['state']})])).toThrow(/CHECK constraint/)
      expect(history.results(runId)).toEqual([])
      expect(() => history.addResults(9999, [result()])).toThrow(NotFoundError)
      expect(() => history.finishRun(9999)).toThrow(NotFoundError)
    } finally {
      history.close()
    }
  })

  it('lists runs newest first, queries series across runs, and prunes old runs with their results', () => {
    const history = CheckHistory.open(freshPath())
    try {
      const days = ['2026-11-20', '2026-11-22', '2026-11-24']
      const ids = days.map((day, i) => {
        const id = history.startRun({i}, new Date(`${day}T10:00:00Z`))
        history.addResults(id, [
          result({at: `${day}T10:00:01.000Z`, state: i === 1 ? 'CRITICAL' : 'OK'}),
          result({at: `${day}T10:00:02.000Z`, vantage: 'probe-b'}),
          result({at: `${day}T10:00:03.000Z`, check: 'tcp:22', kind: 'tcp'}),
        ])
        history.finishRun(id)
        return id
      })
      expect(history.runs().map((r) => r.id)).toEqual([...ids].reverse())
      expect(history.runs(1).map((r) => r.worstState)).toEqual(['OK'])
      const pair = history.series({vantage: 'probe-a', target: '10.0.0.1', check: 'ping'})
      expect(pair.map((r) => [r.at.slice(0, 10), r.state])).toEqual([
        ['2026-11-24', 'OK'],
        ['2026-11-22', 'CRITICAL'],
        ['2026-11-20', 'OK'],
      ])
      expect(history.series({vantage: 'probe-b', since: '2026-11-21T00:00:00Z'})).toHaveLength(2)
      expect(history.series({until: '2026-11-20T23:59:59Z'})).toHaveLength(3)
      expect(history.series({limit: 4})).toHaveLength(4)
      expect(history.prune(new Date('2026-11-23T00:00:00Z'))).toBe(2)
      expect(history.runs().map((r) => r.id)).toEqual([ids[2]])
      expect(history.series()).toHaveLength(3)
      expect(() => history.run(ids[0])).toThrow(NotFoundError)
    } finally {
      history.close()
    }
  })

  it('two processes writing at once both land every row (WAL + busy_timeout)', async () => {
    const path = freshPath()
    CheckHistory.open(path).close()
    const writer = (label: string) => `
      import {CheckHistory} from ${JSON.stringify(join(process.cwd(), 'src/store/history.ts'))}
      const history = CheckHistory.open(${JSON.stringify(path)})
      const id = history.startRun({writer: '${label}'})
      for (let batch = 0; batch < 40; batch++) {
        history.addResults(id, Array.from({length: 10}, (_, i) => ({
          vantage: '${label}', target: 't' + i, check: 'ping', kind: 'ping', state: 'OK', summary: 'ok', metrics: [],
          implementation: 'ping', durationMs: 1, raw: '', at: new Date().toISOString(),
        })))
      }
      history.finishRun(id)
      history.close()
    `
    const spawnWriter = (label: string) => run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', writer(label)], {cwd: process.cwd()})
    await Promise.all([spawnWriter('one'), spawnWriter('two'), spawnWriter('three')])
    const history = CheckHistory.open(path)
    try {
      expect(history.runs().map((r) => r.resultCount)).toEqual([400, 400, 400])
      expect(history.series({vantage: 'two', limit: 10_000})).toHaveLength(400)
    } finally {
      history.close()
    }
  })
})
