/**
 * The PostgreSQL store's catalog: the store context, the `_runnel_*`
 * tables beside the app's data in its schema, their versioned migrations,
 * and reading committed table entries. Private to `stores/postgres/`.
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";
import type { TableDef, TableInfo } from "../store.ts";
import { type AnySql, qid, run, type Sql } from "./_connect.ts";
import type { PgTarget } from "./_url.ts";
import type { HashSums } from "./_hash.ts";
import type { Connections } from "./_pipeline.ts";

/** Catalog schema version this code writes and understands. */
export const SCHEMA_VERSION = 2;

/** Prefix of every physical table holding a table version. */
export const PHYSICAL_PREFIX = "__rt_";

/** SQLSTATE `_runnel_assert` raises: what a pipelined step assumed no longer holds. */
export const STALE_CODE = "RNSTL";

/** First key of Runnel's two-key advisory locks ("RUNL"). */
export const LOCK_CLASS_LIVE = 0x52554e4c;
/** First key of the run lock. */
export const LOCK_CLASS_RUN = 0x52554e52;
/** First key of the lock serializing catalog creation and migrations. */
export const LOCK_CLASS_INIT = 0x52554e49;
/**
 * First key of the per-relation locks that serialize sandbox grants ("RUNS"):
 * PostgreSQL fails a GRANT on a relation whose privileges a concurrent,
 * later committed transaction changed ("tuple concurrently updated").
 */
export const LOCK_CLASS_GRANT = 0x52554e53;

/** An open PostgreSQL store. */
export interface PgCtx {
  target: PgTarget;
  /** Connection pool. */
  sql: Sql;
  /**
   * Connections for read snapshots, apart from `sql` so that snapshots
   * held for a node's whole run never starve writes (opened on first use).
   */
  snapshots?: Connections;
  /** Connections for pipelined write transactions (see `_pipeline.ts`). */
  pipes: Connections;
  /** `"schema"`. */
  qs: string;
  location: string;
  /** This instance's liveness lock key (held by the session connection). */
  instance: number;
  closed: boolean;
  /**
   * Set when the session connection (holding the run lock and the
   * liveness lock) was lost: staged writes begun before can no longer be
   * trusted. The next `lock()` starts a new generation.
   */
  lost: boolean;
  /** Increases with every new session connection. */
  generation: number;
}

/** The error for work begun before the session connection was lost. */
export function lostError(ctx: PgCtx): StoreError {
  return new StoreError(
    `lost the connection to PostgreSQL (${ctx.location}) during the run: the server restarted or closed it, taking the run's locks; nothing of this stage was published, run again`,
  );
}

/** `"schema"."name"`. */
export function qualified(ctx: PgCtx, name: string): string {
  return `${ctx.qs}.${qid(name)}`;
}

/** A 31-bit positive hash of a string (advisory lock keys). */
export function key31(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return (h >>> 1) || 1;
}

/**
 * Migrations: entry `i` upgrades a catalog at version `i` to `i + 1`, in
 * the opening transaction. Version 0 is an empty schema.
 */
const MIGRATIONS: ((tx: AnySql, qs: string) => Promise<void>)[] = [
  async (tx) => {
    await run(
      tx,
      `
CREATE TABLE _runnel_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE _runnel_tables (
  name text PRIMARY KEY, def text NOT NULL, physical text NOT NULL,
  row_count bigint NOT NULL, version integer NOT NULL,
  updated_at timestamptz NOT NULL, run_id text, node_id text,
  last_id bigint NOT NULL DEFAULT 0, next_pos bigint NOT NULL DEFAULT 0,
  keyed boolean NOT NULL DEFAULT false, content_version text NOT NULL,
  hash_lo text NOT NULL, hash_hi text NOT NULL);
CREATE TABLE _runnel_table_versions (
  table_name text NOT NULL, version integer NOT NULL, physical text NOT NULL,
  run_id text, node_id text, row_count bigint NOT NULL,
  created_at timestamptz NOT NULL, content_version text NOT NULL,
  PRIMARY KEY (table_name, version));
CREATE TABLE _runnel_staging (
  physical text PRIMARY KEY, table_name text NOT NULL,
  instance integer NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE _runnel_runs (
  id text PRIMARY KEY, seq bigserial, status text NOT NULL,
  started_at timestamptz NOT NULL, finished_at timestamptz,
  selection text NOT NULL, params text NOT NULL, trigger text NOT NULL);
CREATE INDEX _runnel_runs_started ON _runnel_runs (started_at);
CREATE TABLE _runnel_node_runs (
  run_id text NOT NULL, node_id text NOT NULL, seq bigserial,
  title text NOT NULL, file text NOT NULL, status text NOT NULL,
  started_at timestamptz, finished_at timestamptz,
  duration_ms double precision, rows_written bigint NOT NULL,
  error text, reason text, PRIMARY KEY (run_id, node_id));
CREATE TABLE _runnel_logs (
  seq bigserial PRIMARY KEY, run_id text NOT NULL, node_id text NOT NULL,
  ts timestamptz NOT NULL, level text NOT NULL, message text NOT NULL);
CREATE INDEX _runnel_logs_run ON _runnel_logs (run_id, node_id);
CREATE TABLE _runnel_state (
  node_id text PRIMARY KEY, state text NOT NULL,
  updated_at timestamptz NOT NULL);
CREATE TABLE _runnel_node_cache (
  node_id text PRIMARY KEY, key text NOT NULL, components text NOT NULL,
  run_id text NOT NULL, saved_at timestamptz NOT NULL);`,
      [],
      false,
    );
  },
  // Version 2: server-side helpers that save round trips (see
  // `_snapshot.ts` and `publish/_commit.ts`); only the store's own role
  // may call them.
  async (tx, qs) => {
    await run(
      tx,
      `
CREATE FUNCTION _runnel_assert(ok boolean, what text) RETURNS void
  LANGUAGE plpgsql AS $fn$
BEGIN
  IF ok IS NOT TRUE THEN
    RAISE EXCEPTION 'runnel: % changed meanwhile', what USING ERRCODE = '${STALE_CODE}';
  END IF;
END $fn$;
CREATE FUNCTION _runnel_snapshot(names text[])
  RETURNS SETOF _runnel_tables LANGUAGE plpgsql AS $fn$
DECLARE r ${qs}._runnel_tables;
BEGIN
  FOR r IN SELECT * FROM ${qs}._runnel_tables WHERE name = ANY(names) ORDER BY name LOOP
    EXECUTE 'LOCK TABLE ${
        qs.replaceAll("'", "''")
      }.' || quote_ident(r.physical) || ' IN ACCESS SHARE MODE';
    RETURN NEXT r;
  END LOOP;
END $fn$;
REVOKE ALL ON FUNCTION _runnel_assert(boolean, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION _runnel_snapshot(text[]) FROM PUBLIC;`,
      [],
      false,
    );
  },
];

