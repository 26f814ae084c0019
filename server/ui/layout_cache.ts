/**
 * The dashboard's layout cache: the last few layouts by graph content, each
 * computed once. Small graphs are laid out inline; large ones in a
 * short-lived Worker, so the server keeps answering while dagre works.
 * Concurrent requests for the same content share one computation, and
 * {@link LayoutCache.warm} starts one as soon as a graph loads, before any
 * page asks.
 *
 * @module
 */

import type { Graph } from "../../core/graph/graph.ts";
import {
  type Layout,
  type LayoutInput,
  layoutInput,
  layoutKey,
  layoutOf,
} from "./layout.ts";

/** Graphs with more boxes than this are laid out in a Worker. */
export const WORKER_FROM = 300;

const LAYOUT_WORKER = new URL("./_layout_worker.ts", import.meta.url);

type Drawable = Pick<Graph, "title" | "nodes" | "stores" | "webhooks">;

/** Keeps the last few layouts by graph content; see the module doc. */
export class LayoutCache {
  #entries = new Map<string, Promise<Layout>>();
  #workers = new Set<Worker>();
  #hits = 0;
  #closed = false;

  constructor(readonly capacity = 4, readonly workerFrom = WORKER_FROM) {}

  /** The layout of `graph`, computed only when its content was not seen recently. */
  get(graph: Drawable): Promise<Layout> {
    const input = layoutInput(graph);
    const key = layoutKey(input);
    const hit = this.#entries.get(key);
    if (hit) {
      this.#hits++;
      this.#entries.delete(key); // most recently used goes last
      this.#entries.set(key, hit);
      return hit;
    }
    const layout = input.boxes.length > this.workerFrom
      ? this.#inWorker(input, key)
      : Promise.resolve().then(() => layoutOf(input, key));
    this.#entries.set(key, layout);
    // A failed layout is not kept: the next request tries again.
    layout.catch(() => {
      if (this.#entries.get(key) === layout) this.#entries.delete(key);
    });
    while (this.#entries.size > this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return layout;
  }

  /** Starts laying out `graph` now, so the first page load finds it ready. */
  warm(graph: Drawable): void {
    this.get(graph).catch(() => {}); // a page's request reports the error
  }

  /** Number of requests served from the cache (for tests). */
  get hits(): number {
    return this.#hits;
  }

  /** Stops layouts in progress; later calls of {@link get} reject. */
  close(): void {
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#workers.clear();
    this.#entries.clear();
  }

  #inWorker(input: LayoutInput, key: string): Promise<Layout> {
    if (this.#closed) {
      return Promise.reject(new Error("The dashboard is shut down"));
    }
    const worker = new Worker(LAYOUT_WORKER, { type: "module" });
    this.#workers.add(worker);
    const done = () => {
      worker.terminate();
      this.#workers.delete(worker);
    };
    return new Promise<Layout>((resolve, reject) => {
      worker.onmessage = (
        e: MessageEvent<{ layout?: Layout; error?: string }>,
      ) => {
        done();
        if (e.data.layout) resolve(e.data.layout);
        else reject(new Error(`Cannot lay out the graph: ${e.data.error}`));
      };
      worker.onerror = (e) => {
        e.preventDefault();
        done();
        reject(new Error(`Cannot lay out the graph: ${e.message}`));
      };
      worker.postMessage({ input, key });
    });
  }
}
