/**
 * The fast row writer of the SQLite store. Rows go in through cached
 * multi-row INSERT statements, one transaction per batch; each row's hash
 * is computed while its values are encoded. Private to `stores/sqlite/`.
 *
 * @module
 */

import type { StatementSync } from "node:sqlite";
import type { Row } from "../../../core/schema/schema.ts";
import {
  K_BOOL,
  K_CREATED,
  K_DATETIME,
  K_JSON,
  K_MONO,
  K_PLAIN,
  quoteId,
} from "../_codec.ts";
import { type SqliteCtx, tx } from "../_catalog.ts";
import { diagnoseWriteError } from "../_diagnose.ts";
import { HASH_FN, hashHi, hashLo, hashRow } from "../_hash.ts";
import { HASH_Q, type Staged } from "../_physical.ts";
import { lastRowid, repeatsCommittedKey } from "./_delta.ts";

/** SQLite's default limit on bound parameters is 32766. */
const MAX_PARAMS = 32000;
const MAX_ROWS_PER_STATEMENT = 128;

/** The `ON CONFLICT` clause of upserts: update every column but the kept ones. */
function upsertClause(s: Staged): string {
  const keep = new Set([
    ...s.def.uniqueOn,
    s.def.addCreated,
    s.def.addMonotonicId,
  ]);
  const set = s.names.filter((c) => !keep.has(c)).map((c) =>
    `${quoteId(c)} = excluded.${quoteId(c)}`
  );
  if (set.length === 0) {
    return ` ON CONFLICT (${
      s.def.uniqueOn.map(quoteId).join(", ")
    }) DO NOTHING`;
  }
  // The hash computed in JS is right unless a kept column other than the
  // key (equal by definition) keeps its stored value: then SQL rehashes
  // the final row.
  const rehash = s.def.addCreated !== undefined ||
    s.def.addMonotonicId !== undefined;
  const hash = rehash
    ? `${HASH_FN}(${
      s.names.map((c) => keep.has(c) ? quoteId(c) : `excluded.${quoteId(c)}`)
        .join(", ")
    })`
    : `excluded.${HASH_Q}`;
  set.push(`${HASH_Q} = ${hash}`);
  return ` ON CONFLICT (${
    s.def.uniqueOn.map(quoteId).join(", ")
  }) DO UPDATE SET ${set.join(", ")}`;
}

function statementFor(
  ctx: SqliteCtx,
  s: Staged,
  upsert: boolean,
  n: number,
): { stmt: StatementSync; params: unknown[] } {
  let byShape = ctx.writers.get(s.physical);
  if (byShape === undefined) {
    byShape = new Map();
    ctx.writers.set(s.physical, byShape);
  }
  const key = `${upsert ? "u" : "a"}${n}`;
  let entry = byShape.get(key);
  if (entry === undefined) {
    const cols = [...s.names.map(quoteId), HASH_Q];
    const tuple = `(${cols.map(() => "?").join(", ")})`;
    let sql = `INSERT INTO ${quoteId(s.physical)} (${cols.join(", ")}) VALUES ${
      new Array(n).fill(tuple).join(", ")
    }`;
    if (upsert) sql += upsertClause(s);
    entry = { stmt: ctx.db.prepare(sql), params: new Array(n * cols.length) };
    byShape.set(key, entry);
  }
  return entry;
}

/** Sums of the hashes of the rows {@link fill} encoded last. */
let chunkLo = 0;
let chunkHi = 0;

/**
 * Encodes rows[start, start+n) into `params`, filling generated columns
 * and appending each row's hash after its values.
 */
function fill(
  params: unknown[],
  rows: readonly Row[],
  start: number,
  n: number,
  s: Staged,
  now: string,
): void {
  const names = s.names;
  const kinds = s.kinds;
  const nc = names.length;
  const end = start + n;
  let p = 0;
  let lo = 0;
  let hi = 0;
  for (let r = start; r < end; r++) {
    const row = rows[r]!;
    const first = p;
    for (let c = 0; c < nc; c++) {
      let v = row[names[c]!];
      const k = kinds[c]!;
      if (k === K_PLAIN) {
        if (v === undefined) v = null;
      } else if (v === null || v === undefined) {
        v = k === K_CREATED ? now : k === K_MONO ? ++s.lastId : null;
      } else if (k === K_DATETIME || k === K_CREATED) {
        if (v instanceof Date) v = v.toISOString();
      } else if (k === K_BOOL) {
        v = v === true ? 1 : v === false ? 0 : v;
      } else if (k === K_JSON) {
        v = JSON.stringify(v);
      } else if (k === K_MONO) {
        if (typeof v === "number" && v > s.lastId) s.lastId = v;
      }
      params[p++] = v;
    }
    const h = hashRow(params, first, nc);
    lo += hashLo(h);
    hi += hashHi(h);
    params[p++] = h;
  }
  chunkLo = lo;
  chunkHi = hi;
}

/**
 * Writes `rows` into a staged version in one transaction, appending or
 * upserting (never into a delta: promote it first). On any failure nothing
 * of the batch is written and the error says which row and column caused
 * it.
 */
export function writeRows(
  ctx: SqliteCtx,
  s: Staged,
  rows: readonly Row[],
  upsert: boolean,
): void {
  if (rows.length === 0) return;
  const nc = s.names.length + 1;
  let perStmt = MAX_ROWS_PER_STATEMENT;
  while (perStmt > 1 && perStmt * nc > MAX_PARAMS) perStmt >>= 1;
  const now = new Date().toISOString();
  const lastIdBefore = s.lastId;
  let chunkStart = 0;
  // Exact sums of the batch's row hashes: < 2^31 per row, so a number
  // holds up to 2^22 rows exactly; fold into bigints every 4096 rows.
  let lo = 0n;
  let hi = 0n;
  let pendLo = 0;
  let pendHi = 0;
  let pendRows = 0;
  // A delta's own index sees repeats among appended rows; committed keys
  // are checked after the inserts, against the committed table's index.
  const keyedDelta = s.base !== undefined && s.def.uniqueOn.length > 0;
  try {
    tx(ctx, () => {
      const after = keyedDelta ? lastRowid(ctx, s) : 0;
      const total = rows.length;
      while (chunkStart < total) {
        let n = perStmt;
        while (n > total - chunkStart) n >>= 1;
        const { stmt, params } = statementFor(ctx, s, upsert, n);
        fill(params, rows, chunkStart, n, s, now);
        stmt.run(...(params as (string | number | null)[]));
        chunkStart += n;
        pendLo += chunkLo;
        pendHi += chunkHi;
        pendRows += n;
        if (pendRows >= 4096) {
          lo += BigInt(pendLo);
          hi += BigInt(pendHi);
          pendLo = pendHi = pendRows = 0;
        }
      }
      if (keyedDelta && repeatsCommittedKey(ctx, s, after)) {
        throw new Error("UNIQUE constraint failed: a committed row's key");
      }
    });
  } catch (err) {
    s.lastId = lastIdBefore;
    throw diagnoseWriteError(ctx, s, rows, upsert, chunkStart, err);
  }
  if (upsert) {
    s.rowCount = undefined;
    s.sums = undefined;
    return;
  }
  if (s.rowCount !== undefined) s.rowCount += rows.length;
  if (s.sums !== undefined) {
    s.sums = {
      lo: s.sums.lo + lo + BigInt(pendLo),
      hi: s.sums.hi + hi + BigInt(pendHi),
    };
  }
}
