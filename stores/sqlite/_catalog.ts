/**
 * The SQLite store's catalog: connection context, `_runnel_*` tables,
 * schema versioning and the registry of staged physical tables.
 * Private to `stores/sqlite/`.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { StoreError } from "../../core/errors.ts";
import { assertSameFile, explainSqliteError } from "./_file.ts";
import type { TableDef, TableInfo } from "../store.ts";
import type { HashSums } from "./_hash.ts";

/**
 * Catalog schema version this code writes and understands. Version 2 added
 * row hashes, content versions and node cache records.
 */
export const SCHEMA_VERSION = 2;

/** Prefix of every physical table holding a table version. */
export const PHYSICAL_PREFIX = "__rt_";

/** Staged physical tables of publications that are alive in this process. */
export const LIVE_STAGED: Set<string> = new Set();

/** An open SQLite store: its write connection and statement caches. */
export interface SqliteCtx {
  db: DatabaseSync;
  path: string;
  /** Device and inode of the file when it was opened (see `_file.ts`). */
  identity: string;
  /**
   * Whose staged tables this connection creates (default: this process).
   * A query process materializing for its parent names the parent.
   */
  stagingOwner?: { pid: number; host: string };
  closed: boolean;
  /** Catalog statements by SQL. */
  prepared: Map<string, StatementSync>;
  /** Row-writing statements by physical table, then by shape. */
  writers: Map<string, Map<string, { stmt: StatementSync; params: unknown[] }>>;
}

const DDL = `
CREATE TABLE IF NOT EXISTS _runnel_meta (
  key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _runnel_tables (
  name TEXT PRIMARY KEY, def TEXT NOT NULL, physical TEXT NOT NULL,
  row_count INTEGER NOT NULL, version INTEGER NOT NULL,
  updated_at TEXT NOT NULL, run_id TEXT, node_id TEXT,
  last_id INTEGER NOT NULL DEFAULT 0,
  content_version TEXT NOT NULL DEFAULT '',
  hash_lo TEXT NOT NULL DEFAULT '0', hash_hi TEXT NOT NULL DEFAULT '0');
CREATE INDEX IF NOT EXISTS _runnel_tables_nocase
  ON _runnel_tables (name COLLATE NOCASE);
CREATE TABLE IF NOT EXISTS _runnel_table_versions (
  table_name TEXT NOT NULL, version INTEGER NOT NULL, physical TEXT NOT NULL,
  run_id TEXT, node_id TEXT, row_count INTEGER NOT NULL,
  created_at TEXT NOT NULL, content_version TEXT,
  PRIMARY KEY (table_name, version));
CREATE TABLE IF NOT EXISTS _runnel_staging (
  physical TEXT PRIMARY KEY, table_name TEXT NOT NULL, pid INTEGER NOT NULL,
  host TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _runnel_runs (
  id TEXT PRIMARY KEY, status TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT, selection TEXT NOT NULL, params TEXT NOT NULL,
  trigger TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS _runnel_runs_started
  ON _runnel_runs (started_at);
CREATE TABLE IF NOT EXISTS _runnel_node_runs (
  run_id TEXT NOT NULL, node_id TEXT NOT NULL, title TEXT NOT NULL,
  file TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT,
  finished_at TEXT, duration_ms REAL, rows_written INTEGER NOT NULL,
  error TEXT, reason TEXT, UNIQUE (run_id, node_id));
CREATE TABLE IF NOT EXISTS _runnel_logs (
  run_id TEXT NOT NULL, node_id TEXT NOT NULL, ts TEXT NOT NULL,
  level TEXT NOT NULL, message TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS _runnel_logs_run ON _runnel_logs (run_id, node_id);
CREATE TABLE IF NOT EXISTS _runnel_state (
  node_id TEXT PRIMARY KEY, state TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS _runnel_node_cache (
  node_id TEXT PRIMARY KEY, key TEXT NOT NULL, components TEXT NOT NULL,
  run_id TEXT NOT NULL, saved_at TEXT NOT NULL);
`;

/** Returns a cached prepared statement. */
export function prep(ctx: SqliteCtx, sql: string): StatementSync {
  let st = ctx.prepared.get(sql);
  if (st === undefined) {
    st = ctx.db.prepare(sql);
    ctx.prepared.set(sql, st);
  }
  return st;
}

/** Runs `fn` in one write transaction (BEGIN IMMEDIATE … COMMIT). */
export function tx<T>(ctx: SqliteCtx, fn: () => T): T {
  ctx.db.exec("BEGIN IMMEDIATE");
  try {
    // Under the write lock: a deleted or replaced file takes no more writes.
    assertSameFile(ctx.path, ctx.identity);
    const out = fn();
    ctx.db.exec("COMMIT");
    return out;
  } catch (err) {
    try {
      ctx.db.exec("ROLLBACK");
    } catch {
      // already rolled back by SQLite
    }
    throw err;
  }
}

function hasObject(ctx: SqliteCtx, type: string, name: string): boolean {
  return ctx.db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?",
  ).get(type, name) !== undefined;
}

function schemaVersion(ctx: SqliteCtx): number | undefined {
  if (!hasObject(ctx, "table", "_runnel_meta")) return undefined;
  const row = ctx.db.prepare(
    "SELECT value FROM _runnel_meta WHERE key = 'schema_version'",
  ).get() as { value: string } | undefined;
  return Number(row?.value ?? 0);
}