function newer(ctx: PgCtx, found: number): StoreError {
  return new StoreError(
    `The store ${ctx.location} was written by a newer Runnel (store schema version ${found}; this Runnel understands up to ${SCHEMA_VERSION}). Upgrade Runnel to open it.`,
  );
}

async function versionOf(tx: AnySql, schema: string): Promise<number> {
  const meta = await run<{ t: string | null }>(
    tx,
    "SELECT to_regclass($1)::text AS t",
    [`${qid(schema)}._runnel_meta`],
  );
  if (meta[0]?.t == null) return 0;
  const rows = await run<{ value: string }>(
    tx,
    `SELECT value FROM ${
      qid(schema)
    }._runnel_meta WHERE key = 'schema_version'`,
  );
  return Number(rows[0]?.value ?? 0);
}

/**
 * Creates the schema and catalog, or checks and upgrades them, in one
 * transaction serialized against other Runnel processes. Refuses a store
 * written by a newer Runnel.
 */
export async function initCatalog(ctx: PgCtx): Promise<void> {
  const schema = ctx.target.schema;
  await ctx.sql.begin(async (tx) => {
    await run(tx, "SELECT pg_advisory_xact_lock($1, $2)", [
      LOCK_CLASS_INIT,
      key31(schema),
    ]);
    const exists = await run(
      tx,
      "SELECT 1 FROM pg_namespace WHERE nspname = $1",
      [schema],
    );
    if (exists.length === 0) {
      await run(tx, `CREATE SCHEMA ${ctx.qs}`, [], false);
    }
    const found = await versionOf(tx, schema);
    if (found > SCHEMA_VERSION) throw newer(ctx, found);
    if (found === SCHEMA_VERSION) return;
    await run(tx, `SET LOCAL search_path TO ${ctx.qs}`, [], false);
    for (let v = found; v < SCHEMA_VERSION; v++) {
      await MIGRATIONS[v]!(tx, ctx.qs);
    }
    await run(
      tx,
      `INSERT INTO _runnel_meta (key, value) VALUES ('schema_version', $1)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      [String(SCHEMA_VERSION)],
    );
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
  nextPos: number;
  /** Whether the physical table has its unique index. */
  keyed: boolean;
  contentVersion: string;
  /** Row-hash sums of the committed version. */
  sums: HashSums;
}

/** One row of `_runnel_tables` as the driver returns it. */
export interface RawCatalog {
  name: string;
  def: string;
  physical: string;
  row_count: number;
  version: number;
  updated_at: Date;
  run_id: string | null;
  node_id: string | null;
  last_id: number;
  next_pos: number;
  keyed: boolean;
  content_version: string;
  hash_lo: string;
  hash_hi: string;
}

/** Decodes a row of `_runnel_tables`. */
export function decodeCatalog(r: RawCatalog): CatalogRow {
  const out: CatalogRow = {
    name: r.name,
    def: JSON.parse(r.def) as TableDef,
    physical: r.physical,
    rowCount: Number(r.row_count),
    version: r.version,
    updatedAt: r.updated_at,
    lastId: Number(r.last_id),
    nextPos: Number(r.next_pos),
    keyed: r.keyed,
    contentVersion: r.content_version,
    sums: { lo: BigInt(r.hash_lo), hi: BigInt(r.hash_hi) },
  };
  if (r.run_id !== null) out.runId = r.run_id;
  if (r.node_id !== null) out.nodeId = r.node_id;
  return out;
}

/** The committed catalog row of `name`, if any. */
export async function getCatalog(
  ctx: PgCtx,
  name: string,
  sql: AnySql = ctx.sql,
): Promise<CatalogRow | undefined> {
  const rows = await run<RawCatalog>(
    sql,
    `SELECT * FROM ${ctx.qs}._runnel_tables WHERE name = $1`,
    [name],
  );
  return rows[0] && decodeCatalog(rows[0]);
}

/** Every committed catalog row, sorted by name. */
export async function listCatalog(ctx: PgCtx): Promise<CatalogRow[]> {
  const rows = await run<RawCatalog>(
    ctx.sql,
    `SELECT * FROM ${ctx.qs}._runnel_tables ORDER BY name COLLATE "C"`,
  );
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
