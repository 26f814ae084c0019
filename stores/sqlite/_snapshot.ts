/**
 * Read snapshots on SQLite: a read-only connection of its own holding one
 * read transaction, which WAL keeps consistent however the file changes
 * meanwhile (appends, new versions, even dropped tables).
 *
 * SQL given a snapshot runs on other connections (a node's query process),
 * which cannot join that transaction, so it reads each table through a
 * temporary view naming exactly the snapshot's rows: a committed physical
 * table only ever grows at its end, by rows with higher rowids, so the
 * snapshot's rows are those up to the highest rowid it sees. The versions
 * it shows are pinned (`_pins.ts`) so that no process drops one while it
 * is open. Private to `stores/sqlite/`.
 *
 * @module
 */

import type { Row } from "../../core/schema/schema.ts";
import { NotFoundError, StoreError } from "../../core/errors.ts";
import type {
  ReadOptions,
  ReadSnapshot,
  TableDef,
  TableInfo,
} from "../store.ts";
import {
  type CatalogRow,
  getCatalog,
  liveCtx,
  settle,
  type SqliteCtx,
  toTableInfo,
  tx,
} from "./_catalog.ts";
import { quoteId, rowidOf } from "./_codec.ts";
import { LIVE_PINS, pin, unpin } from "./_pins.ts";
import { readTable } from "./_read.ts";
import type { QueryConn } from "./_query.ts";

/** One table of a snapshot as SQL on another connection reads it. */
export interface SnapshotView {
  /** Logical table. */
  table: string;
  /** Its physical version in the snapshot. */
  physical: string;
  /** The rowid alias free in its columns. */
  rowid: string;
  /** The highest rowid the snapshot sees (0 when empty). */
  last: number;
  /** Its definition in the snapshot. */
  def: TableDef;
}

/** What SQL needs of a snapshot, by snapshot. */
const VIEWS = new WeakMap<
  ReadSnapshot,
  { path: string; view: (table: string) => SnapshotView | undefined }
>();

/**
 * The views SQL on the store at `path` reads `tables` of `snap` through
 * (those it shows). Throws for a snapshot of another store, or closed.
 */
export function snapshotViews(
  snap: ReadSnapshot,
  path: string,
  tables: Iterable<string>,
): SnapshotView[] {
  const v = VIEWS.get(snap);
  if (v === undefined || v.path !== path) {
    throw new StoreError(
      `query() was given a read snapshot of another store than ${path}; open the snapshot on this store`,
    );
  }
  const out: SnapshotView[] = [];
  for (const t of tables) {
    const view = v.view(t);
    if (view !== undefined) out.push(view);
  }
  return out;
}

/**
 * Runs `fn` (one statement on `qc`) with `views` shadowing the snapshot's
 * tables: a temporary view named like each physical table (what
 * {@link ReadSnapshot.sqlName} gives) and one like its logical table (the
 * store's view of that name), both selecting the snapshot's rows only;
 * unqualified names find temporary objects first. They are readable by
 * that statement alone, and dropped after it.
 */
export function withViews<T>(
  qc: QueryConn,
  views: SnapshotView[],
  fn: () => T,
): T {
  if (views.length === 0) return fn();
  const { create, drop } = viewStatements(views);
  const internal = (stmts: string) => {
    qc.internal = true;
    try {
      qc.db.exec(stmts);
    } finally {
      qc.internal = false;
    }
  };
  internal(create);
  qc.views = new Set(views.flatMap((v) => [v.physical, v.table]));
  try {
    return fn();
  } finally {
    qc.views = undefined;
    internal(drop);
  }
}

function viewStatements(views: SnapshotView[]): {
  create: string;
  drop: string;
} {
  const create: string[] = [];
  const drop: string[] = [];
  for (const v of views) {
    const p = quoteId(v.physical);
    const t = quoteId(v.table);
    drop.push(`DROP VIEW IF EXISTS temp.${t}`, `DROP VIEW IF EXISTS temp.${p}`);
    create.push(
      `CREATE TEMP VIEW ${p} AS SELECT * FROM main.${p} WHERE ${v.rowid} <= ${v.last}`,
      `CREATE TEMP VIEW ${t} AS SELECT ${
        Object.keys(v.def.schema).map(quoteId).join(", ")
      } FROM temp.${p}`,
    );
  }
  const dropAll = drop.join(";\n") + ";";
  return { create: `${dropAll}\n${create.join(";\n")};`, drop: dropAll };
}

function snapshotId(): string {
  const b = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/** One table as a snapshot shows it: its catalog row and last rowid. */
interface Shown {
  c: CatalogRow;
  rowid: string;
  last: number;
}

/**
 * Opens a snapshot of `tables` of the store at `ctx.path`. It reads on
 * the store's connection, each table up to the last rowid it had when the
 * snapshot opened; the write lock it is opened under makes the versions,
 * last rowids and pins one moment's.
 */
export function openSnapshot(ctx: SqliteCtx, tables: string[]): ReadSnapshot {
  const id = snapshotId();
  const shown = new Map<string, Shown>();
  tx(ctx, () => {
    const physicals: string[] = [];
    for (const t of tables) {
      if (shown.has(t)) continue;
      const c = getCatalog(ctx, t);
      if (c === undefined) continue;
      const rowid = rowidOf(t, Object.keys(c.def.schema));
      const r = ctx.db.prepare(
        `SELECT coalesce(max(${rowid}), 0) AS n FROM ${quoteId(c.physical)}`,
      ).get() as { n: number };
      shown.set(t, { c, rowid, last: Number(r.n) });
      physicals.push(c.physical);
    }
    pin(ctx, id, physicals);
  });
  LIVE_PINS.add(id);
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    unpin(
      ctx,
      id,
      [...shown].map(([table, { c }]) => ({ table, physical: c.physical })),
    );
  };
  const catalog = (table: string): Shown => {
    if (!open) throw new StoreError("This read snapshot is closed");
    const s = shown.get(table);
    if (s === undefined) {
      throw new NotFoundError(`Table "${table}" does not exist`);
    }
    return s;
  };
  const snap: ReadSnapshot = {
    tables: [...tables],
    describe: (table) => {
      const s = shown.get(table);
      return s === undefined ? undefined : toTableInfo(s.c) as TableInfo;
    },
    read: (table: string, opts?: ReadOptions): Promise<Row[]> =>
      settle(() => {
        const { c, last } = catalog(table);
        return readTable(liveCtx(ctx).db, table, c.physical, c.def, opts, last);
      }, ctx.path),
    sqlName: (table) => quoteId(catalog(table).c.physical),
    close: () => settle(close, ctx.path),
  };
  VIEWS.set(snap, {
    path: ctx.path,
    view: (table) => {
      if (!shown.has(table)) return undefined;
      const { c, rowid, last } = catalog(table);
      return { table, physical: c.physical, rowid, last, def: c.def };
    },
  });
  return snap;
}
