import type Database from 'better-sqlite3'
import {join} from 'node:path'

import {NotFoundError} from '../core/errors.js'
import {openSqlite} from './schema.js'

/**
 * The probe inventory: one SQLite file in mc's data dir. WAL mode and a busy timeout let a deploy
 * and a list (or two deploys) run at once; every write is one short transaction, so a killed
 * process leaves either the old row or the new one.
 */

export const PROBE_STATES = ['requested', 'created', 'bootstrapping', 'ready', 'broken', 'destroying'] as const
export type ProbeState = (typeof PROBE_STATES)[number]

export type Probe = {
  name: string
  /** 'cloud' probes were deployed by mc; 'adopted' ones are existing hosts added with `mc probe add`. */
  kind: 'adopted' | 'cloud'
  fleet?: string
  provider?: string
  region?: string
  /** Null between the create request and the cloud's answer (state 'requested'). */
  nodeId?: string
  clientToken?: string
  host?: string
  port: number
  user: string
  keyPath?: string
  size?: string
  image?: string
  priceHourly?: number
  state: ProbeState
  labels: Record<string, string>
  detail?: string
  deployRun?: string
  createdAt: string
  updatedAt: string
}

type Row = {
  client_token: null | string
  created_at: string
  deploy_run: null | string
  detail: null | string
  fleet: null | string
  host: null | string
  image: null | string
  key_path: null | string
  kind: 'adopted' | 'cloud'
  labels: string
  name: string
  node_id: null | string
  port: number
  price_hourly: null | number
  provider: null | string
  region: null | string
  size: null | string
  state: ProbeState
  updated_at: string
  user: string
}

const SCHEMA_VERSION = 1

const MIGRATIONS: string[] = [
  `CREATE TABLE probes (
     name TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('cloud', 'adopted')),
     fleet TEXT,
     provider TEXT,
     region TEXT,
     node_id TEXT,
     client_token TEXT,
     host TEXT,
     port INTEGER NOT NULL DEFAULT 22,
     user TEXT NOT NULL DEFAULT 'root',
     key_path TEXT,
     size TEXT,
     image TEXT,
     price_hourly REAL,
     state TEXT NOT NULL,
     labels TEXT NOT NULL DEFAULT '{}',
     detail TEXT,
     deploy_run TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX probes_fleet ON probes (fleet);
   CREATE UNIQUE INDEX probes_node ON probes (provider, region, node_id) WHERE node_id IS NOT NULL;`,
]

const COLUMNS: Record<keyof Omit<Probe, 'createdAt' | 'updatedAt'>, string> = {
  name: 'name',
  kind: 'kind',
  fleet: 'fleet',
  provider: 'provider',
  region: 'region',
  nodeId: 'node_id',
  clientToken: 'client_token',
  host: 'host',
  port: 'port',
  user: 'user',
  keyPath: 'key_path',
  size: 'size',
  image: 'image',
  priceHourly: 'price_hourly',
  state: 'state',
  labels: 'labels',
  detail: 'detail',
  deployRun: 'deploy_run',
}

