/**
 * Reading rows of one physical table version. Private to `stores/sqlite/`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Row } from "../../core/schema/schema.ts";
import { DataError } from "../../core/errors.ts";
import type { ReadOptions, TableDef } from "../store.ts";
import { columnKinds, decodeRows, quoteId, rowidOf } from "./_codec.ts";
import { type CatalogRow, getCatalog, type SqliteCtx } from "./_catalog.ts";
import {
  indexedOrder,
  orderError,
  orderStats,
  orderTuning,
  type Term,
} from "../_order_plan.ts";
import { orderExpr, readSorted } from "./_order.ts";

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
 * Reads rows of `physical` as canonical row objects (user columns, schema
 * order). Insertion order unless `opts.orderBy`; then NULL sorts as the
 * smallest value and ties keep insertion order — reversed when the first
 * order column is descending, so a descending order is exactly the
 * reverse of the ascending one (see `_order_keyset.ts`). With `upTo`, only
 * the rows up to that rowid (those a read snapshot shows, see
 * `_snapshot.ts`).
 */
export function readTable(
  db: DatabaseSync,
  table: string,
  physical: string,
  def: TableDef,
  opts: ReadOptions = {},
  upTo?: number,
): Row[] {
  const names = Object.keys(def.schema);
  const order: string[] = [];
  for (const o of opts.orderBy ?? []) {
    const bad = orderError(table, def, o.column);
    if (bad !== undefined) throw new DataError(bad);
    order.push(
      `${orderExpr(o.column, def.schema[o.column])}${o.desc ? " DESC" : ""}`,
    );
  }
  const rowid = rowidOf(table, names);
  order.push(opts.orderBy?.[0]?.desc ? `${rowid} DESC` : rowid);
  const params: number[] = [];
  let sql = `SELECT ${names.map(quoteId).join(", ")} FROM ${quoteId(physical)}`;
  if (upTo !== undefined) {
    sql += ` WHERE ${rowid} <= ?`;
    params.push(upTo);
  }
  sql += ` ORDER BY ${order.join(", ")}`;
  if (opts.limit !== undefined || opts.offset !== undefined) {
    sql += " LIMIT ? OFFSET ?";
    params.push(
      opts.limit === undefined ? -1 : checkCount(table, "limit", opts.limit),
      opts.offset === undefined ? 0 : checkCount(table, "offset", opts.offset),
    );
  }
  const st = db.prepare(sql);
  (st as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(
    true,
  );
  const raw = st.all(...params) as unknown as unknown[][];
  return decodeRows(raw, names, columnKinds(def));
}

/**
 * The order a page of the committed version `c` is read in through an
 * order index (see `_order.ts`), or undefined when it needs none.
 */
export function sortedTerms(
  c: CatalogRow,
  opts: ReadOptions | undefined,
): Term[] | undefined {
  const terms = indexedOrder(c.def, c.rowCount, opts);
  return terms !== undefined && terms.length > 0 ? terms : undefined;
}

/**
 * Reads rows of the committed version `c` of `table` as {@link readTable}
 * does. A sorted page of a large table goes through its order index when
 * it has one (`ensureOrderIndex` builds it beforehand, off the thread),
 * and starts from a bookmark (see `_order.ts`); a deep unsorted page seeks
 * by rowid.
 */
export function readCommitted(
  ctx: SqliteCtx,
  table: string,
  c: CatalogRow,
  opts?: ReadOptions,
): Row[] {
  const terms = indexedOrder(c.def, c.rowCount, opts);
  // In insertion (rowid) order, only a deep offset needs a seek or marks.
  if (
    terms !== undefined &&
    (terms.length > 0 || (opts?.offset ?? 0) >= orderTuning.step)
  ) {
    const rows =
      (terms.length === 0 ? seekByRowid(ctx, table, c, opts!) : undefined) ??
        readSorted(ctx, table, c, terms, opts!);
    if (rows !== undefined) return rows;
  }
  return readTable(ctx.db, table, c.physical, c.def, opts);
}

/**
 * A deep page in insertion order straight from the rowid b-tree, when the
 * version's rows have consecutive rowids (no upsert replaced any): row
 * `offset` is then rowid `first + offset`. Undefined otherwise, or when the
 * version changed meanwhile. Reads one snapshot.
 */
function seekByRowid(
  ctx: SqliteCtx,
  table: string,
  c: CatalogRow,
  opts: ReadOptions,
): Row[] | undefined {
  const offset = checkCount(table, "offset", opts.offset ?? 0);
  const limit = checkCount(table, "limit", opts.limit ?? 0);
  const names = Object.keys(c.def.schema);
  const rowid = rowidOf(table, names);
  const from = quoteId(c.physical);
  ctx.db.exec("BEGIN");
  try {
    if (getCatalog(ctx, table)?.physical !== c.physical) return undefined;
    // Two subqueries: SQLite answers a lone min() or max() from the b-tree,
    // but scans the table for both in one SELECT.
    const span = ctx.db.prepare(
      `SELECT (SELECT min(${rowid}) FROM ${from}) AS lo, (SELECT max(${rowid}) FROM ${from}) AS hi`,
    ).get() as { lo: number | null; hi: number | null };
    if (span.lo === null || span.hi === null) return undefined;
    if (span.hi - span.lo + 1 !== c.rowCount) return undefined;
    const st = ctx.db.prepare(
      `SELECT ${
        names.map(quoteId).join(", ")
      } FROM ${from} WHERE ${rowid} >= ? ORDER BY ${rowid} LIMIT ?`,
    );
    (st as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(
      true,
    );
    const raw = st.all(span.lo + offset, limit) as unknown as unknown[][];
    orderStats.rowidSeeks++;
    return decodeRows(raw, names, columnKinds(c.def));
  } finally {
    ctx.db.exec("COMMIT");
  }
}
