/**
 * Turns a failed row batch into an error that names the table, the row and
 * the offending value. Runs only on the error path, after the rollback.
 * Private to `stores/sqlite/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import { describeValue } from "../../core/schema/schema.ts";
import { DataError, StoreError } from "../../core/errors.ts";
import { encodeValue, quoteId } from "./_codec.ts";
import type { SqliteCtx } from "./_catalog.ts";
import type { Staged } from "./_physical.ts";

const NOTHING = "nothing of this batch was written";

/** Builds the error to throw for a batch that SQLite refused. */
export function diagnoseWriteError(
  ctx: SqliteCtx,
  s: Staged,
  rows: readonly Row[],
  upsert: boolean,
  chunkStart: number,
  err: unknown,
): Error {
  const msg = String((err as Error)?.message ?? err);
  const verb = upsert ? "upsert into" : "append to";
  const head = `Cannot ${verb} table "${s.table}"`;
  if (msg.includes("UNIQUE constraint failed")) {
    return new DataError(
      `${head}: ${duplicate(ctx, s, rows)}; ${NOTHING}${
        upsert ? "" : " (use upsert to update existing rows)"
      }`,
    );
  }
  if (msg.includes("NOT NULL constraint failed")) {
    for (let r = 0; r < rows.length; r++) {
      const col = s.def.uniqueOn.find((c) => rows[r]?.[c] == null);
      if (col !== undefined) {
        return new DataError(
          `${head}: column "${col}" of row ${r} is a unique key and must not be null; ${NOTHING}`,
        );
      }
    }
  }
  const bind = /cannot be bound to SQLite parameter (\d+)/.exec(msg);
  if (bind !== null) {
    const i = Number(bind[1]) - 1;
    const nc = s.names.length + 1; // each row binds its hash last
    const r = chunkStart + Math.floor(i / nc);
    const col = s.names[i % nc] ?? "?";
    return new DataError(
      `${head}: column "${col}" of row ${r} holds a value that does not fit type ${
        s.def.schema[col]
      } (value ${
        describeValue(rows[r]?.[col])
      }); coerce rows to the table schema first; ${NOTHING}`,
    );
  }
  if (err instanceof TypeError || err instanceof RangeError) {
    return new DataError(`${head}: ${msg}; ${NOTHING}`, { cause: err });
  }
  if (err instanceof DataError || err instanceof StoreError) return err;
  return new StoreError(`${head}: ${msg}; ${NOTHING}`, { cause: err });
}

function keyOf(s: Staged, row: Row | undefined): unknown[] | undefined {
  const out: unknown[] = [];
  for (const col of s.def.uniqueOn) {
    const v = row?.[col];
    if (v === null || v === undefined) return undefined;
    out.push(encodeValue(s.kinds[s.names.indexOf(col)] ?? 0, v));
  }
  return out;
}

function renderKey(s: Staged, row: Row): string {
  const cols = s.def.uniqueOn;
  if (cols.length === 1) {
    return `unique key "${cols[0]}" value ${describeValue(row[cols[0]!])}`;
  }
  return `unique key (${cols.join(", ")}) value (${
    cols.map((c) => describeValue(row[c])).join(", ")
  })`;
}

/** Finds the first row whose key repeats an earlier row or an existing one. */
function duplicate(ctx: SqliteCtx, s: Staged, rows: readonly Row[]): string {
  const seen = new Map<string, number>();
  // A delta's committed rows live in its base table.
  const where = s.def.uniqueOn.map((c) => `${quoteId(c)} = ?`).join(" AND ");
  const tables = [s.physical, ...(s.base ? [s.base.physical] : [])];
  const exists = ctx.db.prepare(
    tables.map((t) => `SELECT 1 FROM ${quoteId(t)} WHERE ${where}`).join(
      " UNION ALL ",
    ) + " LIMIT 1",
  );
  for (let r = 0; r < rows.length; r++) {
    const key = keyOf(s, rows[r]);
    if (key === undefined) continue;
    const text = JSON.stringify(
      key,
      (_k, v) => v instanceof Uint8Array ? Array.from(v) : v,
    );
    const first = seen.get(text);
    if (first !== undefined) {
      return `${
        renderKey(s, rows[r]!)
      } of row ${r} repeats row ${first} of the batch`;
    }
    seen.set(text, r);
    const args = tables.flatMap(() => key) as (string | number)[];
    if (exists.get(...args) !== undefined) {
      return `${renderKey(s, rows[r]!)} of row ${r} is already in the table`;
    }
  }
  return "a row repeats the unique key (" + s.def.uniqueOn.join(", ") + ")";
}
