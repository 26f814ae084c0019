/**
 * Row hashes and content versions of the SQLite store. Private to
 * `stores/sqlite/`.
 *
 * Every physical table carries one hidden INTEGER column, {@link HASH_COL},
 * holding a 53-bit hash of the row's stored values in schema order. The
 * writer computes it in JS while encoding rows; SQL that produces rows
 * (materialize, upserts that keep columns, migration) calls the same
 * function registered as {@link HASH_FN}. Both hash a value by what SQLite
 * stores, with a type tag: numbers by numeric value (integer 3 and real 3.0
 * are the same SQLite value once affinity has been applied, so they hash
 * alike), text by UTF-16 code units, blobs by bytes, NaN as NULL (SQLite
 * stores NaN as NULL).
 *
 * A table's content version combines a hash of its definition with
 * `count(*)`, `sum(h & 0x7fffffff)` and `sum(h >> 31)`: exact integer sums,
 * so the rows count as a multiset (order-free, duplicates count) and the
 * sums can be kept up to date while appending, without rescanning.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { TableDef } from "../store.ts";
import { defHash, hashRow } from "../_row_hash.ts";

export { hashRow };

/** Name of the hidden row-hash column; no user column can have it (not an identifier). */
export const HASH_COL = "runnel:rh";

/** Name of the SQL function computing a row hash from its values, in schema order. */
export const HASH_FN = "runnel_row_hash";

/** Exact sums of the row hashes' low 31 and high 22 bits. */
export interface HashSums {
  lo: bigint;
  hi: bigint;
}

/** The low 31 bits of a row hash. */
export function hashLo(h: number): number {
  return h & 0x7fffffff;
}

/** The high 22 bits of a row hash. */
export function hashHi(h: number): number {
  return Math.floor(h / 2147483648);
}

/** Registers {@link HASH_FN} on a connection. */
export function registerHashFunction(db: DatabaseSync): void {
  db.function(
    HASH_FN,
    { deterministic: true, varargs: true, useBigIntArguments: true },
    (...args: unknown[]) => hashRow(args, 0, args.length),
  );
}

/**
 * The content version of a table: its definition, row count and row-hash
 * sums. Equal contents (as a multiset of rows) give equal strings.
 */
export function contentVersion(
  def: TableDef,
  rowCount: number,
  sums: HashSums,
): string {
  return `${defHash(def)}.${rowCount.toString(36)}.${sums.lo.toString(36)}.${
    sums.hi.toString(36)
  }`;
}

/** SQL selecting `n`, `lo` and `hi` (as text, exact) of a physical table. */
export function sumsSql(quotedTable: string): string {
  const h = `"${HASH_COL}"`;
  return `SELECT count(*) AS n, CAST(coalesce(sum(${h} & 2147483647), 0) AS TEXT) AS lo, CAST(coalesce(sum(${h} >> 31), 0) AS TEXT) AS hi FROM ${quotedTable}`;
}
