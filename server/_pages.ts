/**
 * One page of a table's rows, fast at any offset. The store's `readRows`
 * serves pages of large tables, sorted or not, from an index and bookmarks
 * of its own (see `stores/_order_keyset.ts`): after the first request of an
 * order on a table, which builds its index, any page costs about what the
 * first one does. The order is total (ties by insertion order, reversed
 * for a descending first column) and NULL sorts as the smallest value, on
 * both stores. A deep unsorted page of a SQLite table whose rows have
 * consecutive rowids (no upsert replaced any) is a plain rowid seek.
 *
 * @module
 */

import type { Row } from "../core/schema/schema.ts";
import type { ReadOptions, Store, TableInfo } from "../stores/store.ts";

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
  return await store.readRows(info.name, {
    offset,
    limit,
    ...(order.length > 0 ? { orderBy: order } : {}),
  });
}
