/**
 * Reading rows of one physical table version of the PostgreSQL store.
 * Private to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import { DataError } from "../../core/errors.ts";
import type { ReadOptions, TableDef } from "../store.ts";
import { type AnySql, qid } from "./_connect.ts";
import { POS_Q } from "./_types.ts";
import { type CatalogRow, type PgCtx, qualified } from "./_catalog.ts";
import { indexedOrder, orderError } from "../_order_plan.ts";
import { readSorted, toRows } from "./_order.ts";

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

/** The SELECT reading `qualified` as `opts` asks, and its parameters. */
export function readSql(
  table: string,
  qualified: string,
  def: TableDef,
  opts: ReadOptions = {},
): { text: string; params: (number | null)[] } {
  const names = Object.keys(def.schema);
  const order: string[] = [];
  for (const o of opts.orderBy ?? []) {
    const bad = orderError(table, def, o.column);
    if (bad !== undefined) throw new DataError(bad);
    // NULL is the smallest value, as in SQLite.
    order.push(
      `${qid(o.column)} ${o.desc ? "DESC NULLS LAST" : "ASC NULLS FIRST"}`,
    );
  }
  // Ties in insertion order, reversed after a descending first column.
  order.push(opts.orderBy?.[0]?.desc ? `${POS_Q} DESC` : POS_Q);
  let text = `SELECT ${names.map(qid).join(", ")} FROM ${qualified} ORDER BY ${
    order.join(", ")
  }`;
  const params: (number | null)[] = [];
  if (opts.limit !== undefined || opts.offset !== undefined) {
    text += " LIMIT $1 OFFSET $2";
    params.push(
      opts.limit === undefined ? null : checkCount(table, "limit", opts.limit),
      opts.offset === undefined ? 0 : checkCount(table, "offset", opts.offset),
    );
  }
  return { text, params };
}

/**
 * Reads rows of a physical table as canonical row objects (user columns,
 * schema order). Insertion order unless `opts.orderBy`; then NULL sorts as
 * the smallest value and ties keep insertion order — reversed when the
 * first order column is descending, so a descending order is exactly the
 * reverse of the ascending one (see `_order_keyset.ts`).
 */
export async function readTable(
  sql: AnySql,
  table: string,
  qualified: string,
  def: TableDef,
  opts?: ReadOptions,
): Promise<Row[]> {
  const names = Object.keys(def.schema);
  const { text, params } = readSql(table, qualified, def, opts);
  const raw = await sql.unsafe(text, params, { prepare: false }).values();
  return toRows(raw as unknown as unknown[][], names);
}

/**
 * Reads rows of the committed version `c` of `table` as {@link readTable}
 * does. A page of a large table goes through an index on its order
 * (`runnel:pos` alone for insertion order), built the first time that
 * order is asked for, and starts from a bookmark (see `_order.ts`).
 */
export async function readCommitted(
  ctx: PgCtx,
  table: string,
  c: CatalogRow,
  opts?: ReadOptions,
): Promise<Row[]> {
  const terms = indexedOrder(c.def, c.rowCount, opts);
  if (terms !== undefined) {
    const rows = await readSorted(ctx, table, c, terms, opts!);
    if (rows !== undefined) return rows;
  }
  return await readTable(
    ctx.sql,
    table,
    qualified(ctx, c.physical),
    c.def,
    opts,
  );
}
