/**
 * Node state and node cache records in the PostgreSQL store: read by the
 * planner, written only inside a publication's commit transaction.
 * Private to `stores/postgres/`.
 *
 * @module
 */

import type { NodeCacheRecord, NodeState } from "../store.ts";
import { type AnySql, run } from "./_connect.ts";
import type { PgCtx } from "./_catalog.ts";

/** The committed state of a node; `{}` when it has none. */
export async function getState(
  ctx: PgCtx,
  nodeId: string,
): Promise<NodeState> {
  const rows = await run<{ state: string }>(
    ctx.sql,
    `SELECT state FROM ${ctx.qs}._runnel_state WHERE node_id = $1`,
    [nodeId],
  );
  return rows[0] === undefined ? {} : JSON.parse(rows[0].state) as NodeState;
}

/** Replaces node states (inside the commit transaction). */
export async function writeStates(
  ctx: PgCtx,
  tx: AnySql,
  states: Map<string, string>,
): Promise<void> {
  if (states.size === 0) return;
  await run(
    tx,
    `INSERT INTO ${ctx.qs}._runnel_state (node_id, state, updated_at)
     SELECT key, value, now() FROM jsonb_each_text($1::text::jsonb)
     ON CONFLICT (node_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    [JSON.stringify(Object.fromEntries(states))],
  );
}

/** Replaces node cache records (inside the commit transaction). */
export async function writeNodeCaches(
  ctx: PgCtx,
  tx: AnySql,
  recs: NodeCacheRecord[],
): Promise<void> {
  if (recs.length === 0) return;
  await run(
    tx,
    `INSERT INTO ${ctx.qs}._runnel_node_cache (node_id, key, components, run_id, saved_at)
     SELECT * FROM jsonb_to_recordset($1::text::jsonb) AS v (node_id text, key text,
       components text, run_id text, saved_at timestamptz)
     ON CONFLICT (node_id) DO UPDATE SET key = excluded.key,
       components = excluded.components, run_id = excluded.run_id,
       saved_at = excluded.saved_at`,
    [JSON.stringify(recs.map((r) => ({
      node_id: r.nodeId,
      key: r.key,
      components: JSON.stringify(r.components),
      run_id: r.runId,
      saved_at: r.savedAt,
    })))],
  );
}

/** The cache records of the given nodes (every node when omitted). */
export async function getNodeCache(
  ctx: PgCtx,
  nodeIds?: string[],
): Promise<Map<string, NodeCacheRecord>> {
  const rows = await run<{
    node_id: string;
    key: string;
    components: string;
    run_id: string;
    saved_at: Date;
  }>(
    ctx.sql,
    `SELECT node_id, key, components, run_id, saved_at FROM ${ctx.qs}._runnel_node_cache
      WHERE $1::text::jsonb IS NULL OR node_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))
      ORDER BY node_id COLLATE "C"`,
    [nodeIds === undefined ? null : JSON.stringify(nodeIds)],
  );
  const out = new Map<string, NodeCacheRecord>();
  for (const r of rows) {
    out.set(r.node_id, {
      nodeId: r.node_id,
      key: r.key,
      components: JSON.parse(r.components),
      runId: r.run_id,
      savedAt: r.saved_at,
    });
  }
  return out;
}
