/**
 * Upserts of the PostgreSQL store: the batch is merged by key, copied into
 * a temporary table and merged with `INSERT … ON CONFLICT` in one
 * transaction, and the rows it replaces leave the row-hash sums. Private
 * to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../../core/schema/schema.ts";
import { pgFailure, qid, run } from "../_connect.ts";
import { type PgCtx, qualified } from "../_catalog.ts";
import { copyIn } from "./_copy.ts";
import { addRowHashes } from "../_hash.ts";
import { POS_Q } from "../_types.ts";
import type { PgStaged } from "../_physical.ts";
import { exclusive } from "./_queue.ts";
import { checkKeys, encode, ensureKeyIndex } from "./_writer.ts";

/**
 * One row per key: the last row's values, but the generated columns
 * (`addCreated`, `addMonotonicId`) of the key's first row, as if the rows
 * had been upserted one by one.
 */
function mergeByKey(s: PgStaged, rows: readonly Row[], now: Date): Row[] {
  const created = s.def.addCreated;
  const mono = s.def.addMonotonicId;
  const byKey = new Map<string, number>();
  const out: Row[] = [];
  for (const row of rows) {
    const r: Row = { ...row };
    if (created !== undefined && r[created] == null) r[created] = now;
    if (mono !== undefined) {
      if (r[mono] == null) r[mono] = ++s.lastId;
      else if (typeof r[mono] === "number" && r[mono] > s.lastId) {
        s.lastId = r[mono] as number;
      }
    }
    const key = s.hasher!.text(r);
    const at = byKey.get(key);
    if (at === undefined) {
      byKey.set(key, out.length);
      out.push(r);
      continue;
    }
    const prev = out[at]!;
    if (created !== undefined) r[created] = prev[created];
    if (mono !== undefined) r[mono] = prev[mono];
    out[at] = r;
  }
  return out;
}

/** Upserts by the unique key (into no delta: promote it first); resolves when stored. */
export function upsertRows(
  ctx: PgCtx,
  s: PgStaged,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  checkKeys(s, rows, "upsert into");
  const lastId = s.lastId;
  const merged = mergeByKey(s, rows, new Date());
  let data: Uint8Array;
  try {
    data = encode(s, merged, "upsert into").data;
  } catch (err) {
    s.lastId = lastId;
    throw err;
  }
  return exclusive(s, async () => {
    await ensureKeyIndex(ctx, s);
    s.keysDirty = false;
    const keep = new Set<string>(s.def.uniqueOn);
    if (s.def.addCreated) keep.add(s.def.addCreated);
    if (s.def.addMonotonicId) keep.add(s.def.addMonotonicId);
    const set = s.names.filter((c) => !keep.has(c)).map((c) =>
      `${qid(c)} = excluded.${qid(c)}`
    );
    const cols = [...s.names.map(qid), POS_Q].join(", ");
    const keys = s.def.uniqueOn.map(qid).join(", ");
    const conflict = `ON CONFLICT (${keys}) ${
      set.length === 0 ? "DO NOTHING" : `DO UPDATE SET ${set.join(", ")}`
    }`;
    const table = qualified(ctx, s.physical);
    let replaced: Row[] = [];
    try {
      await ctx.sql.begin(async (tx) => {
        await run(
          tx,
          `CREATE TEMP TABLE "runnel:upsert" (LIKE ${
            qualified(ctx, s.physical)
          }) ON COMMIT DROP`,
          [],
          false,
        );
        await copyIn(
          tx,
          `COPY "runnel:upsert" FROM STDIN (FORMAT binary)`,
          data,
        );
        // The rows it replaces, as they were: their hashes leave the sums.
        replaced = await run<Row>(
          tx,
          `WITH old AS (
             SELECT ${s.names.map(qid).join(", ")} FROM ${table}
              WHERE (${keys}) IN (SELECT ${keys} FROM "runnel:upsert")),
           ins AS (
             INSERT INTO ${table} (${cols}) SELECT ${cols} FROM "runnel:upsert"
              ORDER BY ${POS_Q} ${conflict} RETURNING 1)
           SELECT * FROM old`,
          [],
          false,
        );
      });
    } catch (err) {
      throw pgFailure(
        `Cannot upsert into table "${s.table}"`,
        err,
        ctx.location,
      );
    }
    if (s.rowCount !== undefined) {
      s.rowCount += merged.length - replaced.length;
    }
    if (s.sums !== undefined) {
      s.sums = addRowHashes(
        addRowHashes(s.sums, replaced, s.names, s.kinds, -1),
        finalRows(s, merged, replaced, keep),
        s.names,
        s.kinds,
      );
    }
  });
}

/** The rows an upsert leaves: new rows as given; replaced ones keep their key and kept columns. */
function finalRows(
  s: PgStaged,
  merged: readonly Row[],
  replaced: readonly Row[],
  keep: Set<string>,
): Row[] {
  const old = new Map<string, Row>();
  for (const r of replaced) old.set(s.hasher!.text(r), r);
  return merged.map((r) => {
    const prev = old.get(s.hasher!.text(r));
    if (prev === undefined) return r;
    const out: Row = { ...r };
    for (const c of keep) out[c] = prev[c];
    return out;
  });
}
