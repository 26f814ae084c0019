/**
 * Physical table versions of the SQLite store: creating, copying, clearing
 * and dropping them, and their row counts and row-hash sums. Private to
 * `stores/sqlite/`.
 *
 * @module
 */

import { DataError, StoreError } from "../../core/errors.ts";
import type { TableDef, TableInfo } from "../store.ts";
import { columnKinds, quoteId, rowidOf, sqlType } from "./_codec.ts";
import {
  type CatalogRow,
  LIVE_STAGED,
  PHYSICAL_PREFIX,
  prep,
  registerStaging,
  type SqliteCtx,
  tx,
} from "./_catalog.ts";
import { contentVersion, HASH_COL, type HashSums, sumsSql } from "./_hash.ts";
import { pinned } from "./_pins.ts";

/** A staged (uncommitted) version of one table inside a publication. */
export interface Staged {
  table: string;
  def: TableDef;
  physical: string;
  names: string[];
  kinds: Uint8Array;
  /** Highest monotonic id handed out so far. */
  lastId: number;
  /** Row count, or undefined when it must be counted (after an upsert). */
  rowCount: number | undefined;
  /** Row-hash sums, or undefined when they must be computed (after an upsert). */
  sums: HashSums | undefined;
  /** Committed version the rows started from; undefined when it started empty. */
  baseVersion?: number;
  /**
   * Set while the staged version is the committed one plus appended rows
   * (see `publish/_delta.ts`): `physical` then holds only the appended rows,
   * and the version is the first `base.rowCount` rows (in rowid order) of
   * `base.physical` followed by them. `rowCount` and `sums` always describe
   * the whole version, and are never undefined meanwhile.
   */
  base?: { physical: string; rowCount: number };
}

/** Rows a new physical table starts with: the first `limit` rows (all without) of `physical`, in insertion order. */
export interface CopySource {
  physical: string;
  limit?: number;
}

/** The quoted hidden row-hash column. */
export const HASH_Q: string = quoteId(HASH_COL);

