import type Database from 'better-sqlite3'

import {storedResolution} from '../checks/parse.js'
import {worstState} from '../checks/thresholds.js'
import type {CheckResult, CheckState, Hop, Metric} from '../checks/types.js'
import {NotFoundError} from '../core/errors.js'
import {defaultDatabasePath, openDatabase} from './schema.js'

/**
 * Every check result mc ever ran, in mc.db: one row per run (`mc check run`), one per result. Results
 * can be added as they arrive (each batch one transaction), so a run cut short keeps what it measured.
 */

export interface RunRecord {
  id: number
  startedAt: string
  finishedAt?: string
  worstState?: CheckState
  resultCount: number
  /** Whatever the caller wants to find the run by later: flags, fleet, mc version. */
  meta: Record<string, unknown>
}

export interface SeriesQuery {
  vantage?: string
  target?: string
  check?: string
  /** ISO 8601 bounds on the time a check finished (inclusive). */
  since?: string
  until?: string
  /** Newest first; default 1000. */
  limit?: number
}

type RunRow = {id: number; started_at: string; finished_at: string | null; worst_state: CheckState | null; result_count: number; meta: string}

type ResultRow = {
  vantage: string
  target: string
  check_name: string
  kind: CheckResult['kind']
  state: CheckState
  summary: string
  metrics: string
  hops: string | null
  raw: string
  implementation: CheckResult['implementation']
  duration_ms: number
  error_code: string | null
  error_message: string | null
  at: string
}

function runFromRow(row: RunRow): RunRecord {
  return {
    id: row.id,
    startedAt: row.started_at,
    finishedAt: row.finished_at ?? undefined,
    worstState: row.worst_state ?? undefined,
    resultCount: row.result_count,
    meta: JSON.parse(row.meta) as Record<string, unknown>,
  }
}

function resultFromRow(row: ResultRow): CheckResult {
  const result: CheckResult = {
    vantage: row.vantage,
    target: row.target,
    check: row.check_name,
    kind: row.kind,
    state: row.state,
    summary: row.summary,
    metrics: JSON.parse(row.metrics) as Metric[],
    implementation: row.implementation,
    durationMs: row.duration_ms,
    raw: row.raw,
    at: row.at,
  }
  if (row.hops !== null) result.hops = JSON.parse(row.hops) as Hop[]
  if (row.error_code !== null) result.error = {code: row.error_code, message: row.error_message ?? ''}
  // A diagnosis's address (or resolver error) per vantage point is in its raw output.
  if (row.kind === 'ping' || row.kind === 'path') Object.assign(result, storedResolution(row.raw))
  return result
}

const RESULT_COLUMNS = 'vantage, target, check_name, kind, state, summary, metrics, hops, raw, implementation, duration_ms, error_code, error_message, at'

export class CheckHistory {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string = defaultDatabasePath()): CheckHistory {
    return new CheckHistory(openDatabase(path))
  }

  startRun(meta: Record<string, unknown> = {}, startedAt: Date = new Date()): number {
    const info = this.db.prepare('INSERT INTO runs (started_at, meta) VALUES (?, ?)').run(startedAt.toISOString(), JSON.stringify(meta))
    return Number(info.lastInsertRowid)
  }

  addResults(runId: number, results: CheckResult[]): void {
    const insert = this.db.prepare(`INSERT INTO results (run_id, ${RESULT_COLUMNS}) VALUES (${Array.from({length: 15}).fill('?').join(', ')})`)
    const addAll = this.db.transaction((batch: CheckResult[]) => {
      for (const r of batch) {
        insert.run(
          runId,
          r.vantage,
          r.target,
          r.check,
          r.kind,
          r.state,
          r.summary,
          JSON.stringify(r.metrics),
          r.hops ? JSON.stringify(r.hops) : null,
          r.raw,
          r.implementation,
          Math.round(r.durationMs),
          r.error?.code ?? null,
          r.error?.message ?? null,
          r.at,
        )
      }
    })
    try {
      addAll.immediate(results)
    } catch (error) {
      if ((error as {code?: string}).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new NotFoundError(`No check run ${runId} in the history.`)
      throw error
    }
  }

  /** Close a run: its worst state and result count come from what was stored. */
  finishRun(runId: number, finishedAt: Date = new Date()): RunRecord {
    const finish = this.db.transaction(() => {
      const states = (this.db.prepare('SELECT state FROM results WHERE run_id = ?').all(runId) as {state: CheckState}[]).map((r) => r.state)
      const info = this.db
        .prepare('UPDATE runs SET finished_at = ?, worst_state = ?, result_count = ? WHERE id = ?')
        .run(finishedAt.toISOString(), states.length > 0 ? worstState(states) : null, states.length, runId)
      if (info.changes === 0) throw new NotFoundError(`No check run ${runId} in the history.`)
    })
    finish.immediate()
    return this.run(runId)
  }

  run(runId: number): RunRecord {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(runId) as RunRow | undefined
    if (!row) throw new NotFoundError(`No check run ${runId} in the history.`)
    return runFromRow(row)
  }

  /** Newest first. */
  runs(limit = 20): RunRecord[] {
    return (this.db.prepare('SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as RunRow[]).map((r) => runFromRow(r))
  }

  /** A run's results in the order they were stored. */
  results(runId: number): CheckResult[] {
    return (this.db.prepare(`SELECT ${RESULT_COLUMNS} FROM results WHERE run_id = ? ORDER BY id`).all(runId) as ResultRow[]).map((r) => resultFromRow(r))
  }

  /** Results across runs, newest first: the history of a vantage, a target, a check or a pair. */
  series(query: SeriesQuery = {}): CheckResult[] {
    const where: string[] = []
    const params: unknown[] = []
    const add = (sql: string, value: unknown) => {
      if (value === undefined) return
      where.push(sql)
      params.push(value)
    }
    add('vantage = ?', query.vantage)
    add('target = ?', query.target)
    add('check_name = ?', query.check)
    add('at >= ?', query.since)
    add('at <= ?', query.until)
    const sql = `SELECT ${RESULT_COLUMNS} FROM results ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT ?`
    return (this.db.prepare(sql).all(...params, query.limit ?? 1000) as ResultRow[]).map((r) => resultFromRow(r))
  }

  /** Delete runs (and their results) started before `before`; returns how many runs went. */
  prune(before: Date): number {
    return this.db.prepare('DELETE FROM runs WHERE started_at < ?').run(before.toISOString()).changes
  }

  close(): void {
    this.db.close()
  }
}
