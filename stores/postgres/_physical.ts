/**
 * Physical table versions of the PostgreSQL store: creating (empty, or
 * copying rows of others), indexing, dropping and measuring them. Private
 * to `stores/postgres/`.
 *
 * @module
 */

import { StoreError } from "../../core/errors.ts";
import type { TableDef, TableInfo } from "../store.ts";
import { type AnySql, codeOf, pgFailure, qid, run } from "./_connect.ts";
import {
  type CatalogRow,
  type PgCtx,
  PHYSICAL_PREFIX,
  qualified,
} from "./_catalog.ts";
import { columnDdl, POS_Q } from "./_types.ts";
import {
  addRowHashes,
  contentVersion,
  type HashSums,
  scanSql,
  ZERO,
} from "./_hash.ts";
import type { KeyHasher, KeySet } from "./_keys.ts";
import { type Pipeline, pipelined } from "./_pipeline.ts";

/** A staged (uncommitted) version of one table inside a publication. */
export interface PgStaged {
  table: string;
  def: TableDef;
  physical: string;
  names: string[];
  kinds: Uint8Array;
  /** Highest monotonic id handed out so far. */
  lastId: number;
  /** Position the next inserted row gets. */
  nextPos: number;
  /** Row count, or undefined when it must be counted. */
  rowCount: number | undefined;
  /** Row-hash sums, or undefined when they must be computed by a scan (materialized rows). */
  sums: HashSums | undefined;
  /** Whether the unique index exists (otherwise `keys` tracks the keys). */
  keyed: boolean;
  keys: KeySet | undefined;
  hasher: KeyHasher | undefined;
  /**
   * The committed catalog row seen when staging began (null: none), which
   * the commit assumes still holds and checks; undefined: look it up.
   */
  expect?: CatalogRow | null;
  /** Committed version the rows started from; undefined when it started empty. */
  baseVersion?: number;
  /**
   * Set while the staged version is the committed one plus appended rows
   * (see `publish/_delta.ts`): `physical` then holds only the appended rows, and
   * the version is the rows of `base.physical` positioned below
   * `base.nextPos`, then them. `rowCount` and `sums` always describe the
   * whole version, and are never undefined meanwhile.
   */
  base?: { physical: string; rowCount: number; nextPos: number };
  /** Tail of the writes' ordered part (key checks, then starting the COPY). */
  queue: Promise<void>;
  /** COPYs running (at most two, so sending one overlaps storing another). */
  inflight: Set<Promise<void>>;
  /** A write without the index failed after its keys were noted: index before the next. */
  keysDirty: boolean;
  /** Failure of a COPY whose append already returned; fails what comes next. */
  failure?: unknown;
  /** Average encoded row size, to size the next buffer. */
  rowBytes: number;
  /** See `EncodeTarget.keyCol`. */
  keyCol: number;
}

