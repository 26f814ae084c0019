/**
 * Node cache records of the SQLite store: one row per node in
 * `_runnel_node_cache`, replaced by every commit that carries one. Private
 * to `stores/sqlite.ts`.
 *
 * @module
 */

import { DataError } from "../core/errors.ts";
import type { NodeCacheRecord } from "./store.ts";
import { prep, type SqliteCtx } from "./_sqlite_catalog.ts";

function stringMap(
  nodeId: string,
  what: string,
  v: unknown,
): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new DataError(
      `Cache record of node "${nodeId}": ${what} must be an object of strings`,
    );
  }
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== "string") {
      throw new DataError(
        `Cache record of node "${nodeId}": ${what}["${k}"] must be a string`,
      );
    }
    out[k] = x;
  }
  return out;
}

/** Validates a record and returns a copy the caller can no longer change. */
export function checkNodeCache(rec: NodeCacheRecord): NodeCacheRecord {
  const id = rec?.nodeId;
  if (typeof id !== "string" || id === "") {
    throw new DataError("A node cache record needs a nodeId");
  }
  if (typeof rec.key !== "string" || typeof rec.runId !== "string") {
    throw new DataError(
      `Cache record of node "${id}": key and runId must be strings`,
    );
  }
  if (!(rec.savedAt instanceof Date) || isNaN(rec.savedAt.getTime())) {
    throw new DataError(`Cache record of node "${id}": savedAt must be a Date`);
  }
  return {
    nodeId: id,
    key: rec.key,
    components: stringMap(id, "components", rec.components),
    runId: rec.runId,
    savedAt: new Date(rec.savedAt.getTime()),
  };
}

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
