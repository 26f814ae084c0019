// Workers spawned ahead of time for nodes likely to run next. Creating a
// Deno Worker blocks the creating thread for ~12 ms, so spawning the next
// node's worker while the current node runs hides part of that cost.

import type { NodeSpec } from "../graph/graph.ts";
import {
  disposeWorker,
  type PreparedWorker,
  prepareWorker,
} from "../sandbox/host.ts";
import type { NodeLoader } from "../sandbox/loader.ts";

/** Spare workers, each spawned for one specific node with its permissions. */
export class WorkerPool {
  readonly #spare = new Map<string, Promise<PreparedWorker>>();

  constructor(private readonly loader?: NodeLoader) {}

  /** Spawns workers for the first TypeScript nodes of `upcoming` until `max` are spare. */
  fill(upcoming: NodeSpec[], max: number): void {
    for (const node of upcoming) {
      if (this.#spare.size >= max) return;
      if (node.kind !== "ts" || this.#spare.has(node.id)) continue;
      const p = prepareWorker(node, this.loader);
      p.catch(() => {}); // a load error is reported when the node executes
      this.#spare.set(node.id, p);
    }
  }

  /** The spare worker of a node, if one was spawned; the caller now owns it. */
  take(id: string): Promise<PreparedWorker> | undefined {
    const p = this.#spare.get(id);
    this.#spare.delete(id);
    return p;
  }

  /** Terminates a node's spare worker (the node was cached or skipped). */
  dispose(id: string): void {
    this.take(id)?.then(disposeWorker, () => {});
  }

  /** Terminates every spare worker. */
  close(): void {
    for (const id of [...this.#spare.keys()]) this.dispose(id);
  }
}
