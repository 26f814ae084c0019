/**
 * Node cache records of the SQLite store: one row per node in
 * `_runnel_node_cache`, replaced by every commit that carries one. Private
 * to `stores/sqlite/`.
 *
 * @module
 */

import type { NodeCacheRecord } from "../store.ts";

export { checkNodeCache } from "../_def.ts";
import { prep, type SqliteCtx } from "./_catalog.ts";

/** Replaces a node's cache record (call inside the commit transaction). */
export function writeNodeCache(ctx: SqliteCtx, rec: NodeCacheRecord): void {
  prep(
    ctx,
    `INSERT INTO _runnel_node_cache (node_id, key, components, run_id, saved_at)
     VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (node_id) DO UPDATE SET key = excluded.key,
       components = excluded.components,
       run_id = excluded.run_id, saved_at = excluded.saved_at`,
  ).run(
    rec.nodeId,
    rec.key,
    JSON.stringify(rec.components),
    rec.runId,
    rec.savedAt.toISOString(),
  );
}

interface RawCache {
  node_id: string;
  key: string;
  components: string;
  run_id: string;
  saved_at: string;
}

/** The cache records of the given nodes (every node when omitted). */
export function getNodeCache(
  ctx: SqliteCtx,
  nodeIds?: string[],
): Map<string, NodeCacheRecord> {
  const rows =
    (nodeIds === undefined
      ? prep(ctx, "SELECT * FROM _runnel_node_cache ORDER BY node_id").all()
      : prep(
        ctx,
        "SELECT * FROM _runnel_node_cache WHERE node_id IN (SELECT value FROM json_each(?)) ORDER BY node_id",
      ).all(JSON.stringify(nodeIds))) as unknown as RawCache[];
  const out = new Map<string, NodeCacheRecord>();
  for (const r of rows) {
    out.set(r.node_id, {
      nodeId: r.node_id,
      key: r.key,
      components: JSON.parse(r.components),
      runId: r.run_id,
      savedAt: new Date(r.saved_at),
    });
  }
  return out;
}
