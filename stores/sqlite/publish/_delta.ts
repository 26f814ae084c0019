/**
 * Append-only publications of the SQLite store, at the cost of what they
 * append. A publication that only appends to a table whose definition is
 * the committed one stages the appended rows alone, in a physical table of
 * their own (a _delta_, see `Staged.base`); the commit inserts them into
 * the committed physical table inside the commit transaction, instead of
 * copying the whole table. Readers see the committed rows until then (WAL
 * snapshots; the committed table only ever grows at its end, by committed
 * transactions). Anything that needs the staged version as one table (an
 * upsert, an ordered read, SQL) first _promotes_ the delta: the committed
 * rows it started from and the appended ones are copied into a new
 * physical table, as the copy-on-write path always did. Versions appended
 * in place share their physical table in `_runnel_table_versions`: the
 * history records provenance, never a readable old version (replaced
 * versions are dropped at once, too), and the order bookmarks of
 * `_order_keyset.ts` are keyed by content version and row count, so they
 * never outlive an append. Private to `stores/sqlite/`.
 *
 * @module
 */

import type { Row } from "../../../core/schema/schema.ts";
import { DataError, StoreError } from "../../../core/errors.ts";
import type { ReadOptions } from "../../store.ts";
import { quoteId, rowidOf } from "../_codec.ts";
import { LIVE_STAGED, prep, type SqliteCtx, tx } from "../_catalog.ts";
import {
  createPhysicalIn,
  dropPhysical,
  HASH_Q,
  type Staged,
  storeFailure,
} from "../_physical.ts";
import { readTable } from "../_read.ts";

/** The error of a publication whose committed starting point was replaced meanwhile. */
export function changedWhileWriting(
  table: string,
  baseVersion: number | undefined,
  current: number | undefined,
): StoreError {
  return new StoreError(
    `table "${table}" changed while this publication was writing it (it started from version ${baseVersion}, another publication committed version ${
      current ?? "none"
    }); run the node again`,
  );
}

function isTable(ctx: SqliteCtx, name: string): boolean {
  return prep(
    ctx,
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
  ).get(name) !== undefined;
}

/** Runs `fn` on the committed base of `s`; a base dropped by another commit becomes a clear error. */
function onBase<T>(ctx: SqliteCtx, s: Staged, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (s.base !== undefined && !isTable(ctx, s.base.physical)) {
      const cur = prep(ctx, "SELECT version FROM _runnel_tables WHERE name = ?")
        .get(s.table) as { version: number } | undefined;
      throw changedWhileWriting(s.table, s.baseVersion, cur?.version);
    }
    storeFailure(`Cannot read table "${s.table}"`, err);
  }
}

/**
 * Turns a delta into a whole staged version: a new physical table holding
 * the committed rows it started from, then the appended ones. Costs a copy
 * of the table, once per publication; a no-op for other staged versions.
 */
export function promote(ctx: SqliteCtx, s: Staged): void {
  const base = s.base;
  if (base === undefined) return;
  const physical = onBase(
    ctx,
    s,
    () =>
      tx(ctx, () =>
        createPhysicalIn(ctx, s.table, s.def, [
          { physical: base.physical, limit: base.rowCount },
          { physical: s.physical },
        ])),
  );
  LIVE_STAGED.add(physical);
  const delta = s.physical;
  s.physical = physical;
  delete s.base;
  dropPhysical(ctx, delta);
}

function checkCount(table: string, what: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw new DataError(
      `Cannot read table "${table}": ${what} must be a non-negative integer (got ${
        String(v)
      })`,
    );
  }
  return v;
}

/**
 * Reads a staged version. A delta is read in two parts (the committed rows
 * it started from, then the appended ones) unless an order is asked for,
 * which promotes it first.
 */
export function readStaged(
  ctx: SqliteCtx,
  s: Staged,
  opts: ReadOptions = {},
): Row[] {
  if (s.base !== undefined && (opts.orderBy?.length ?? 0) > 0) {
    promote(ctx, s);
  }
  const base = s.base;
  if (base === undefined) {
    return readTable(ctx.db, s.table, s.physical, s.def, opts);
  }
  const offset = opts.offset === undefined
    ? 0
    : checkCount(s.table, "offset", opts.offset);
  const limit = opts.limit === undefined
    ? Infinity
    : checkCount(s.table, "limit", opts.limit);
  const out: Row[] = [];
  if (offset < base.rowCount && limit > 0) {
    const first = onBase(
      ctx,
      s,
      () =>
        readTable(ctx.db, s.table, base.physical, s.def, {
          offset,
          limit: Math.min(limit, base.rowCount - offset),
        }),
    );
    for (const r of first) out.push(r);
  }
  const rest = limit - out.length;
  if (rest > 0) {
    const appended = readTable(ctx.db, s.table, s.physical, s.def, {
      offset: Math.max(0, offset - base.rowCount),
      ...(rest === Infinity ? {} : { limit: rest }),
    });
    for (const r of appended) out.push(r);
  }
  return out;
}

/** A statement on one physical table, cached until the table is dropped. */
function stmtOn(ctx: SqliteCtx, physical: string, key: string, sql: string) {
  let byShape = ctx.writers.get(physical);
  if (byShape === undefined) {
    byShape = new Map();
    ctx.writers.set(physical, byShape);
  }
  let entry = byShape.get(key);
  if (entry === undefined) {
    entry = { stmt: ctx.db.prepare(sql), params: [] };
    byShape.set(key, entry);
  }
  return entry.stmt;
}

/**
 * Inside an append's transaction: whether a row appended after rowid
 * `after` repeats the unique key of a committed row. The committed table's
 * unique index answers; the appended rows' own index caught repeats among
 * them already.
 */
export function repeatsCommittedKey(
  ctx: SqliteCtx,
  s: Staged,
  after: number,
): boolean {
  if (s.base === undefined || s.def.uniqueOn.length === 0) return false;
  const match = s.def.uniqueOn.map((c) => `b.${quoteId(c)} = d.${quoteId(c)}`)
    .join(" AND ");
  return stmtOn(
    ctx,
    s.physical,
    "base-keys",
    `SELECT 1 FROM ${quoteId(s.physical)} AS d WHERE d.${
      rowidOf(s.table, s.names)
    } > ? AND EXISTS (SELECT 1 FROM ${
      quoteId(s.base.physical)
    } AS b WHERE ${match}) LIMIT 1`,
  ).get(after) !== undefined;
}

/** The highest rowid of a staged physical table (0 when empty). */
export function lastRowid(ctx: SqliteCtx, s: Staged): number {
  const rowid = rowidOf(s.table, s.names);
  const r = stmtOn(
    ctx,
    s.physical,
    "last-rowid",
    `SELECT coalesce(max(${rowid}), 0) AS n FROM ${quoteId(s.physical)}`,
  ).get() as { n: number };
  return r.n;
}

/**
 * Inside the commit transaction: appends a delta's rows (row hashes
 * included, in their order) to the committed physical table it started
 * from.
 */
export function applyDelta(ctx: SqliteCtx, s: Staged, into: string): void {
  const cols = [...s.names.map(quoteId), HASH_Q].join(", ");
  ctx.db.exec(
    `INSERT INTO ${quoteId(into)} (${cols}) SELECT ${cols} FROM ${
      quoteId(s.physical)
    } ORDER BY ${rowidOf(s.table, s.names)}`,
  );
}