function fromRow(row: Row): Probe {
  return {
    name: row.name,
    kind: row.kind,
    fleet: row.fleet ?? undefined,
    provider: row.provider ?? undefined,
    region: row.region ?? undefined,
    nodeId: row.node_id ?? undefined,
    clientToken: row.client_token ?? undefined,
    host: row.host ?? undefined,
    port: row.port,
    user: row.user,
    keyPath: row.key_path ?? undefined,
    size: row.size ?? undefined,
    image: row.image ?? undefined,
    priceHourly: row.price_hourly ?? undefined,
    state: row.state,
    labels: JSON.parse(row.labels) as Record<string, string>,
    detail: row.detail ?? undefined,
    deployRun: row.deploy_run ?? undefined,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

function toColumnValue(key: string, value: unknown): unknown {
  if (key === 'labels') return JSON.stringify(value ?? {})
  return value ?? null
}

/** Which process deploys a fleet now (see claimFleet), and since when (ISO 8601). */
export type FleetClaim = {holder: string; since: string}

export type NewProbe = Partial<Probe> & Pick<Probe, 'kind' | 'name' | 'state'>

export class Inventory {
  private constructor(private readonly db: Database.Database) {}

  static open(dataDir: string): Inventory {
    const db = openSqlite(join(dataDir, 'inventory.db'), (opened) => {
      opened.pragma('journal_mode = WAL')
      opened.pragma('synchronous = NORMAL')
      new Inventory(opened).migrate()
    })
    return new Inventory(db)
  }

  private migrate(): void {
    const migrateAll = this.db.transaction(() => {
      const version = this.db.pragma('user_version', {simple: true}) as number
      for (let v = version; v < SCHEMA_VERSION; v++) this.db.exec(MIGRATIONS[v])
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`)
    })
    migrateAll.immediate()
  }

  /** Insert a probe. Written before the cloud is asked, so a crash can never lose a node. */
  insert(probe: NewProbe): Probe {
    const now = new Date().toISOString()
    const entries = Object.entries(COLUMNS).filter(([key]) => key in probe || key === 'labels')
    const sql = `INSERT INTO probes (${entries.map(([, c]) => c).join(', ')}, created_at, updated_at)
                 VALUES (${entries.map(() => '?').join(', ')}, ?, ?)`
    this.db.prepare(sql).run(...entries.map(([key]) => toColumnValue(key, probe[key as keyof Probe])), now, now)
    return this.get(probe.name)
  }

  update(name: string, changes: Partial<Omit<Probe, 'createdAt' | 'name' | 'updatedAt'>>): Probe {
    if (this.write(name, changes, '') === 0) throw new NotFoundError(`No probe named "${name}" in the inventory.`)
    return this.get(name)
  }

  /**
   * Record the node of a row that has none yet (its create never answered: a killed deploy). One
   * conditional statement, so a deploy in another process that recorded the node meanwhile, and
   * perhaps made the probe ready, is never set back. Returns the row as it is now.
   */
  recordNodeIfMissing(name: string, changes: Partial<Omit<Probe, 'createdAt' | 'name' | 'updatedAt'>>): Probe {
    this.write(name, changes, ' AND node_id IS NULL')
    return this.get(name)
  }

  private write(name: string, changes: Partial<Omit<Probe, 'createdAt' | 'name' | 'updatedAt'>>, condition: string): number {
    const entries = Object.entries(changes).filter(([key]) => key in COLUMNS)
    const sets = entries.map(([key]) => `${COLUMNS[key as keyof typeof COLUMNS]} = ?`)
    return this.db
      .prepare(`UPDATE probes SET ${[...sets, 'updated_at = ?'].join(', ')} WHERE name = ?${condition}`)
      .run(...entries.map(([key, value]) => toColumnValue(key, value)), new Date().toISOString(), name).changes
  }

  lookup(name: string): Probe | undefined {
    const row = this.db.prepare('SELECT * FROM probes WHERE name = ?').get(name) as Row | undefined
    return row ? fromRow(row) : undefined
  }

  get(name: string): Probe {
    const probe = this.lookup(name)
    if (!probe) throw new NotFoundError(`No probe named "${name}" in the inventory. "mc probe list" shows them.`)
    return probe
  }

  list(filter: {fleet?: string; kind?: Probe['kind']} = {}): Probe[] {
    const where: string[] = []
    const params: string[] = []
    if (filter.fleet) {
      where.push('fleet = ?')
      params.push(filter.fleet)
    }
    if (filter.kind) {
      where.push('kind = ?')
      params.push(filter.kind)
    }
    const sql = `SELECT * FROM probes ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY name`
    return (this.db.prepare(sql).all(...params) as Row[]).map((row) => fromRow(row))
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM probes WHERE name = ?').run(name).changes > 0
  }

  /**
   * Claim `fleet` for one deploy at a time: undefined when `holder` now has it, else the claim of the
   * other process. A claim whose holder `isGone` (its process died: SIGKILL, a crash) is taken over.
   * The check and the claim are one immediate transaction, so two processes never both win.
   */
  claimFleet(fleet: string, holder: string, isGone: (holder: string) => boolean): FleetClaim | undefined {
    this.db.exec('CREATE TABLE IF NOT EXISTS fleet_claims (fleet TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL)')
    const claim = this.db.transaction((): FleetClaim | undefined => {
      const current = this.db.prepare('SELECT holder, since FROM fleet_claims WHERE fleet = ?').get(fleet) as FleetClaim | undefined
      if (current && current.holder !== holder && !isGone(current.holder)) return current
      this.db.prepare('INSERT OR REPLACE INTO fleet_claims (fleet, holder, since) VALUES (?, ?, ?)').run(fleet, holder, new Date().toISOString())
      return undefined
    })
    return claim.immediate()
  }

  /** Give up a claim, only if `holder` still has it. */
  releaseFleet(fleet: string, holder: string): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS fleet_claims (fleet TEXT PRIMARY KEY, holder TEXT NOT NULL, since TEXT NOT NULL)')
    this.db.prepare('DELETE FROM fleet_claims WHERE fleet = ? AND holder = ?').run(fleet, holder)
  }

  close(): void {
    this.db.close()
  }
}