/**
 * Creates, checks or upgrades the catalog (`migrate` upgrades an older
 * schema inside the same transaction). Refuses databases from a newer
 * Runnel.
 */
export function initCatalog(
  ctx: SqliteCtx,
  migrate: (ctx: SqliteCtx, from: number) => void,
): void {
  const db = ctx.db;
  db.exec("PRAGMA busy_timeout = 10000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  const newer = (found: number) =>
    new StoreError(
      `The store ${ctx.path} was written by a newer Runnel (store schema version ${found}; this Runnel understands up to ${SCHEMA_VERSION}). Upgrade Runnel to open it.`,
    );
  // Checked before writing anything, and again inside the transaction in
  // case another process upgraded the file meanwhile.
  const seen = schemaVersion(ctx);
  if (seen !== undefined && seen > SCHEMA_VERSION) throw newer(seen);
  tx(ctx, () => {
    const found = schemaVersion(ctx);
    if (found !== undefined && found > SCHEMA_VERSION) throw newer(found);
    if (found !== undefined && found === SCHEMA_VERSION) {
      // Files of this version written before the index existed get it.
      if (!hasObject(ctx, "index", "_runnel_tables_nocase")) db.exec(DDL);
      return;
    }
    db.exec(DDL);
    if (found !== undefined && found > 0) migrate(ctx, found);
    db.prepare(
      "INSERT OR REPLACE INTO _runnel_meta (key, value) VALUES ('schema_version', ?)",
    ).run(String(SCHEMA_VERSION));
  });
}

/** One row of `_runnel_tables`, decoded. */
export interface CatalogRow {
  name: string;
  def: TableDef;
  physical: string;
  rowCount: number;
  version: number;
  updatedAt: Date;
  runId?: string;
  nodeId?: string;
  lastId: number;
  contentVersion: string;
  /** Row-hash sums of the committed version. */
  sums: HashSums;
}

interface RawCatalog {
  name: string;
  def: string;
  physical: string;
  row_count: number;
  version: number;
  updated_at: string;
  run_id: string | null;
  node_id: string | null;
  last_id: number;
  content_version: string;
  hash_lo: string;
  hash_hi: string;
}

function decodeCatalog(r: RawCatalog): CatalogRow {
  const out: CatalogRow = {
    name: r.name,
    def: JSON.parse(r.def) as TableDef,
    physical: r.physical,
    rowCount: r.row_count,
    version: r.version,
    updatedAt: new Date(r.updated_at),
    lastId: r.last_id,
    contentVersion: r.content_version,
    sums: { lo: BigInt(r.hash_lo), hi: BigInt(r.hash_hi) },
  };
  if (r.run_id !== null) out.runId = r.run_id;
  if (r.node_id !== null) out.nodeId = r.node_id;
  return out;
}

/** The committed catalog row of `name`, if any. */
export function getCatalog(
  ctx: SqliteCtx,
  name: string,
): CatalogRow | undefined {
  const r = prep(ctx, "SELECT * FROM _runnel_tables WHERE name = ?").get(
    name,
  ) as RawCatalog | undefined;
  return r === undefined ? undefined : decodeCatalog(r);
}

/** Every committed catalog row, sorted by name. */
export function listCatalog(ctx: SqliteCtx): CatalogRow[] {
  const rows = prep(ctx, "SELECT * FROM _runnel_tables ORDER BY name")
    .all() as unknown as RawCatalog[];
  return rows.map(decodeCatalog);
}

/** A committed table as the Store interface shows it. */
export function toTableInfo(c: CatalogRow): TableInfo {
  const info: TableInfo = {
    name: c.name,
    schema: c.def.schema,
    uniqueOn: c.def.uniqueOn,
    rowCount: c.rowCount,
    version: c.version,
    contentVersion: c.contentVersion,
    updatedAt: c.updatedAt,
  };
  if (c.def.addCreated !== undefined) info.addCreated = c.def.addCreated;
  if (c.def.addMonotonicId !== undefined) {
    info.addMonotonicId = c.def.addMonotonicId;
  }
  if (c.runId !== undefined) info.runId = c.runId;
  if (c.nodeId !== undefined) info.nodeId = c.nodeId;
  return info;
}

/** This machine's name, or "unknown" without the permission to read it. */
export const HOST: string = (() => {
  try {
    const p = Deno.permissions.querySync({ name: "sys", kind: "hostname" });
    return p.state === "granted" ? Deno.hostname() : "unknown";
  } catch {
    return "unknown";
  }
})();

/** Records a new staged physical table (call inside the creating transaction). */
export function registerStaging(
  ctx: SqliteCtx,
  physical: string,
  table: string,
): void {
  prep(
    ctx,
    "INSERT OR REPLACE INTO _runnel_staging (physical, table_name, pid, host, created_at) VALUES (?, ?, ?, ?, ?)",
  ).run(
    physical,
    table,
    ctx.stagingOwner?.pid ?? Deno.pid,
    ctx.stagingOwner?.host ?? HOST,
    new Date().toISOString(),
  );
}

/** Runs synchronous store work, turning a throw into a rejected promise. */
export function settle<T>(fn: () => T, path?: string): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (err) {
    return Promise.reject(
      path === undefined ? err : explainSqliteError(path, err),
    );
  }
}

/** The open store's context, after checking it is open and still its file. */
export function liveCtx(ctx: SqliteCtx): SqliteCtx {
  if (ctx.closed) throw new StoreError(`The store ${ctx.path} is closed`);
  assertSameFile(ctx.path, ctx.identity);
  return ctx;
}