function randomSuffix(): string {
  const b = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates a new physical table for `def` inside the caller's transaction,
 * filled with the rows of `copyFrom`, one source after the other (in
 * insertion order, row hashes included), and registers it as staged. Call
 * {@link LIVE_STAGED}`.add` once the transaction committed.
 */
export function createPhysicalIn(
  ctx: SqliteCtx,
  table: string,
  def: TableDef,
  copyFrom: readonly CopySource[] = [],
): string {
  const rowid = rowidOf(table, Object.keys(def.schema));
  const physical = `${PHYSICAL_PREFIX}${table}_${randomSuffix()}`;
  const q = quoteId(physical);
  const unique = new Set(def.uniqueOn);
  const cols = Object.entries(def.schema).map(([c, t]) =>
    `${quoteId(c)} ${sqlType(t)}${unique.has(c) ? " NOT NULL" : ""}`
  );
  const names = [...Object.keys(def.schema).map(quoteId), HASH_Q].join(", ");
  ctx.db.exec(`CREATE TABLE ${q} (${cols.join(", ")}, ${HASH_Q} INTEGER)`);
  registerStaging(ctx, physical, table);
  for (const src of copyFrom) {
    ctx.db.exec(
      `INSERT INTO ${q} (${names}) SELECT ${names} FROM ${
        quoteId(src.physical)
      } ORDER BY ${rowid}${
        src.limit === undefined ? "" : ` LIMIT ${src.limit}`
      }`,
    );
  }
  // Built after the copy: one sorted build beats maintaining it row by row.
  if (def.uniqueOn.length > 0) {
    ctx.db.exec(
      `CREATE UNIQUE INDEX ${quoteId(physical + "_key")} ON ${q} (${
        def.uniqueOn.map(quoteId).join(", ")
      })`,
    );
  }
  return physical;
}

/** {@link createPhysicalIn} in its own transaction. */
export function createPhysical(
  ctx: SqliteCtx,
  table: string,
  def: TableDef,
  copyFrom: readonly CopySource[] = [],
): string {
  const physical = tx(ctx, () => createPhysicalIn(ctx, table, def, copyFrom));
  LIVE_STAGED.add(physical);
  return physical;
}

/**
 * Stages a new version of `table`: empty, or (`delta`) the committed rows
 * plus what is appended next, which go to a new, empty physical table of
 * their own (see {@link Staged.base}); counts and row-hash sums start from
 * the committed ones either way.
 */
export function stageTable(
  ctx: SqliteCtx,
  table: string,
  def: TableDef,
  committed: CatalogRow | undefined,
  delta: boolean,
): Staged {
  const from = delta ? committed : undefined;
  const s: Staged = {
    table,
    def,
    physical: createPhysical(ctx, table, def),
    names: Object.keys(def.schema),
    kinds: columnKinds(def),
    lastId: committed?.lastId ?? 0,
    rowCount: from ? from.rowCount : 0,
    sums: from ? from.sums : { lo: 0n, hi: 0n },
  };
  if (from) {
    s.baseVersion = from.version;
    s.base = { physical: from.physical, rowCount: from.rowCount };
  }
  return s;
}

/**
 * Drops a physical table and forgets its statements, unless an open read
 * snapshot pins it (its last pin drops it then, see `_pins.ts`). Best
 * effort.
 */
export function dropPhysical(ctx: SqliteCtx, physical: string): void {
  ctx.writers.delete(physical);
  LIVE_STAGED.delete(physical);
  if (ctx.closed) return;
  try {
    tx(ctx, () => {
      if (pinned(ctx, physical)) return;
      ctx.db.exec(`DROP TABLE IF EXISTS ${quoteId(physical)}`);
      prep(ctx, "DELETE FROM _runnel_staging WHERE physical = ?").run(physical);
    });
  } catch {
    // left for the garbage collector of the next open
  }
}

/** Removes every row of a staged version (the committed rows under a delta included). */
export function clearPhysical(ctx: SqliteCtx, s: Staged): void {
  // A version known to be empty (say, just staged) has nothing to delete.
  if (s.base !== undefined || s.rowCount !== 0) {
    tx(ctx, () => ctx.db.exec(`DELETE FROM ${quoteId(s.physical)}`));
  }
  s.rowCount = 0;
  s.sums = { lo: 0n, hi: 0n };
  delete s.base;
  delete s.baseVersion;
}

/** Counts the rows of a staged version when the count is not known. */
export function stagedCount(ctx: SqliteCtx, s: Staged): number {
  if (s.rowCount === undefined) {
    const r = ctx.db.prepare(`SELECT count(*) AS n FROM ${quoteId(s.physical)}`)
      .get() as { n: number };
    s.rowCount = r.n;
  }
  return s.rowCount;
}

/** Row count and row-hash sums of a physical table, by one scan. */
export function scanSums(
  ctx: SqliteCtx,
  physical: string,
): { n: number; sums: HashSums } {
  const r = ctx.db.prepare(sumsSql(quoteId(physical))).get() as {
    n: number;
    lo: string;
    hi: string;
  };
  return { n: r.n, sums: { lo: BigInt(r.lo), hi: BigInt(r.hi) } };
}

/** The content version of a staged version (scans it only when its sums are unknown). */
export function stagedContentVersion(ctx: SqliteCtx, s: Staged): string {
  if (s.sums === undefined || s.rowCount === undefined) {
    const { n, sums } = scanSums(ctx, s.physical);
    s.rowCount = n;
    s.sums = sums;
  }
  return contentVersion(s.def, s.rowCount, s.sums);
}

/** A staged version as `Publication.describe` shows it. */
export function stagedInfo(
  ctx: SqliteCtx,
  s: Staged,
  committedVersion: number,
): TableInfo {
  const contentVersion = stagedContentVersion(ctx, s);
  return {
    name: s.table,
    ...s.def,
    rowCount: stagedCount(ctx, s),
    version: committedVersion,
    contentVersion,
    updatedAt: new Date(),
  };
}

/** Wraps an unexpected SQLite failure. */
export function storeFailure(what: string, err: unknown): never {
  if (err instanceof DataError || err instanceof StoreError) throw err;
  throw new StoreError(`${what}: ${(err as Error)?.message ?? err}`, {
    cause: err,
  });
}
