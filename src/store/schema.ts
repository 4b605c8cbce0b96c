import {mkdirSync} from 'node:fs'
import {dirname, join} from 'node:path'

import Database from 'better-sqlite3'

import {ConfigError} from '../core/errors.js'
import {mcPaths} from './paths.js'

/**
 * mc.db, the SQLite file in mc's data dir, and every table in it. One ordered list of migrations,
 * numbered by PRAGMA user_version: to add tables (or move another store in), append a migration with
 * the next version; never edit one that has shipped.
 */

export const DB_FILE = 'mc.db'

export interface Migration {
  version: number
  description: string
  sql: string
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    description: 'check history: runs and their results',
    sql: `
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        worst_state TEXT CHECK (worst_state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        result_count INTEGER NOT NULL DEFAULT 0,
        meta TEXT NOT NULL DEFAULT '{}'
      );
      CREATE TABLE results (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        vantage TEXT NOT NULL,
        target TEXT NOT NULL,
        check_name TEXT NOT NULL,
        kind TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
        summary TEXT NOT NULL,
        metrics TEXT NOT NULL,
        hops TEXT,
        raw TEXT NOT NULL,
        implementation TEXT NOT NULL,
        duration_ms INTEGER NOT NULL,
        error_code TEXT,
        error_message TEXT,
        at TEXT NOT NULL
      );
      CREATE INDEX results_run ON results (run_id);
      CREATE INDEX results_series ON results (vantage, target, check_name, at);
      CREATE INDEX runs_started ON runs (started_at);
    `,
  },
]

export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version

export function defaultDatabasePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(mcPaths(env).dataDir, DB_FILE)
}

/**
 * Open (creating it if needed) and migrate. WAL lets readers run beside a writer; busy_timeout makes a
 * second mc process wait for the lock instead of failing with SQLITE_BUSY.
 */
export function openDatabase(path: string = defaultDatabasePath()): Database.Database {
  mkdirSync(dirname(path), {recursive: true, mode: 0o700})
  const db = new Database(path, {timeout: 10_000})
  try {
    db.pragma('journal_mode = WAL')
    db.pragma('busy_timeout = 10000')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    migrate(db, path)
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** Apply the migrations newer than the file's user_version, each in its own immediate transaction. */
export function migrate(db: Database.Database, path = db.name, migrations: Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0
  const current = db.pragma('user_version', {simple: true}) as number
  if (current > latest) {
    throw new ConfigError(`${path} has schema version ${current}, newer than this mc understands (${latest}). Upgrade mc, or point it at another data dir with MC_HOME.`)
  }
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      // Re-read inside the lock: another process may have migrated while this one waited.
      if ((db.pragma('user_version', {simple: true}) as number) >= migration.version) return
      db.exec(migration.sql)
      db.pragma(`user_version = ${migration.version}`)
    })
    if (migration.version > current) apply.immediate()
  }
}
