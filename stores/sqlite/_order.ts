/**
 * Pages of large committed SQLite tables: an index on the order's columns
 * built on demand (none for insertion order: the rowid b-tree is the
 * table), then keyset pages from bookmarks (see `_order_keyset.ts`).
 * Private to `stores/sqlite/`.
 *
 * The index is an ordinary index on the committed physical table, named
 * `__ro_<hash>`: SQLite maintains it if rows are ever added to that table
 * and drops it with the table. It is built off the store's thread (a
 * `CREATE INDEX` of a million rows takes about half a second, during
 * which a server would answer nothing): {@link ensureOrderIndex} hands the
 * build to a {@link BuildIndex}, the store's query process, which runs
 * {@link buildOrderIndex} on its own connection in its own short `BEGIN
 * IMMEDIATE` transaction, waiting at most {@link orderBuild}`.busyMs` for another
 * writer instead of the store's 10 s busy timeout. Concurrent requests for
 * one index share its build; a busy or failed build is remembered and the
 * page is sorted in full meanwhile.
 *
 * @module
 */

import type { StatementSync } from "node:sqlite";
import type { ColumnType, Row } from "../../core/schema/schema.ts";
import type { ReadOptions } from "../store.ts";
import {
  type CatalogRow,
  getCatalog,
  prep,
  type SqliteCtx,
  tx,
} from "./_catalog.ts";
import { columnKinds, decodeRows, quoteId, rowidOf } from "./_codec.ts";
import {
  BuildBackoff,
  canonical,
  indexName,
  orderStats,
  orderText,
  orderTuning,
  type Term,
} from "../_order_plan.ts";
import {
  type Ask,
  marksFor,
  pageWalk,
  runWalk,
  type Shape,
} from "../_order_keyset.ts";

/** How index builds run (tests widen the wait to hold a build). */
export const orderBuild = {
  /** The longest a build waits for another connection's write transaction (ms). */
  busyMs: 250,
};
/** Failed builds by `path|index`. */
const failed = new BuildBackoff();

/** SQL expression a column sorts by: Decimal text sorts as its number. */
export function orderExpr(
  column: string,
  type: ColumnType | undefined,
): string {
  return type === "Decimal"
    ? `CAST(${quoteId(column)} AS REAL)`
    : quoteId(column);
}

function indexExists(ctx: SqliteCtx, name: string): boolean {
  return prep(
    ctx,
    "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?",
  ).get(name) !== undefined;
}

function orderIndexCount(ctx: SqliteCtx, physical: string): number {
  const r = prep(
    ctx,
    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND substr(name, 1, 5) = '__ro_'",
  ).get(physical) as { n: number };
  return r.n;
}

function isBusy(err: unknown): boolean {
  const e = err as { errcode?: number; message?: string };
  return (e?.errcode !== undefined && (e.errcode & 0xff) === 5) ||
    /database is locked|busy/i.test(String(e?.message));
}

/** One order index to build, as it crosses to the query process. */
export interface IndexBuild {
  /** The logical table, whose committed version must still be `physical`. */
  table: string;
  physical: string;
  /** The index's name (`__ro_<hash>`). */
  name: string;
  /** Its column expressions, with their directions. */
  columns: string[];
  /** The longest the build waits for another writer (ms). */
  busyMs: number;
}

/** Builds an index elsewhere; resolves to whether it exists now. */
export type BuildIndex = (build: IndexBuild) => Promise<boolean>;

/** Builds in flight, by `path|index`: concurrent requests share one. */
const building = new Map<string, Promise<boolean>>();

/**
 * Makes sure the committed version `c` has the index serving `terms`
 * (and their reverse), building it with `build` when it has none. False
 * when it has none and cannot get one now (the caller sorts in full); a
 * failed build is remembered, never thrown.
 */
export async function ensureOrderIndex(
  ctx: SqliteCtx,
  c: CatalogRow,
  terms: Term[],
  build: BuildIndex,
): Promise<boolean> {
  if (terms.length === 0) return true; // rowid order: the table itself
  const name = indexName(c.physical, terms);
  const id = `${ctx.path}|${name}`;
  const running = building.get(id);
  if (running !== undefined) return await running;
  if (indexExists(ctx, name)) return true;
  if (failed.blocked(id)) return false;
  if (orderIndexCount(ctx, c.physical) >= orderTuning.maxIndexes) {
    failed.fail(id, false);
    return false;
  }
  const columns = canonical(terms).map((t) =>
    orderExpr(t.column, c.def.schema[t.column]) + (t.desc ? " DESC" : "")
  );
  orderStats.builds++;
  const done = build({
    table: c.name,
    physical: c.physical,
    name,
    columns,
    busyMs: orderBuild.busyMs,
  }).catch((err) => {
    failed.fail(id, isBusy(err));
    return false;
  }).finally(() => building.delete(id));
  building.set(id, done);
  return await done;
}

