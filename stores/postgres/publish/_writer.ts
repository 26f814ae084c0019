/**
 * Row writes of the PostgreSQL store. Each append or upsert is one binary
 * COPY statement (an upsert copies into a temporary table, then merges
 * with `INSERT … ON CONFLICT`: `_upsert.ts`), so a failing batch writes
 * nothing. Rows
 * are encoded, hashed and key-checked as the calls arrive, in call order;
 * two COPYs of a table may run at once (rows keep their order through
 * their hidden positions), so encoding, sending and storing overlap. An
 * append to a table whose keys are checked here (or that has none) returns
 * once its COPY is queued: a failure of that COPY, which only a broken
 * connection or server can cause, fails the table's next operation and
 * the commit (see `_queue.ts`). Private to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../../core/schema/schema.ts";
import { describeValue } from "../../../core/schema/schema.ts";
import { DataError } from "../../../core/errors.ts";
import { codeOf, pgFailure, run } from "../_connect.ts";
import { type PgCtx, qualified } from "../_catalog.ts";
import { copyIn } from "./_copy.ts";
import { type Encoded, EncodeError, encodeRows } from "../_encode.ts";
import { ZERO } from "../_hash.ts";
import { createKeyIndex, type PgStaged } from "../_physical.ts";
import { KeySet } from "../_keys.ts";
import { checkDeferredKeys, uniqueConflict } from "../_diagnose.ts";
import { exclusive, ordered } from "./_queue.ts";
import { checkCommittedKeys } from "./_delta.ts";

const NOTHING = "nothing of this batch was written";

/** Encodes rows for a COPY (hashes, keys, generated values); a bad value is a DataError naming it. */
export function encode(
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

/** Refuses null unique keys, which PostgreSQL would refuse without naming the row. */
export function checkKeys(
  s: PgStaged,
  rows: readonly Row[],
  verb: string,
): void {
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
    await checkCommittedKeys(ctx, s, rows);
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
export async function ensureKeyIndex(ctx: PgCtx, s: PgStaged): Promise<void> {
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

/** Removes every row of a staged version, a delta's committed ones too (and its index: refilling is faster without). */
export function truncateRows(ctx: PgCtx, s: PgStaged): Promise<void> {
  return exclusive(s, async () => {
    if (s.rowCount === 0 && !s.keyed && !s.base) return; // nothing to remove
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
    delete s.base;
    delete s.baseVersion;
  });
}
