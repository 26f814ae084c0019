/**
 * Read snapshots on PostgreSQL: a connection of its own in one REPEATABLE
 * READ, READ ONLY transaction, holding ACCESS SHARE locks on the physical
 * tables it shows so that no version it reads is dropped under it (drops
 * wait, or give up and are left to garbage collection). SQL given the
 * snapshot runs in a transaction of its own that imports it
 * (`pg_export_snapshot()`, exported on the first such query), so it reads
 * the same rows of the same versions. Private to `stores/postgres/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import { NotFoundError, StoreError } from "../../core/errors.ts";
import type { ReadOptions, ReadSnapshot, TableInfo } from "../store.ts";
import { pgFailure, qid, run } from "./_connect.ts";
import {
  type CatalogRow,
  decodeCatalog,
  type PgCtx,
  qualified,
  type RawCatalog,
  toTableInfo,
} from "./_catalog.ts";
import { Connections, Pipeline } from "./_pipeline.ts";
import { readTable } from "./_read.ts";

/** Opens a snapshot of `tables` (tries twice if a version is dropped while it opens). */
export async function openSnapshot(
  ctx: PgCtx,
  tables: string[],
): Promise<ReadSnapshot> {
  for (let attempt = 1;; attempt++) {
    try {
      return await tryOpen(ctx, tables);
    } catch (err) {
      // 42P01: a version listed in the catalog was dropped before the lock.
      if (attempt < 3 && (err as { code?: string })?.code === "42P01") continue;
      throw pgFailure("Cannot open a read snapshot", err, ctx.location);
    }
  }
}

/** What SQL needs of a snapshot. */
export interface SnapshotSql {
  /** The physical version of `table` the snapshot shows, if any. */
  physical(table: string): string | undefined;
  /** The snapshot's id for `SET TRANSACTION SNAPSHOT` (while it is open). */
  exported(): Promise<string>;
}

const SQL = new WeakMap<ReadSnapshot, { ctx: PgCtx; sql: SnapshotSql }>();

/**
 * What SQL on the store of `ctx` needs of `snap`. Throws for a snapshot of
 * another store.
 */
export function snapshotSql(snap: ReadSnapshot, ctx: PgCtx): SnapshotSql {
  const found = SQL.get(snap);
  if (found === undefined || found.ctx !== ctx) {
    throw new StoreError(
      `query() was given a read snapshot of another store than ${ctx.location}; open the snapshot on this store`,
    );
  }
  return found.sql;
}

/** Snapshots held at once; more wait for one to close. */
const MAX_SNAPSHOTS = 8;

async function tryOpen(ctx: PgCtx, tables: string[]): Promise<ReadSnapshot> {
  ctx.snapshots ??= new Connections(ctx.target, MAX_SNAPSHOTS);
  // One round trip: BEGIN, then one call reading the catalog rows in the
  // transaction's snapshot and locking their physical tables.
  const tx = await Pipeline.begin(
    ctx.snapshots,
    "isolation level repeatable read read only",
  );
  const rows = new Map<string, CatalogRow>();
  try {
    if (tables.length > 0) {
      const found = tx.run<RawCatalog>(
        `SELECT * FROM ${ctx.qs}._runnel_snapshot(
           ARRAY(SELECT jsonb_array_elements_text($1::text::jsonb)))`,
        [JSON.stringify(tables)],
      );
      await tx.sync();
      for (const r of await found) rows.set(r.name, decodeCatalog(r));
    } else await tx.sync();
  } catch (err) {
    await tx.rollback();
    throw err;
  }
  let closing: Promise<void> | undefined;
  let open = true;
  let exported: Promise<string> | undefined;
  const catalog = (table: string): CatalogRow => {
    if (!open) throw new StoreError("This read snapshot is closed");
    const c = rows.get(table);
    if (c === undefined) {
      throw new NotFoundError(`Table "${table}" does not exist`);
    }
    return c;
  };
  const snap: ReadSnapshot = {
    tables: [...tables],
    describe: (table) => {
      const c = rows.get(table);
      return c === undefined ? undefined : toTableInfo(c) as TableInfo;
    },
    read: async (table: string, opts?: ReadOptions): Promise<Row[]> => {
      const c = catalog(table);
      try {
        return await readTable(
          tx.sql,
          table,
          qualified(ctx, c.physical),
          c.def,
          opts,
        );
      } catch (err) {
        throw pgFailure(`Cannot read table "${table}"`, err, ctx.location);
      }
    },
    sqlName: (table) => qid(catalog(table).physical),
    close: () => {
      if (!open) return closing ?? Promise.resolve();
      open = false;
      // COMMIT is sent now, ahead of anything sent later, which is all a
      // reader waiting for these locks needs; its answer returns the
      // connection to the pool. It may have gone away, and the
      // transaction with it.
      closing = tx.commit().catch(() => {});
      return Promise.resolve();
    },
  };
  SQL.set(snap, {
    ctx,
    sql: {
      physical: (table) => rows.get(table)?.physical,
      exported: () => {
        if (!open) {
          return Promise.reject(
            new StoreError("This read snapshot is closed"),
          );
        }
        exported ??= run<{ id: string }>(
          tx.sql,
          "SELECT pg_export_snapshot() AS id",
        ).then((r) => r[0]!.id);
        return exported;
      },
    },
  });
  return snap;
}
