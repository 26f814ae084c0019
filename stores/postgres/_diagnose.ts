/**
 * Unique keys of the PostgreSQL store's writes: checking an append to a
 * table filled without its index, and naming the row behind a conflict.
 * The database is asked only on the error path (and when two key hashes
 * collide). Private to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import { describeValue } from "../../core/schema/schema.ts";
import { DataError } from "../../core/errors.ts";
import type { TableDef } from "../store.ts";
import type { PgStaged } from "./_physical.ts";
import { qid, run } from "./_connect.ts";
import { type PgCtx, qualified } from "./_catalog.ts";
import { pgType } from "./_types.ts";

const NOTHING = "nothing of this batch was written";

/** `unique key "id" value "a"` or `unique key (a, b) value (1, "x")`. */
export function renderKey(def: TableDef, row: Row): string {
  const cols = def.uniqueOn;
  if (cols.length === 1) {
    return `unique key "${cols[0]}" value ${describeValue(row[cols[0]!])}`;
  }
  return `unique key (${cols.join(", ")}) value (${
    cols.map((c) => describeValue(row[c])).join(", ")
  })`;
}

/** A key value as text PostgreSQL can cast back to the column's type. */
function keyText(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) {
    return "\\x" +
      Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (typeof v === "boolean") return v ? "t" : "f";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/**
 * Index (within `rows`) of the first row whose key is already in the
 * staged table, or undefined.
 */
export async function existingKeyRow(
  ctx: PgCtx,
  s: { physical: string; def: TableDef },
  rows: readonly Row[],
): Promise<number | undefined> {
  const cols = s.def.uniqueOn;
  const keys = rows.map((r) => cols.map((c) => keyText(r[c])));
  const match = cols.map((c, i) =>
    `t.${qid(c)} = (k.v->>${i})::${
      pgType(s.def.schema[c]!).replace(/ COLLATE .*/, "")
    }`
  ).join(" AND ");
  const found = await run<{ r: number }>(
    ctx.sql,
    `SELECT (k.o - 1)::int AS r
       FROM jsonb_array_elements($1::text::jsonb) WITH ORDINALITY AS k(v, o)
      WHERE EXISTS (SELECT 1 FROM ${
      qualified(ctx, s.physical)
    } AS t WHERE ${match})
      ORDER BY k.o LIMIT 1`,
    [JSON.stringify(keys)],
    false,
  );
  return found[0]?.r;
}

/**
 * Checks the keys of an append to a table without its index against the
 * batch and the rows already written. Returns the key hashes to remember.
 */
export async function checkDeferredKeys(
  ctx: PgCtx,
  s: PgStaged,
  rows: readonly Row[],
  hashes: Float64Array | undefined,
): Promise<void> {
  const hasher = s.hasher!;
  const keys = s.keys!;
  let suspects: number[] | undefined;
  if (hashes !== undefined) {
    for (let r = 0; r < rows.length; r++) {
      if (!keys.add(hashes[r]!)) (suspects ??= []).push(r);
    }
  } else {
    // Noted as written right away, so the batch is checked against itself
    // and later batches against it; a failure marks the keys dirty.
    for (let r = 0; r < rows.length; r++) {
      if (!keys.add(hasher.hash(rows[r]!))) (suspects ??= []).push(r);
    }
  }
  if (suspects === undefined) return;
  // A hash repeats: compare exactly, within the batch, then with the table.
  const first = new Map<string, number>();
  for (let r = 0; r < rows.length; r++) {
    const text = hasher.text(rows[r]!);
    const prev = first.get(text);
    if (prev !== undefined) {
      throw new DataError(
        `Cannot append to table "${s.table}": ${
          renderKey(s.def, rows[r]!)
        } of row ${r} repeats row ${prev} of the batch; ${NOTHING} (use upsert to update existing rows)`,
      );
    }
    first.set(text, r);
  }
  // Earlier batches may still be on their way to the table.
  while (s.inflight.size > 0) await Promise.allSettled([...s.inflight]);
  const found = await existingKeyRow(ctx, s, suspects.map((r) => rows[r]!));
  if (found !== undefined) {
    const r = suspects[found]!;
    throw new DataError(
      `Cannot append to table "${s.table}": ${
        renderKey(s.def, rows[r]!)
      } of row ${r} is already in the table; ${NOTHING} (use upsert to update existing rows)`,
    );
  }
}

export async function uniqueConflict(
  ctx: PgCtx,
  s: PgStaged,
  rows: readonly Row[],
  err: unknown,
): Promise<Error> {
  const hasher = s.hasher!;
  const first = new Map<string, number>();
  for (let r = 0; r < rows.length; r++) {
    const text = hasher.text(rows[r]!);
    const prev = first.get(text);
    if (prev !== undefined) {
      return new DataError(
        `Cannot append to table "${s.table}": ${
          renderKey(s.def, rows[r]!)
        } of row ${r} repeats row ${prev} of the batch; ${NOTHING} (use upsert to update existing rows)`,
      );
    }
    first.set(text, r);
  }
  const found = await existingKeyRow(ctx, s, rows).catch(() => undefined);
  const what = found === undefined
    ? String((err as Error)?.message)
    : `${
      renderKey(s.def, rows[found]!)
    } of row ${found} is already in the table`;
  return new DataError(
    `Cannot append to table "${s.table}": ${what}; ${NOTHING} (use upsert to update existing rows)`,
  );
}
