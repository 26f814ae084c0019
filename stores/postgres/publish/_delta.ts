/**
 * Append-only publications of the PostgreSQL store, at the cost of what
 * they append. A publication that only appends to a table whose definition
 * is the committed one stages the appended rows alone, in a physical table
 * of their own (a _delta_, see `PgStaged.base`), with positions continuing
 * the committed ones; the commit inserts them into the committed physical
 * table inside the commit transaction, instead of copying the whole table.
 * Other sessions see the committed rows until then (MVCC), and the
 * committed rows a delta started from stay recognisable by position even
 * when another publication appends in place meanwhile (the delta's own
 * commit is then refused). Reads see the committed rows plus the delta
 * through one `UNION ALL`; what needs one table (an upsert, SQL) first
 * _promotes_ the delta into a full copy, as the copy-on-write path always
 * did. Unique keys are checked against the committed table's index, so a
 * delta needs one: a table committed without it gets it first, once
 * ({@link indexCommitted}). Versions appended in place share their
 * physical table in `_runnel_table_versions`: the history records
 * provenance, never a readable old version (replaced versions are dropped
 * at once, too), and the order bookmarks of `_order_keyset.ts` are keyed
 * by content version and row count, so they never outlive an append.
 * Private to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../../core/schema/schema.ts";
import { DataError, StoreError } from "../../../core/errors.ts";
import type { ReadOptions } from "../../store.ts";
import { type AnySql, codeOf, pgFailure, qid, run } from "../_connect.ts";
import { type CatalogRow, type PgCtx, qualified } from "../_catalog.ts";
import { POS_Q } from "../_types.ts";
import {
  createKeyIndex,
  createPhysicalIn,
  dropPhysical,
  type PgStaged,
  settle,
} from "../_physical.ts";
import { readTable } from "../_read.ts";
import { exclusive } from "./_queue.ts";
import { existingKeyRow, renderKey } from "../_diagnose.ts";

/** The error of a publication whose committed starting point was replaced meanwhile. */
export function changedWhileWriting(
  table: string,
  baseVersion: number | undefined,
  current: number | undefined,
): StoreError {
  return new StoreError(
    `table "${table}" changed while this publication was writing it (it started from version ${baseVersion}, another publication committed version ${
      current ?? "none"
    }); run the node again`,
  );
}

/** The error for `err`, raised by work on `s`'s committed base. */
async function baseFailure(
  ctx: PgCtx,
  s: PgStaged,
  what: string,
  err: unknown,
): Promise<Error> {
  if (s.base !== undefined && codeOf(err) === "42P01") {
    const cur = await run<{ version: number }>(
      ctx.sql,
      `SELECT version FROM ${ctx.qs}._runnel_tables WHERE name = $1`,
      [s.table],
    ).catch(() => []);
    return changedWhileWriting(s.table, s.baseVersion, cur[0]?.version);
  }
  return pgFailure(what, err, ctx.location);
}

/**
 * Builds the unique index of a committed table that was filled without it
 * (see `../_keys.ts`), so deltas can check their keys against it; records
 * it in the catalog. An index changes no row: readers and the versions
 * are untouched. Returns false when the table was replaced meanwhile or
 * is busy (the caller then copies it, as before).
 */
export async function indexCommitted(
  ctx: PgCtx,
  c: CatalogRow,
): Promise<boolean> {
  try {
    await ctx.sql.begin(async (tx) => {
      await run(tx, "SET LOCAL lock_timeout = '2s'", [], false);
      const cur = await run(
        tx,
        `SELECT keyed FROM ${ctx.qs}._runnel_tables WHERE name = $1 AND physical = $2 FOR UPDATE`,
        [c.name, c.physical],
      ) as { keyed: boolean }[];
      if (cur[0] === undefined) throw new Error("replaced meanwhile");
      if (cur[0].keyed) return;
      await createKeyIndex(ctx, tx, c.physical, c.def);
      await run(
        tx,
        `UPDATE ${ctx.qs}._runnel_tables SET keyed = true WHERE name = $1`,
        [c.name],
      );
    });
    return true;
  } catch {
    return false;
  }
}

