/**
 * Node-run counts as both stores' `countNodeRuns` return them. Private to
 * `stores/`.
 *
 * @module
 */

import type { NodeStatus, NodeStatusCounts } from "./store.ts";

/** One row of `SELECT run_id, status, count(*) … GROUP BY run_id, status`. */
export interface StatusCountRow {
  run_id: string;
  status: NodeStatus;
  n: number;
}

/** The rows folded into counts per run. */
export function statusCountsByRun(
  rows: readonly StatusCountRow[],
): Map<string, NodeStatusCounts> {
  const out = new Map<string, NodeStatusCounts>();
  for (const r of rows) {
    let c = out.get(r.run_id);
    if (c === undefined) out.set(r.run_id, c = {});
    c[r.status] = r.n;
  }
  return out;
}
