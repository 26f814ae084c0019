/**
 * Row writes of the PostgreSQL store. Each append or upsert is one binary
 * COPY statement (an upsert copies into a temporary table, then merges
 * with `INSERT … ON CONFLICT`), so a failing batch writes nothing. Rows
 * are encoded, hashed and key-checked as the calls arrive, in call order;
 * two COPYs of a table may run at once (rows keep their order through
 * their hidden positions), so encoding, sending and storing overlap. An
 * append to a table whose keys are checked here (or that has none) returns
 * once its COPY is queued: a failure of that COPY, which only a broken
 * connection or server can cause, fails the table's next operation and
 * the commit (see `_pg_queue.ts`). Private to `stores/postgres.ts`.
 *
 * @module
 */

import type { Row } from "../core/schema.ts";
import { describeValue } from "../core/schema.ts";
import { DataError } from "../core/errors.ts";
import { codeOf, pgFailure, qid, run } from "./_pg_connect.ts";
import { type PgCtx, qualified } from "./_pg_catalog.ts";
import { copyIn } from "./_pg_copy.ts";
import { type Encoded, EncodeError, encodeRows } from "./_pg_encode.ts";
import { addRowHashes, ZERO } from "./_pg_hash.ts";
import { POS_Q } from "./_pg_types.ts";
import { createKeyIndex, type PgStaged } from "./_pg_physical.ts";
import { KeySet } from "./_pg_keys.ts";
import { checkDeferredKeys, uniqueConflict } from "./_pg_diagnose.ts";
import { exclusive, ordered } from "./_pg_queue.ts";

const NOTHING = "nothing of this batch was written";

function encode(
  s: PgStaged,
  rows: readonly Row[],
  verb: string,
): Encoded {
  const lastId = s.lastId;
  const nextPos = s.nextPos;
  try {
    const out = encodeRows(s, rows, new Date(), rows.length * s.rowBytes);
    s.rowBytes = Math.ceil(out.data.length / Math.max(1, rows.length)) + 8;
    return out;
  } catch (err) {
    s.lastId = lastId;
    s.nextPos = nextPos;
    if (err instanceof EncodeError) {
      const v = rows[err.row]?.[err.column];
      throw new DataError(
        `Cannot ${verb} table "${s.table}": column "${err.column}" of row ${err.row} ${err.reason} (value ${
          describeValue(v)
        }); ${NOTHING}`,
      );
    }
    throw err;
  }
}

/** Null unique keys, which PostgreSQL would refuse without naming the row. */
function checkKeys(s: PgStaged, rows: readonly Row[], verb: string): void {
  for (const col of s.def.uniqueOn) {
    if (col === s.def.addMonotonicId) continue;
    for (let r = 0; r < rows.length; r++) {
      if (rows[r]?.[col] == null) {
        throw new DataError(
          `Cannot ${verb} table "${s.table}": column "${col}" of row ${r} is a unique key and must not be null; ${NOTHING}`,
        );
      }
    }
  }
}

/** Appends rows to a staged version; resolves when they are stored. */
export function appendRows(
  ctx: PgCtx,
  s: PgStaged,
  rows: readonly Row[],
): Promise<void> {
  if (rows.length === 0) return Promise.resolve();
  if (s.hasher !== undefined) checkKeys(s, rows, "append to");
  const { data, lo, hi, keys } = encode(s, rows, "append to");
  let deferred = false;
  return ordered(s, async () => {
    if (s.failure !== undefined) throw s.failure;
    if (s.keysDirty) {
      while (s.inflight.size > 0) await Promise.allSettled([...s.inflight]);
      await ensureKeyIndex(ctx, s);
      s.keysDirty = false;
    }
    if (s.keyed || s.keys === undefined) return;
    deferred = true;
    try {
      await checkDeferredKeys(ctx, s, rows, keys);
    } catch (err) {
      s.keysDirty = true;
      throw err;
    }
  }, async () => {
    try {
      await copyIn(
        ctx.sql,
        `COPY ${qualified(ctx, s.physical)} FROM STDIN (FORMAT binary)`,
        data,
      );
    } catch (err) {
      // Its keys were noted as written: let the index judge from now on.
      if (deferred) s.keysDirty = true;
      if (codeOf(err) === "23505") {
        throw await uniqueConflict(ctx, s, rows, err);
      }
      throw pgFailure(
        `Cannot append to table "${s.table}"`,
        err,
        ctx.location,
      );
    }
    if (s.rowCount !== undefined) s.rowCount += rows.length;
    if (s.sums !== undefined) {
      s.sums = { lo: s.sums.lo + BigInt(lo), hi: s.sums.hi + BigInt(hi) };
    }
  }, () => !s.keyed);
}

/** Builds the unique index of a table written without it. */
async function ensureKeyIndex(ctx: PgCtx, s: PgStaged): Promise<void> {
  if (s.keyed) return;
  await createKeyIndex(ctx, ctx.sql, s.physical, s.def).catch((err) => {
    throw pgFailure(
      `Cannot index table "${s.table}"`,
      err,
      ctx.location,
    );
  });
  s.keyed = true;
  s.keys = undefined;
}

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

/** Inserts or updates rows by the unique key; resolves when stored. */
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

/** Removes every row of a staged version (dropping its index: refilling is faster without). */
export function truncateRows(ctx: PgCtx, s: PgStaged): Promise<void> {
  return exclusive(s, async () => {
    if (s.rowCount === 0 && !s.keyed) return; // nothing to remove
    try {
      await run(
        ctx.sql,
        `TRUNCATE ${qualified(ctx, s.physical)}`,
        [],
        false,
      );
      if (s.keyed) {
        await run(
          ctx.sql,
          `DROP INDEX IF EXISTS ${qualified(ctx, s.physical + "_key")}`,
          [],
          false,
        );
      }
    } catch (err) {
      throw pgFailure(`Cannot truncate table "${s.table}"`, err, ctx.location);
    }
    s.keyed = false;
    s.keysDirty = false;
    s.keys = s.hasher !== undefined ? new KeySet() : undefined;
    s.rowCount = 0;
    s.sums = ZERO;
  });
}
