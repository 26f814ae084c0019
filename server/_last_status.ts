/**
 * The last status of every node, from the store's run records (whoever ran
 * them: this server or `runnel run` elsewhere). Cached until the newest run
 * changes; recomputed on every call while a run is going.
 *
 * @module
 */

import type { NodeRunRecord, Store } from "../stores/store.ts";

/** How far back to look for a node's last run. */
const MAX_RUNS = 100;

/** Node id → its newest node-run record. */
export type LastRuns = Map<string, NodeRunRecord>;

/** Computes and caches {@link LastRuns}; see the module doc. */
export class LastStatus {
  readonly #store: Store;
  #key = "";
  #cached: LastRuns = new Map();
  /** Node ids the cached scan looked for. */
  #asked = new Set<string>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** The newest record of each node in `nodeIds` (of all nodes seen when omitted). */
  async get(nodeIds?: string[]): Promise<LastRuns> {
    const [newest] = await this.#store.listRuns(1);
    const key = newest === undefined ? "none" : `${newest.id}/${newest.status}`;
    const stale = key !== this.#key || newest?.status === "running" ||
      nodeIds?.some((id) => !this.#asked.has(id)); // graph changed
    if (stale) {
      this.#cached = await this.#scan(nodeIds);
      this.#asked = new Set(nodeIds ?? this.#cached.keys());
      this.#key = newest?.status === "running" ? "" : key;
    }
    return this.#cached;
  }

  /** Forgets the cache (after a run the server just finished, say). */
  invalidate(): void {
    this.#key = "";
  }

  async #scan(nodeIds?: string[]): Promise<LastRuns> {
    const out: LastRuns = new Map();
    const wanted = nodeIds === undefined ? undefined : new Set(nodeIds);
    for (const run of await this.#store.listRuns(MAX_RUNS)) {
      for (const rec of await this.#store.listNodeRuns(run.id)) {
        if (!out.has(rec.nodeId)) out.set(rec.nodeId, rec);
      }
      if (wanted && [...wanted].every((id) => out.has(id))) break;
    }
    return out;
  }
}
