/**
 * What the indexed page path of both stores decides before any SQL: which
 * reads take it (see {@link indexedOrder}), the index an order needs and
 * its name, its knobs, and the memory of failed index builds. The paging
 * itself is in `_order_keyset.ts`. Private to `stores/`.
 *
 * @module
 */

import type { ColumnType } from "../core/schema/schema.ts";
import type { ReadOptions, TableDef } from "./store.ts";

/** Knobs of the indexed sorted-page path; tests lower them. */
export const orderTuning = {
  /** Tables with fewer rows are sorted in full: faster than any index build. */
  indexFrom: 20_000,
  /** Rows between two marks: the most a page ever skips. */
  step: 2_000,
  /** Orders on more columns are sorted in full. */
  maxColumns: 4,
  /** Order indexes one table version may get; more orders are sorted in full. */
  maxIndexes: 8,
  /** A build that found the table busy is tried again after this long (ms). */
  retryBusyMs: 5_000,
};

/** What the indexed path did in this process (read by tests and benchmarks). */
export const orderStats = {
  /** Order indexes built. */
  builds: 0,
  /** Pages served through an order index. */
  indexedPages: 0,
  /** Deep insertion-order pages of SQLite tables served by a rowid seek. */
  rowidSeeks: 0,
};

/** A build that failed for another reason (or hit the index cap) waits this long (ms). */
const RETRY_FAILED_MS = 10 * 60_000;

/** Failed index builds, so that one busy or broken build is not retried on every page. */
export class BuildBackoff {
  readonly #failed = new Map<string, { at: number; busy: boolean }>();

  /** Whether a build of `id` failed too recently to try again. */
  blocked(id: string): boolean {
    const f = this.#failed.get(id);
    if (f === undefined) return false;
    const wait = f.busy ? orderTuning.retryBusyMs : RETRY_FAILED_MS;
    if (Date.now() < f.at + wait) return true;
    this.#failed.delete(id);
    return false;
  }

  /** Remembers a failed build: `busy` when the table or database was. */
  fail(id: string, busy: boolean): void {
    if (this.#failed.size > 1_000) this.#failed.clear();
    this.#failed.set(id, { at: Date.now(), busy });
  }
}

/** One column of an order. */
export interface Term {
  column: string;
  desc: boolean;
}

/**
 * Why rows of `table` cannot be ordered by `column`, or undefined when they
 * can: it must exist and must not be Json (JSON values have no order both
 * stores agree on).
 */
export function orderError(
  table: string,
  def: TableDef,
  column: string,
): string | undefined {
  const type = Object.hasOwn(def.schema, column)
    ? def.schema[column]
    : undefined;
  if (type === undefined) {
    return `Cannot order table "${table}" by "${column}": no such column (columns: ${
      Object.keys(def.schema).join(", ")
    })`;
  }
  if (type === "Json") {
    return `Cannot order table "${table}" by "${column}": it is a Json column, and JSON values have no order; order by another column`;
  }
  return undefined;
}

/** Types too large to index: sorting on them stays a full sort. */
const UNINDEXED = new Set<ColumnType>(["LongText", "Binary", "Json"]);

/**
 * The order of a page read of a large table, for the indexed path; empty
 * for insertion order (marks serve its deep offsets too). Undefined when
 * the store should read plainly: no limit, a small table, unknown columns
 * (the plain path reports them), unindexable types, too many columns.
 * Later repeats of a column never break ties, so they are dropped.
 */
export function indexedOrder(
  def: TableDef,
  rowCount: number,
  opts: ReadOptions | undefined,
): Term[] | undefined {
  const { limit, offset = 0 } = opts ?? {};
  if (rowCount < orderTuning.indexFrom) return undefined;
  if (!Number.isSafeInteger(limit) || limit! < 1) return undefined;
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  const terms: Term[] = [];
  for (const o of opts?.orderBy ?? []) {
    const type = def.schema[o.column];
    if (type === undefined || UNINDEXED.has(type)) return undefined;
    if (terms.some((t) => t.column === o.column)) continue;
    terms.push({ column: o.column, desc: o.desc === true });
  }
  return terms.length <= orderTuning.maxColumns ? terms : undefined;
}

/** The index order serving `terms` and their reverse: first column ascending. */
export function canonical(terms: Term[]): Term[] {
  return terms[0]?.desc ? terms.map((t) => ({ ...t, desc: !t.desc })) : terms;
}

/** `a,-b`: the text of an order, for names and cache keys. */
export function orderText(terms: Term[]): string {
  return terms.map((t) => (t.desc ? "-" : "") + t.column).join(",");
}

/** A stable 64-bit hash of `text` as 16 hex digits (names, not security). */
export function hash64(text: string): string {
  let a = 0x811c9dc5, b = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const hex = (x: number) => (x >>> 0).toString(16).padStart(8, "0");
  return hex(a) + hex(b);
}

/** Name of the order index of `physical` for `terms` (either direction). */
export function indexName(physical: string, terms: Term[]): string {
  return `__ro_${hash64(physical + "\0" + orderText(canonical(terms)))}`;
}
