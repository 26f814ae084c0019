/**
 * Pages of large committed PostgreSQL tables: a btree index on the order's
 * columns (NULLs first) and `runnel:pos` — `runnel:pos` alone for
 * insertion order, which has no index otherwise — built on demand, then
 * keyset pages from bookmarks (see `_order_keyset.ts`). Private to
 * `stores/postgres/`.
 *
 * The index is a plain `CREATE INDEX` in its own transaction: atomic (a
 * failed or cancelled build leaves nothing behind, unlike `CONCURRENTLY`,
 * which can leave an invalid index and waits for every older transaction
 * of the database). Its SHARE lock lets readers through and only holds back
 * writes to that one committed table (appends in place, its drop) for the
 * build's duration. It waits at most {@link BUILD_LOCK_MS} for the lock, and
 * takes nothing else afterwards, so it cannot deadlock with a commit; an
 * advisory lock keeps two processes from building the same index. When
 * the build cannot happen now the page is sorted in full.
 *
 * @module
 */

import type { ColumnType, Row } from "../../core/schema/schema.ts";
import type { ReadOptions } from "../store.ts";
import { type AnySql, codeOf, qid, run } from "./_connect.ts";
import {
  type CatalogRow,
  getCatalog,
  key31,
  type PgCtx,
  qualified,
} from "./_catalog.ts";
import { POS_Q } from "./_types.ts";
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
  marksFor,
  pageWalk,
  runWalkAsync,
  type Shape,
} from "../_order_keyset.ts";

/** The longest an index build waits for its lock on the table. */
export const BUILD_LOCK_MS = 250;
/** The longest an index build may take before it is given up. */
const BUILD_MAX_MS = 120_000;
/** First key of the advisory locks serializing order-index builds ("RUNO"). */
const LOCK_CLASS_ORDER = 0x52554e4f;

/**
 * Casts of bound key values. Keys travel as text and are bound as text:
 * postgres.js would otherwise serialize a value by the type the server
 * infers for its parameter (the string "true" as a boolean is false).
 */
const CAST: Partial<Record<ColumnType, string>> = {
  Boolean: "::text::boolean",
  Integer: "::text::bigint",
  Float: "::text::double precision",
  Decimal: "::text::numeric",
  Text: "::text",
  Date: "::text::date",
  DateTime: "::text::timestamptz",
  Time: "::text::time",
};

/** `location|schema|index` known to exist. */
const ready = new Set<string>();
/** Failed builds by `location|schema|index`. */
const failed = new BuildBackoff();

async function buildIndex(
  ctx: PgCtx,
  c: CatalogRow,
  name: string,
  id: string,
  cols: string[],
): Promise<boolean> {
  return await ctx.sql.begin(async (tx) => {
    await run(
      tx,
      `SELECT set_config('lock_timeout', '${BUILD_LOCK_MS}ms', true),
              set_config('statement_timeout', '${BUILD_MAX_MS}ms', true)`,
      [],
      false,
    );
    const [lock] = await run<{ ok: boolean }>(
      tx,
      "SELECT pg_try_advisory_xact_lock($1, $2) AS ok",
      [LOCK_CLASS_ORDER, key31(id)],
      false,
    );
    if (!lock?.ok) return false;
    // A commit may have replaced the version meanwhile: leave it be.
    if ((await getCatalog(ctx, c.name, tx))?.physical !== c.physical) {
      return false;
    }
    await run(
      tx,
      `CREATE INDEX IF NOT EXISTS ${qid(name)} ON ${
        qualified(ctx, c.physical)
      } (${[...cols, POS_Q].join(", ")})`,
      [],
      false,
    );
    orderStats.builds++;
    return true;
  }) as boolean;
}

/**
 * Makes sure the committed version `c` has the index serving `terms`
 * (and their reverse). False when it has none and cannot get one now.
 */
