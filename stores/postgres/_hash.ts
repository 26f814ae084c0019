/**
 * Content versions of the PostgreSQL store. As in the SQLite store, a
 * table's content version combines a hash of its definition with its row
 * count and the exact sums of its rows' 53-bit hashes, so rows count as a
 * multiset. A row's hash is taken over its binary COPY encoding (see
 * `hashBytes` in `_encode.ts`), which is the same for a row as written
 * and as read back: the writer hashes appended rows while encoding them,
 * an upsert re-encodes the rows it replaces, and a materialized result is
 * scanned once. So every write path gives equal versions for equal
 * contents, and a commit needs no pass over the table. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import type { TableDef } from "../store.ts";
import { defHash } from "../_row_hash.ts";
import { K } from "./_types.ts";
import { qid } from "./_connect.ts";
import { encodeRows } from "./_encode.ts";

/** Exact sums of the row hashes' low 31 bits and high 22 bits. */
export interface HashSums {
  lo: bigint;
  hi: bigint;
}

/** Sums of an empty table. */
export const ZERO: HashSums = { lo: 0n, hi: 0n };

/** Kinds that hash stored rows as they are: nothing is generated. */
function storedKinds(kinds: Uint8Array): Uint8Array {
  return kinds.map((k) =>
    k === K.CREATED ? K.TIMESTAMPTZ : k === K.MONO ? K.INT8 : k
  );
}

/** Adds the hashes of `rows` (or subtracts them, `sign` -1) to `sums`. */
export function addRowHashes(
  sums: HashSums,
  rows: readonly Row[],
  names: readonly string[],
  kinds: Uint8Array,
  sign: 1 | -1 = 1,
): HashSums {
  if (rows.length === 0) return sums;
  const target = {
    names: [...names],
    kinds: storedKinds(kinds),
    lastId: 0,
    nextPos: 0,
  };
  const { lo, hi } = encodeRows(target, rows, new Date(), rows.length * 64);
  const s = BigInt(sign);
  return { lo: sums.lo + s * BigInt(lo), hi: sums.hi + s * BigInt(hi) };
}

/** The content version of a definition, row count and hash sums. */
export function contentVersion(
  def: TableDef,
  n: number,
  sums: HashSums,
): string {
  return `${defHash(def)}.${n.toString(36)}.${sums.lo.toString(36)}.${
    sums.hi.toString(36)
  }`;
}

/** The SELECT a scan of a physical table's user columns runs. */
export function scanSql(qualified: string, names: readonly string[]): string {
  return `SELECT ${names.map(qid).join(", ")} FROM ${qualified}`;
}
