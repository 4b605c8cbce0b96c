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
  return openSqlite(path, (db) => {
    db.pragma('journal_mode = WAL')
    db.pragma('busy_timeout = 10000')
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    migrate(db, path)
  })
}

const SQLITE_REASONS: Record<string, string> = {
  SQLITE_NOTADB: 'is not an SQLite database',
  SQLITE_CORRUPT: 'is damaged',
  SQLITE_READONLY: 'cannot be written (read-only file or directory)',
  SQLITE_CANTOPEN: 'cannot be opened (check it and its directory)',
  SQLITE_PERM: 'cannot be opened: permission denied',
  SQLITE_IOERR: 'cannot be read or written (I/O error)',
  SQLITE_FULL: 'cannot grow: the disk is full',
}

/**
 * Open an mc SQLite file and run `setup` on it. A file that is damaged, not a database, read-only or
 * unreadable is a ConfigError (exit 9) naming it, instead of SQLite's bare "file is not a database".
 */
export function openSqlite(path: string, setup: (db: Database.Database) => void): Database.Database {
  let db: Database.Database | undefined
  try {
    mkdirSync(dirname(path), {recursive: true, mode: 0o700})
    db = new Database(path, {timeout: 10_000})
    setup(db)
    return db
  } catch (error) {
    db?.close()
    const code = String((error as {code?: string}).code ?? '')
    const reason =
      SQLITE_REASONS[code.replace(/^(SQLITE_[A-Z]+).*$/, '$1')] ?? (code === 'EACCES' || code === 'EROFS' ? 'cannot be created: its directory is not writable' : undefined)
    if (reason) throw new ConfigError(`mc database ${path} ${reason} (${code}). Fix its permissions, or move it aside and mc starts a new one.`)
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