export async function ensureOrderIndex(
  ctx: PgCtx,
  c: CatalogRow,
  terms: Term[],
): Promise<boolean> {
  const name = indexName(c.physical, terms);
  const id = `${ctx.location}|${ctx.target.schema}|${name}`;
  if (ready.has(id)) return true;
  if (failed.blocked(id)) return false;
  if (ready.size > 1_000) ready.clear();
  const [row] = await run<{ exists: boolean; n: number }>(
    ctx.sql,
    `SELECT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = $1::regnamespace AND relname = $2) AS exists,
            (SELECT count(*)::int FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid
              WHERE i.indrelid = to_regclass($3) AND left(x.relname, 5) = '__ro_') AS n`,
    [ctx.qs, name, qualified(ctx, c.physical)],
    false,
  );
  if (row?.exists) {
    ready.add(id);
    return true;
  }
  if ((row?.n ?? 0) >= orderTuning.maxIndexes) {
    failed.fail(id, false);
    return false;
  }
  const cols = canonical(terms).map((t) =>
    `${qid(t.column)} ${t.desc ? "DESC NULLS LAST" : "ASC NULLS FIRST"}`
  );
  try {
    if (await buildIndex(ctx, c, name, id, cols)) {
      ready.add(id);
      return true;
    }
    failed.fail(id, true); // another process builds it, or a commit replaced it
  } catch (err) {
    // 55P03: no lock within BUILD_LOCK_MS; anything else (an index row too
    // large, the build's time limit): not again for a while.
    failed.fail(id, codeOf(err) === "55P03");
  }
  return false;
}

function shapeOf(ctx: PgCtx, c: CatalogRow, terms: Term[]): Shape {
  const exprs = terms.map((t) => qid(t.column));
  return {
    from: qualified(ctx, c.physical),
    exprs,
    casts: terms.map((t) => CAST[c.def.schema[t.column]!] ?? ""),
    desc: terms.map((t) => t.desc),
    pos: POS_Q,
    posCast: "::text::bigint",
    nulls: true,
    ph: (n) => `$${n}`,
    columns: Object.keys(c.def.schema).map(qid).join(", "),
    // Aliased: ORDER BY a bare name would sort by a same-named output
    // column; no user column has a name with a colon.
    keys: [...exprs, POS_Q].map((e, i) => `${e}::text AS "runnel:k${i}"`)
      .join(", "),
  };
}

/** Array rows to row objects of `names`. */
export function toRows(raw: unknown[][], names: string[]): Row[] {
  const out: Row[] = new Array(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const src = raw[r]!;
    const row: Row = {};
    for (let c = 0; c < names.length; c++) row[names[c]!] = src[c];
    out[r] = row;
  }
  return out;
}

/**
 * Rows of committed table `table` (version `c`) in `terms` order from
 * `opts.offset`, through the order index; undefined when there is no index
 * to use (the caller sorts in full). Reads one snapshot of catalog and rows.
 */
export async function readSorted(
  ctx: PgCtx,
  table: string,
  c: CatalogRow,
  terms: Term[],
  opts: ReadOptions,
): Promise<Row[] | undefined> {
  if (!(await ensureOrderIndex(ctx, c, terms))) return undefined;
  const mode = "isolation level repeatable read read only";
  return await ctx.sql.begin(mode, async (tx: AnySql) => {
    const cur = await getCatalog(ctx, table, tx);
    if (cur?.physical !== c.physical) return undefined;
    const offset = opts.offset ?? 0, limit = opts.limit ?? 0;
    if (offset >= cur.rowCount || limit === 0) return [];
    // Every query below has an index path: never let the planner sort.
    await run(
      tx,
      `SELECT set_config('enable_sort', 'off', true),
              set_config('enable_seqscan', 'off', true),
              set_config('enable_bitmapscan', 'off', true),
              set_config('jit', 'off', true)`,
      [],
      false,
    );
    const marks = marksFor(
      `${ctx.location}|${ctx.target.schema}|${cur.physical}|${
        orderText(terms)
      }`,
      `${cur.contentVersion}|${cur.rowCount}`,
    );
    const raw = await runWalkAsync(
      pageWalk(shapeOf(ctx, cur, terms), marks, offset, limit),
      async (a) =>
        await tx.unsafe(
          a.text,
          a.params as never[],
          { prepare: false },
        ).values() as unknown as unknown[][],
    );
    orderStats.indexedPages++;
    return toRows(raw, Object.keys(cur.def.schema));
  }) as Row[] | undefined;
}
