/**
 * Pages of large committed SQLite tables: an index on the order's columns
 * built on demand (none for insertion order: the rowid b-tree is the
 * table), then keyset pages from bookmarks (see `_order_keyset.ts`).
 * Private to `stores/sqlite/`.
 *
 * The index is an ordinary index on the committed physical table, named
 * `__ro_<hash>`: SQLite maintains it if rows are ever added to that table
 * and drops it with the table. It is built in its own short `BEGIN
 * IMMEDIATE` transaction, waiting at most {@link BUILD_BUSY_MS} for another
 * process's writer instead of the store's 10 s busy timeout; a busy or
 * failed build is remembered and the page is sorted in full meanwhile.
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

/** The longest an index build waits for another process's write transaction. */
export const BUILD_BUSY_MS = 250;
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

/**
 * Makes sure the committed version `c` has the index serving `terms`
 * (and their reverse). False when it has none and cannot get one now.
 */
export function ensureOrderIndex(
  ctx: SqliteCtx,
  c: CatalogRow,
  terms: Term[],
): boolean {
  if (terms.length === 0) return true; // rowid order: the table itself
  const name = indexName(c.physical, terms);
  if (indexExists(ctx, name)) return true;
  const id = `${ctx.path}|${name}`;
  if (failed.blocked(id)) return false;
  if (orderIndexCount(ctx, c.physical) >= orderTuning.maxIndexes) {
    failed.fail(id, false);
    return false;
  }
  const cols = canonical(terms).map((t) =>
    orderExpr(t.column, c.def.schema[t.column]) + (t.desc ? " DESC" : "")
  );
  const db = ctx.db;
  const busy = (db.prepare("PRAGMA busy_timeout").get() as { timeout: number })
    .timeout;
  db.exec(`PRAGMA busy_timeout = ${BUILD_BUSY_MS}`);
  try {
    tx(ctx, () => {
      // A commit may have replaced the version meanwhile: leave it be.
      if (getCatalog(ctx, c.name)?.physical !== c.physical) return;
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${quoteId(name)} ON ${
          quoteId(c.physical)
        } (${cols.join(", ")})`,
      );
      orderStats.builds++;
    });
  } catch (err) {
    failed.fail(id, isBusy(err));
    return false;
  } finally {
    db.exec(`PRAGMA busy_timeout = ${busy}`);
  }
  return indexExists(ctx, name);
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
 * to use (the caller sorts in full). Reads one snapshot of catalog and rows.
 */
export function readSorted(
  ctx: SqliteCtx,
  table: string,
  c: CatalogRow,
  terms: Term[],
  opts: ReadOptions,
): Row[] | undefined {
  if (!ensureOrderIndex(ctx, c, terms)) return undefined;
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