/**
 * The build itself, on a write connection of its own (the query
 * process's): creates the index unless a commit replaced the version
 * meanwhile; true when the index exists afterwards. Throws SQLite's
 * error, `database is locked` when another writer held the store longer
 * than `b.busyMs`.
 */
export function buildOrderIndex(ctx: SqliteCtx, b: IndexBuild): boolean {
  const db = ctx.db;
  const busy = (db.prepare("PRAGMA busy_timeout").get() as { timeout: number })
    .timeout;
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(b.busyMs))}`);
  try {
    tx(ctx, () => {
      // A commit may have replaced the version meanwhile: leave it be.
      if (getCatalog(ctx, b.table)?.physical !== b.physical) return;
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${quoteId(b.name)} ON ${
          quoteId(b.physical)
        } (${b.columns.join(", ")})`,
      );
    });
  } finally {
    db.exec(`PRAGMA busy_timeout = ${busy}`);
  }
  return indexExists(ctx, b.name);
}

/** Whether the committed version `c` has the index serving `terms` (built or not needed). */
export function hasOrderIndex(
  ctx: SqliteCtx,
  c: CatalogRow,
  terms: Term[],
): boolean {
  return terms.length === 0 || indexExists(ctx, indexName(c.physical, terms));
}

const MAX_STATEMENTS = 64;
const statements = new WeakMap<SqliteCtx, Map<string, StatementSync>>();

function exec(ctx: SqliteCtx, a: Ask): unknown[][] {
  let cache = statements.get(ctx);
  if (cache === undefined) statements.set(ctx, cache = new Map());
  let st = cache.get(a.text);
  if (st === undefined) {
    st = ctx.db.prepare(a.text);
    (st as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(
      true,
    );
    if (cache.size >= MAX_STATEMENTS) cache.delete(cache.keys().next().value!);
  }
  cache.delete(a.text);
  cache.set(a.text, st);
  st.setReadBigInts(a.keys);
  return st.all(...(a.params as never[])) as unknown as unknown[][];
}

function shapeOf(c: CatalogRow, terms: Term[]): Shape {
  const exprs = terms.map((t) => orderExpr(t.column, c.def.schema[t.column]));
  const rowid = rowidOf(c.name, Object.keys(c.def.schema));
  return {
    from: quoteId(c.physical),
    exprs,
    casts: exprs.map(() => ""),
    desc: terms.map((t) => t.desc),
    pos: rowid,
    posCast: "",
    nulls: false,
    ph: () => "?",
    columns: Object.keys(c.def.schema).map(quoteId).join(", "),
    // Aliased: ORDER BY a bare name would sort by a same-named output
    // column; no user column has a name with a colon.
    keys: [...exprs, rowid].map((e, i) => `${e} AS "runnel:k${i}"`)
      .join(", "),
  };
}

/**
 * Rows of committed table `table` (version `c`) in `terms` order from
 * `opts.offset`, through the order index; undefined when there is no index
 * to use (the caller sorts in full; {@link ensureOrderIndex} builds one
 * beforehand). Reads one snapshot of catalog and rows.
 */
export function readSorted(
  ctx: SqliteCtx,
  table: string,
  c: CatalogRow,
  terms: Term[],
  opts: ReadOptions,
): Row[] | undefined {
  if (!hasOrderIndex(ctx, c, terms)) return undefined;
  ctx.db.exec("BEGIN");
  try {
    const cur = getCatalog(ctx, table);
    if (cur?.physical !== c.physical) return undefined;
    const offset = opts.offset ?? 0, limit = opts.limit ?? 0;
    if (offset >= cur.rowCount || limit === 0) return [];
    const marks = marksFor(
      `${ctx.path}|${cur.physical}|${orderText(terms)}`,
      `${cur.contentVersion}|${cur.rowCount}`,
    );
    const raw = runWalk(
      pageWalk(shapeOf(cur, terms), marks, offset, limit),
      (a) => exec(ctx, a),
    );
    orderStats.indexedPages++;
    return decodeRows(raw, Object.keys(cur.def.schema), columnKinds(cur.def));
  } finally {
    ctx.db.exec("COMMIT");
  }
}
