/**
 * Reading rows of one physical table version. Private to `stores/sqlite.ts`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { Row } from "../core/schema.ts";
import { DataError } from "../core/errors.ts";
import type { ReadOptions, TableDef } from "./store.ts";
import { columnKinds, decodeRows, quoteId } from "./_sqlite_codec.ts";

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
 * order). Insertion order unless `opts.orderBy`; ties keep insertion order.
 */
export function readTable(
  db: DatabaseSync,
  table: string,
  physical: string,
  def: TableDef,
  opts: ReadOptions = {},
): Row[] {
  const names = Object.keys(def.schema);
  const order: string[] = [];
  for (const o of opts.orderBy ?? []) {
    const type = def.schema[o.column];
    if (type === undefined) {
      throw new DataError(
        `Cannot order table "${table}" by "${o.column}": no such column (columns: ${
          names.join(", ")
        })`,
      );
    }
    const expr = type === "Decimal"
      ? `CAST(${quoteId(o.column)} AS REAL)`
      : quoteId(o.column);
    order.push(`${expr}${o.desc ? " DESC" : ""}`);
  }
  order.push("rowid");
  let sql = `SELECT ${names.map(quoteId).join(", ")} FROM ${
    quoteId(physical)
  } ORDER BY ${order.join(", ")}`;
  const params: number[] = [];
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