/** The relation of a delta's rows with its committed base: user columns and positions. */
function deltaRelation(ctx: PgCtx, s: PgStaged): string {
  const base = s.base!;
  const cols = [...s.names.map(qid), POS_Q].join(", ");
  return `(SELECT ${cols} FROM ${
    qualified(ctx, base.physical)
  } WHERE ${POS_Q} < ${base.nextPos} UNION ALL SELECT ${cols} FROM ${
    qualified(ctx, s.physical)
  }) AS "runnel:staged"`;
}

/**
 * Turns a delta into a whole staged version: a new physical table holding
 * the committed rows it started from, then the appended ones, with its
 * unique index. Costs a copy of the table, once per publication; a no-op
 * for other staged versions.
 */
export function promote(ctx: PgCtx, s: PgStaged): Promise<void> {
  if (s.base === undefined) return settle(s);
  return exclusive(s, async () => {
    const base = s.base;
    if (base === undefined) return; // promoted meanwhile
    let physical: string;
    try {
      physical = await ctx.sql.begin((tx) =>
        createPhysicalIn(ctx, tx, s.table, s.def, [
          { physical: base.physical, below: base.nextPos },
          { physical: s.physical },
        ])
      );
    } catch (err) {
      throw await baseFailure(ctx, s, `Cannot stage table "${s.table}"`, err);
    }
    const delta = s.physical;
    s.physical = physical;
    delete s.base;
    s.keyed = s.def.uniqueOn.length > 0;
    s.keys = undefined;
    s.keysDirty = false;
    await dropPhysical(ctx, delta);
  });
}

/** Reads a staged version (a delta with its committed rows), once its writes are done. */
export async function readStaged(
  ctx: PgCtx,
  s: PgStaged,
  opts?: ReadOptions,
): Promise<Row[]> {
  await settle(s);
  const from = s.base === undefined
    ? qualified(ctx, s.physical)
    : deltaRelation(ctx, s);
  try {
    return await readTable(ctx.sql, s.table, from, s.def, opts);
  } catch (err) {
    throw await baseFailure(ctx, s, `Cannot read table "${s.table}"`, err);
  }
}

/**
 * Refuses a batch appended to a delta when a row's unique key is in the
 * committed table (asked through its unique index, one query per batch).
 * Repeats among the appended rows are the delta's own key checks' job.
 */
export async function checkCommittedKeys(
  ctx: PgCtx,
  s: PgStaged,
  rows: readonly Row[],
): Promise<void> {
  if (s.base === undefined || s.def.uniqueOn.length === 0) return;
  let found: number | undefined;
  try {
    found = await existingKeyRow(
      ctx,
      { physical: s.base.physical, def: s.def },
      rows,
    );
  } catch (err) {
    throw await baseFailure(ctx, s, `Cannot append to table "${s.table}"`, err);
  }
  if (found === undefined) return;
  throw new DataError(
    `Cannot append to table "${s.table}": ${
      renderKey(s.def, rows[found]!)
    } of row ${found} is already in the table; nothing of this batch was written (use upsert to update existing rows)`,
  );
}

/**
 * Inside the commit transaction: appends a delta's rows, positions kept,
 * to the committed physical table it started from.
 */
export async function applyDelta(
  ctx: PgCtx,
  tx: AnySql,
  s: PgStaged,
  into: string,
): Promise<void> {
  const cols = [...s.names.map(qid), POS_Q].join(", ");
  await run(
    tx,
    `INSERT INTO ${qualified(ctx, into)} (${cols}) SELECT ${cols} FROM ${
      qualified(ctx, s.physical)
    }`,
    [],
    false,
  );
}
