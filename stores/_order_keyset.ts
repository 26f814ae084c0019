/**
 * Pages of large committed tables, sorted or in insertion order, shared by
 * both stores (which reads come here: `_order_plan.ts`).
 *
 * A page `ORDER BY … LIMIT n OFFSET k` costs O(k) even over an index, so
 * each store keeps, per table version and order, a bookmark ("mark") every
 * {@link orderTuning}`.step` rows: the sort key of the row at that offset.
 * A page starts at the nearest mark below its offset and skips fewer than
 * `step` rows. Marks are found lazily, stepping from the last known one, so
 * the first deep page costs what a plain `OFFSET` would, once.
 *
 * Seeking from a key uses keyset "segments" — equal-prefix, then strictly
 * after — each an index range scan even when most rows tie (a Boolean
 * column), and never an `OR` the planners cannot use an index for.
 *
 * The order is total: ties are broken by insertion position (SQLite
 * `rowid`, PostgreSQL `runnel:pos`) in the direction of the first order
 * column, so a descending order is exactly the reverse of the ascending one
 * and one index serves both. NULL is the smallest value: first ascending,
 * last descending, on both stores.
 *
 * Store-neutral: a store describes its table and dialect as a
 * {@link Shape} and runs the queries a walk yields (synchronously on SQLite,
 * awaited on PostgreSQL). Private to `stores/`.
 *
 * @module
 */

import { orderTuning } from "./_order_plan.ts";

/** A table and order as SQL of one store. */
export interface Shape {
  /** The quoted (qualified) physical table. */
  from: string;
  /** Per order term: its SQL expression, and the cast a bound key needs. */
  exprs: string[];
  casts: string[];
  desc: boolean[];
  /** The insertion position expression and its key cast. */
  pos: string;
  posCast: string;
  /** Spell NULL placement out (PostgreSQL) rather than rely on the default (SQLite). */
  nulls: boolean;
  /** Placeholder of the n-th (1-based) parameter. */
  ph: (n: number) => string;
  /** Select list of a page's rows. */
  columns: string;
  /** Select list of a key: one value per term, then the position. */
  keys: string;
}

/** One query a walk needs run; `keys` asks for exact key values (bigints). */
export interface Ask {
  text: string;
  params: unknown[];
  keys: boolean;
}

/** A walk: yields queries, receives their rows as arrays. */
export type Walk<T> = Generator<Ask, T, unknown[][]>;

function dir(s: Shape, desc: boolean): string {
  if (!s.nulls) return desc ? " DESC" : "";
  return desc ? " DESC NULLS LAST" : " ASC NULLS FIRST";
}

/** `ORDER BY` list of the shape's order, position last. */
export function orderSql(s: Shape): string {
  const parts = s.exprs.map((e, i) => e + dir(s, s.desc[i]!));
  parts.push(s.pos + (s.desc[0] ? " DESC" : ""));
  return parts.join(", ");
}

interface Segment {
  where: string;
  params: unknown[];
}

/**
 * The rows at or after `key` in the shape's order, as disjoint segments in
 * order: the rest of the key's tie group, then rows past each key column
 * from the last to the first. No key: the whole table.
 */
function segments(s: Shape, key: unknown[] | undefined): Segment[] {
  if (key === undefined) return [{ where: "", params: [] }];
  const m = s.exprs.length;
  const out: Segment[] = [];
  const make = (
    upTo: number,
    last: (bind: (v: unknown) => string) => string,
  ) => {
    const params: unknown[] = [];
    const bind = (v: unknown, cast: string) => {
      params.push(v);
      return s.ph(params.length) + cast;
    };
    const conds: string[] = [];
    for (let j = 0; j < upTo; j++) {
      conds.push(
        key[j] === null
          ? `${s.exprs[j]} IS NULL`
          : `${s.exprs[j]} = ${bind(key[j], s.casts[j]!)}`,
      );
    }
    conds.push(last((v) => bind(v, upTo < m ? s.casts[upTo]! : s.posCast)));
    out.push({ where: conds.join(" AND "), params });
  };
  make(m, (b) => `${s.pos} ${s.desc[0] ? "<=" : ">="} ${b(key[m])}`);
  for (let i = m - 1; i >= 0; i--) {
    const e = s.exprs[i]!, v = key[i];
    if (!s.desc[i]) {
      make(i, (b) => (v === null ? `${e} IS NOT NULL` : `${e} > ${b(v)}`));
    } else if (v !== null) {
      make(i, (b) => `${e} < ${b(v)}`);
      make(i, () => `${e} IS NULL`);
    }
  }
  return out;
}

