/**
 * Reading rows of one physical table version of the PostgreSQL store.
 * Private to `stores/postgres.ts`.
 *
 * @module
 */

import type { Row } from "../core/schema.ts";
import { DataError } from "../core/errors.ts";
import type { ReadOptions, TableDef } from "./store.ts";
import { type AnySql, qid } from "./_pg_connect.ts";
import { POS_Q } from "./_pg_types.ts";

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
    if (def.schema[o.column] === undefined) {
      throw new DataError(
        `Cannot order table "${table}" by "${o.column}": no such column (columns: ${
          names.join(", ")
        })`,
      );
    }
    // NULLs sort first, as in SQLite.
    order.push(
      `${qid(o.column)} ${o.desc ? "DESC NULLS LAST" : "ASC NULLS FIRST"}`,
    );
  }
  order.push(POS_Q);
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
 * schema order). Insertion order unless `opts.orderBy`; ties keep it.
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
  const out: Row[] = new Array(raw.length);
  const n = names.length;
  for (let r = 0; r < raw.length; r++) {
    const src = raw[r] as unknown[];
    const row: Row = {};
    for (let c = 0; c < n; c++) row[names[c]!] = src[c];
    out[r] = row;
  }
  return out;
}
