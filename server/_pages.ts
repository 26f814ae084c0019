/**
 * One page of a table's rows, fast at any offset. The store's `readRows`
 * serves pages of large tables, sorted or not, from an index and bookmarks
 * of its own (see `stores/_order_keyset.ts`): after the first request of an
 * order on a table, which builds its index, any page costs about what the
 * first one does. The order is total (ties by insertion order, reversed
 * for a descending first column) and NULL sorts as the smallest value, on
 * both stores. When a SQLite table's rows are stored under consecutive
 * rowids — true unless upserts replaced rows — an unsorted page starts at
 * rowid `first + offset` here instead, without bookmarks.
 *
 * @module
 */

import type { Row } from "../core/schema.ts";
import type { ReadOptions, Store, TableInfo } from "../stores/store.ts";

/** Below this offset `readRows` is as fast as a seek. */
const SEEK_FROM = 5_000;

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Decodes a raw SQLite value of `type` as `readRows` would. */
function decode(
  type: string,
  v: unknown,
): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case "Boolean":
      return v !== 0;
    case "DateTime":
      return new Date(v as string);
    case "Json":
      return JSON.parse(v as string);
    case "Decimal":
      return typeof v === "string" ? v : String(v);
  }
  return v;
}

/** Reads by rowid seek; undefined when the table's rowids are not consecutive. */
async function seekPage(
  store: Store,
  info: TableInfo,
  offset: number,
  limit: number,
): Promise<Row[] | undefined> {
  const pub = await store.beginPublication();
  try {
    const t = await pub.sqlName(info.name);
    const [b] = await pub.query(
      `SELECT (SELECT min(rowid) FROM ${t}) AS lo, (SELECT max(rowid) FROM ${t}) AS hi`,
      [],
      [info.name],
    );
    const lo = b?.lo, hi = b?.hi;
    if (typeof lo !== "number" || typeof hi !== "number") return undefined;
    if (hi - lo + 1 !== info.rowCount) return undefined;
    const from = lo + offset;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(limit)) {
      return undefined;
    }
    const cols = Object.entries(info.schema);
    const raw = await pub.query(
      `SELECT ${
        cols.map(([c]) => quote(c)).join(", ")
      } FROM ${t} WHERE rowid >= ${from} ORDER BY rowid LIMIT ${limit}`,
      // Literals, not `?`: checked integers, and a bound value in WHERE makes
      // SQLite re-prepare the statement, which query()'s authorizer refuses.
      [],
      [info.name],
    );
    return raw.map((r) => {
      const row: Row = {};
      for (const [c, type] of cols) row[c] = decode(type, r[c]);
      return row;
    });
  } finally {
    await pub.discard();
  }
}

/**
 * Rows `offset … offset + limit` of `info.name`, in `order` (insertion
 * order when empty). Throws what `readRows` throws.
 */
export async function readPage(
  store: Store,
  info: TableInfo,
  offset: number,
  limit: number,
  order: ReadOptions["orderBy"] = [],
): Promise<Row[]> {
  if (offset >= info.rowCount) return [];
  if (order.length === 0 && offset >= SEEK_FROM && store.kind === "sqlite") {
    try {
      const rows = await seekPage(store, info, offset, limit);
      if (rows !== undefined) return rows;
    } catch {
      // the general path below reports real problems
    }
  }
  return await store.readRows(info.name, {
    offset,
    limit,
    ...(order.length > 0 ? { orderBy: order } : {}),
  });
}