/**
 * Up to `need` rows (`select` list) starting `skip` rows after the row
 * with `key` (from the first row when undefined), in the shape's order.
 */
function* walk(
  s: Shape,
  key: unknown[] | undefined,
  skip: number,
  need: number,
  keys: boolean,
): Walk<unknown[][]> {
  const out: unknown[][] = [];
  const order = orderSql(s);
  for (const seg of segments(s, key)) {
    if (need <= 0) break;
    const where = seg.where === "" ? "" : ` WHERE ${seg.where}`;
    const n = seg.params.length;
    const rows = yield {
      text: `SELECT ${keys ? s.keys : s.columns} FROM ${s.from}${where}
        ORDER BY ${order} LIMIT ${s.ph(n + 1)} OFFSET ${s.ph(n + 2)}`,
      params: [...seg.params, need, skip],
      keys,
    };
    if (rows.length > 0) {
      for (const r of rows) out.push(r);
      need -= rows.length;
      skip = 0;
    } else if (skip > 0) {
      const counted = yield {
        text: `SELECT count(*) FROM (SELECT 1 FROM ${s.from}${where}
          LIMIT ${s.ph(n + 1)}) AS s`,
        params: [...seg.params, skip],
        keys: false,
      };
      skip -= Number(counted[0]?.[0] ?? 0);
    }
  }
  return out;
}

/** Marks of one table version and order. */
export interface Marks {
  /** Content version and row count the marks were found in. */
  version: string;
  step: number;
  /** Key of the row at offset `i * step`; index 0 is the start (no key). */
  keys: (unknown[] | undefined)[];
  /** Stepping found the end of the table. */
  end: boolean;
}

const MAX_MARKS = 64;
const marks = new Map<string, Marks>();

/**
 * The marks of `id` (store, physical table and order) valid for
 * `version`; fresh ones when the table changed since.
 */
export function marksFor(id: string, version: string): Marks {
  let m = marks.get(id);
  marks.delete(id);
  if (m?.version !== version || m.step !== orderTuning.step) {
    m = { version, step: orderTuning.step, keys: [undefined], end: false };
  }
  marks.set(id, m);
  if (marks.size > MAX_MARKS) marks.delete(marks.keys().next().value!);
  return m;
}

/**
 * Rows `offset … offset + limit` in the shape's order (`columns` list),
 * finding the marks it needs on the way. Safe to interleave: a walk that
 * finds others advanced the marks meanwhile drops its own.
 */
export function* pageWalk(
  s: Shape,
  m: Marks,
  offset: number,
  limit: number,
): Walk<unknown[][]> {
  const want = Math.floor(offset / m.step);
  while (m.keys.length <= want && !m.end) {
    const from = m.keys.length - 1;
    const next = yield* walk(s, m.keys[from], m.step, 1, true);
    if (m.keys.length - 1 !== from) continue;
    if (next[0] === undefined) m.end = true;
    else m.keys.push(next[0]);
  }
  const i = Math.min(want, m.keys.length - 1);
  return yield* walk(s, m.keys[i], offset - i * m.step, limit, false);
}

/** Runs a walk, each query synchronously. */
export function runWalk<T>(w: Walk<T>, exec: (a: Ask) => unknown[][]): T {
  let r = w.next([]);
  while (!r.done) r = w.next(exec(r.value));
  return r.value;
}

/** Runs a walk, awaiting each query. */
export async function runWalkAsync<T>(
  w: Walk<T>,
  exec: (a: Ask) => Promise<unknown[][]>,
): Promise<T> {
  let r = w.next([]);
  while (!r.done) r = w.next(await exec(r.value));
  return r.value;
}
