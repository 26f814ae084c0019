// Node-run records of one run, saved in batches: a record is queued when a
// node finishes, amended when its stage's publish changes the outcome, and
// written with the next flush (when a node starts, and when the run ends).

import type { NodeSpec } from "../graph/graph.ts";
import type { NodeRunRecord, NodeStatus, Store } from "../../stores/store.ts";

/** A node-run record with no timing yet. */
export function record(
  runId: string,
  n: NodeSpec,
  status: NodeStatus,
): NodeRunRecord {
  return {
    runId,
    nodeId: n.id,
    title: n.title,
    file: n.relFile,
    status,
    rowsWritten: 0,
  };
}

/** Queued node-run records of one run. */
export class NodeRecords {
  readonly #byNode = new Map<string, NodeRunRecord>();
  readonly #queue = new Set<NodeRunRecord>();

  constructor(private readonly store: Store) {}

  /** Queues a node's final record for the next flush. */
  push(rec: NodeRunRecord): void {
    this.#byNode.set(rec.nodeId, rec);
    this.#queue.add(rec);
  }

  /** Amends a node's final record (saved again even if it was flushed already). */
  patch(id: string, p: Partial<NodeRunRecord>): void {
    const rec = this.#byNode.get(id);
    if (!rec) return;
    Object.assign(rec, p);
    this.#queue.add(rec);
  }

  /** Saves every queued record in one transaction. */
  async flush(): Promise<void> {
    if (this.#queue.size === 0) return;
    const recs = [...this.#queue];
    this.#queue.clear();
    await this.store.saveNodeRuns(recs);
  }
}
