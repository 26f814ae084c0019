// Node-run records of one run, saved in batches: a record is queued when a
// node finishes, amended when its stage's publish changes the outcome, and
// written with the next publish (in its transaction) or the next flush
// (when a node starts, and when the run ends).

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
  /** The last copy handed out by {@link queued}, per record. */
  readonly #copies = new WeakMap<NodeRunRecord, NodeRunRecord>();

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

  /**
   * Copies of the queued records, to save with a commit; call
   * {@link saved} with them once it succeeded.
   */
  queued(): NodeRunRecord[] {
    const out = [...this.#queue].map((r) => ({ ...r }));
    for (const [i, rec] of [...this.#queue].entries()) {
      this.#copies.set(rec, out[i]!);
    }
    return out;
  }

  /** Unqueues records saved with a commit, unless amended since they were copied. */
  saved(copies: NodeRunRecord[]): void {
    const done = new Set(copies);
    for (const rec of this.#queue) {
      const copy = this.#copies.get(rec);
      if (copy === undefined || !done.has(copy)) continue;
      if (sameRecord(rec, copy)) this.#queue.delete(rec);
    }
  }

  /** Saves every queued record in one transaction. */
  async flush(): Promise<void> {
    if (this.#queue.size === 0) return;
    const recs = [...this.#queue];
    this.#queue.clear();
    await this.store.saveNodeRuns(recs);
  }
}

function sameRecord(a: NodeRunRecord, b: NodeRunRecord): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const x = a[k as keyof NodeRunRecord];
    const y = b[k as keyof NodeRunRecord];
    if (x instanceof Date && y instanceof Date) {
      if (x.getTime() !== y.getTime()) return false;
    } else if (x !== y) return false;
  }
  return true;
}
