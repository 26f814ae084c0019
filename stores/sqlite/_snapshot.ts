/**
 * Read snapshots on SQLite: a read-only connection of its own holding one
 * read transaction, which WAL keeps consistent however the file changes
 * meanwhile (appends, new versions, even dropped tables). Private to
 * `stores/sqlite/`.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import type { Row } from "../../core/schema/schema.ts";
import { NotFoundError, StoreError } from "../../core/errors.ts";
import type { ReadOptions, ReadSnapshot, TableInfo } from "../store.ts";
import {
  type CatalogRow,
  getCatalog,
  settle,
  type SqliteCtx,
  toTableInfo,
} from "./_catalog.ts";
import { readTable } from "./_read.ts";

/** Opens a snapshot of `tables` of the store at `ctx.path`. */
export function openSnapshot(ctx: SqliteCtx, tables: string[]): ReadSnapshot {
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(ctx.path, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("BEGIN");
  } catch (err) {
    throw new StoreError(
      `Cannot open a read snapshot of ${ctx.path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const view: SqliteCtx = {
    ...ctx,
    db,
    prepared: new Map(),
    writers: new Map(),
  };
  const rows = new Map<string, CatalogRow>();
  try {
    // The first read starts the transaction: from here on, this is the view.
    for (const t of tables) {
      const c = getCatalog(view, t);
      if (c !== undefined) rows.set(t, c);
    }
  } catch (err) {
    db.close();
    throw err;
  }
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    view.prepared.clear();
    try {
      db.exec("COMMIT");
    } finally {
      db.close();
    }
  };
  return {
    tables: [...tables],
    describe: (table) => {
      const c = rows.get(table);
      return c === undefined ? undefined : toTableInfo(c) as TableInfo;
    },
    read: (table: string, opts?: ReadOptions): Promise<Row[]> =>
      settle(() => {
        if (!open) throw new StoreError("This read snapshot is closed");
        const c = rows.get(table);
        if (c === undefined) {
          throw new NotFoundError(`Table "${table}" does not exist`);
        }
        return readTable(db, table, c.physical, c.def, opts);
      }, ctx.path),
    close: () => settle(close, ctx.path),
  };
}