function randomSuffix(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** Creates the unique index of a staged table (inside `sql`'s transaction). */
export async function createKeyIndex(
  ctx: PgCtx,
  sql: AnySql,
  physical: string,
  def: TableDef,
): Promise<void> {
  await run(
    sql,
    `CREATE UNIQUE INDEX ${qid(physical + "_key")} ON ${
      qualified(ctx, physical)
    } (${def.uniqueOn.map(qid).join(", ")})`,
    [],
    false,
  );
}

/** Rows a new physical table starts with: those of `physical` (positioned below `below`, when given). */
export interface PgCopySource {
  physical: string;
  below?: number;
}

/**
 * Creates and registers a new physical table for `table` inside `tx`:
 * empty, or with the rows of `copyFrom` (positions kept, unique index
 * built after the copy). Returns its name.
 */
export async function createPhysicalIn(
  ctx: PgCtx,
  tx: AnySql,
  table: string,
  def: TableDef,
  copyFrom: readonly PgCopySource[] = [],
): Promise<string> {
  const physical = `${PHYSICAL_PREFIX}${table.slice(0, 40)}_${randomSuffix()}`;
  const q = qualified(ctx, physical);
  // Sent together: one round trip in a pipelined transaction.
  await Promise.all([
    run(tx, `CREATE TABLE ${q} (${columnDdl(def)})`, [], false),
    run(
      tx,
      `INSERT INTO ${ctx.qs}._runnel_staging (physical, table_name, instance, created_at) VALUES ($1, $2, $3, now())`,
      [physical, table, ctx.instance],
    ),
  ]);
  if (copyFrom.length > 0) {
    const cols = [...Object.keys(def.schema).map(qid), POS_Q].join(", ");
    for (const src of copyFrom) {
      await run(
        tx,
        `INSERT INTO ${q} (${cols}) SELECT ${cols} FROM ${
          qualified(ctx, src.physical)
        }${src.below === undefined ? "" : ` WHERE ${POS_Q} < ${src.below}`}`,
        [],
        false,
      );
    }
    if (def.uniqueOn.length > 0) {
      await createKeyIndex(ctx, tx, physical, def);
    }
  }
  return physical;
}

/** Waits until every write to a staged version is done (failed ones included). */
export async function settle(s: PgStaged): Promise<void> {
  await s.queue;
  while (s.inflight.size > 0) await Promise.allSettled([...s.inflight]);
  if (s.failure !== undefined) throw s.failure;
}

/** Drops a physical table and its registration. Best effort. */
export async function dropPhysical(
  ctx: PgCtx,
  physical: string,
): Promise<void> {
  if (ctx.closed) return;
  try {
    await pipelined(ctx.pipes, (tx) => {
      // A reader's snapshot may hold it: give up soon, and leave it to
      // garbage collection rather than stall the commit that replaced it.
      tx.run("SET LOCAL lock_timeout = '200ms'", [], false);
      dropPhysicalIn(ctx, tx, physical);
    });
  } catch {
    // left for the garbage collector of the next open
  }
}

/** Sends the drop of a physical table and its registration in the pipelined transaction `tx`. */
export function dropPhysicalIn(
  ctx: PgCtx,
  tx: Pipeline,
  physical: string,
): void {
  tx.run(`DROP TABLE IF EXISTS ${qualified(ctx, physical)}`, [], false);
  tx.run(`DELETE FROM ${ctx.qs}._runnel_staging WHERE physical = $1`, [
    physical,
  ]);
}

/** Row count of a staged version (counted when not known). */
export async function stagedCount(ctx: PgCtx, s: PgStaged): Promise<number> {
  await settle(s);
  if (s.rowCount === undefined) {
    const r = await run<{ n: number }>(
      ctx.sql,
      `SELECT count(*)::bigint AS n FROM ${qualified(ctx, s.physical)}`,
    );
    s.rowCount = Number(r[0]!.n);
  }
  return s.rowCount;
}

/** Content version of a staged version (its rows are scanned once when their sums are not known). */
export async function stagedContentVersion(
  ctx: PgCtx,
  s: PgStaged,
): Promise<string> {
  await settle(s);
  if (s.sums === undefined || s.rowCount === undefined) {
    let sums = ZERO;
    let n = 0;
    try {
      await ctx.sql.unsafe(scanSql(qualified(ctx, s.physical), s.names))
        .cursor(5000, (rows) => {
          sums = addRowHashes(sums, rows, s.names, s.kinds);
          n += rows.length;
        });
    } catch (err) {
      if (codeOf(err) === "42P01") {
        throw new StoreError(
          `the staged version of table "${s.table}" no longer exists (was the store cleaned up by another process?); run the node again`,
        );
      }
      throw pgFailure(`Cannot read table "${s.table}"`, err, ctx.location);
    }
    s.sums = sums;
    s.rowCount = n;
  }
  return contentVersion(s.def, s.rowCount, s.sums);
}

/** A staged version as `Publication.describe` shows it. */
export async function stagedInfo(
  ctx: PgCtx,
  s: PgStaged,
  committedVersion: number,
): Promise<TableInfo> {
  const cv = await stagedContentVersion(ctx, s);
  return {
    name: s.table,
    ...s.def,
    rowCount: s.rowCount!,
    version: committedVersion,
    contentVersion: cv,
    updatedAt: new Date(),
  };
}
