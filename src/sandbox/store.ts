import Database from 'better-sqlite3'
import {mkdirSync} from 'node:fs'
import {join} from 'node:path'

import type {SandboxCloud} from './types.js'

export type ResourceKind = 'node' | 'keypair' | 'secgroup' | 'token'

/**
 * The sandbox's state in one SQLite file, so nodes, keys and tokens survive a restart. Resources are
 * JSON documents keyed by (cloud, kind, id); `seq` keeps creation order, which is the listing order
 * and the pagination cursor of every emulated API.
 */
export class SandboxStore {
  private readonly db: Database.Database
  private readonly statements: ReturnType<SandboxStore['prepare']>

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, {recursive: true, mode: 0o700})
    this.db = new Database(join(dataDir, 'sandbox.db'))
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS resources (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        cloud TEXT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        region TEXT NOT NULL,
        data TEXT NOT NULL,
        UNIQUE (cloud, kind, id)
      );
      CREATE INDEX IF NOT EXISTS resources_listing ON resources (cloud, kind, region, seq);
    `)
    this.statements = this.prepare()
  }

  private prepare() {
    const {db} = this
    return {
      getMeta: db.prepare<[string], {value: string}>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      get: db.prepare<[string, string, string], {data: string; seq: number}>('SELECT data, seq FROM resources WHERE cloud = ? AND kind = ? AND id = ?'),
      insert: db.prepare<[string, string, string, string, string]>('INSERT INTO resources (cloud, kind, id, region, data) VALUES (?, ?, ?, ?, ?)'),
      update: db.prepare<[string, string, string, string, string]>('UPDATE resources SET region = ?, data = ? WHERE cloud = ? AND kind = ? AND id = ?'),
      remove: db.prepare<[string, string, string]>('DELETE FROM resources WHERE cloud = ? AND kind = ? AND id = ?'),
      listAll: db.prepare<[string, string], {data: string; seq: number}>('SELECT data, seq FROM resources WHERE cloud = ? AND kind = ? ORDER BY seq'),
      listRegion: db.prepare<[string, string, string], {data: string; seq: number}>('SELECT data, seq FROM resources WHERE cloud = ? AND kind = ? AND region = ? ORDER BY seq'),
      countWhere: db.prepare<[string, string], {n: number}>("SELECT count(*) AS n FROM resources WHERE cloud = ? AND kind = ? AND json_extract(data, '$.seeded') = 1"),
    }
  }

  getMeta(key: string): string | undefined {
    return this.statements.getMeta.get(key)?.value
  }

  setMeta(key: string, value: string): void {
    this.statements.setMeta.run(key, value)
  }

  /** A counter kept in meta (Linode ids, EC2 reservation numbers). */
  nextCounter(key: string, start: number): number {
    const current = Number(this.getMeta(key) ?? start - 1) + 1
    this.setMeta(key, String(current))
    return current
  }

  get<T>(cloud: SandboxCloud, kind: ResourceKind, id: string): T | undefined {
    const row = this.statements.get.get(cloud, kind, id)
    return row ? (JSON.parse(row.data) as T) : undefined
  }

  insert(cloud: SandboxCloud, kind: ResourceKind, id: string, region: string, value: unknown): void {
    this.statements.insert.run(cloud, kind, id, region, JSON.stringify(value))
  }

  update(cloud: SandboxCloud, kind: ResourceKind, id: string, region: string, value: unknown): void {
    this.statements.update.run(region, JSON.stringify(value), cloud, kind, id)
  }

  remove(cloud: SandboxCloud, kind: ResourceKind, id: string): boolean {
    return this.statements.remove.run(cloud, kind, id).changes > 0
  }

  /** Resources in creation order, with their seq; `region` undefined lists every region. */
  list<T>(cloud: SandboxCloud, kind: ResourceKind, region?: string): {value: T; seq: number}[] {
    return this.listRaw(cloud, kind, region).map((row) => ({value: JSON.parse(row.data) as T, seq: row.seq}))
  }

  /** The stored JSON text itself, for callers that cache what they parsed from it. */
  listRaw(cloud: SandboxCloud, kind: ResourceKind, region?: string): {data: string; seq: number}[] {
    return region === undefined ? this.statements.listAll.all(cloud, kind) : this.statements.listRegion.all(cloud, kind, region)
  }

  countSeeded(cloud: SandboxCloud): number {
    return this.statements.countWhere.get(cloud, 'node')?.n ?? 0
  }

  transaction(fn: () => void): void {
    this.db.transaction(fn)()
  }

  /** Forget every resource and counter; credentials (meta keys starting "credentials") stay. */
  reset(): void {
    this.db.exec("DELETE FROM resources; DELETE FROM meta WHERE key NOT LIKE 'credentials%'; DELETE FROM sqlite_sequence WHERE name = 'resources';")
  }

  close(): void {
    this.db.close()
  }
}
