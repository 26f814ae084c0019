/**
 * Warm sandbox workers. Every TypeScript node runs in a Worker inside a
 * sandbox process whose own Deno permissions are exactly the Worker's
 * (see `_process_host.ts`): a Worker's module loading is checked against
 * its process's permissions, so only such a process keeps `import()` from
 * reading what the node was not granted, and only a process can bound a
 * heap. Starting one costs tens of milliseconds, so the pool keeps them:
 * a worker that finished a node cleanly takes the next node whose
 * {@link Sandbox} is exactly the same.
 *
 * A worker is retired, never reused, after a node that failed, timed out,
 * was interrupted, left something behind, was denied a permission or ran
 * longer than {@link PoolOptions.maxNodeMs}; after {@link PoolOptions.maxRuns}
 * nodes; and when the pool closes (the end of a `runnel run`, a graph
 * change in `runnel serve`). A node with `isolate: true` gets a worker of
 * its own, used once.
 *
 * @module
 */

import type { Graph, NodeSpec } from "../graph/graph.ts";
import { fileLoader, type LoadedNode, type NodeLoader } from "./loader.ts";
import {
  type AppFiles,
  appModuleFiles,
  checkModuleFiles,
  type Sandbox,
  sandboxOf,
} from "./permissions.ts";
import { ProcessWorker } from "./_process_worker.ts";

/** Options of a {@link SandboxPool}. */
export interface PoolOptions {
  /** Most workers at once, busy or idle (default: the number of CPUs). */
  capacity?: number;
  loader?: NodeLoader;
  /** Nodes one worker runs before it is retired (default 200). */
  maxRuns?: number;
  /** A node that runs longer retires its worker (default 30 s). */
  maxNodeMs?: number;
}

/** A worker lent to one node run. */
export interface Lease {
  readonly worker: ProcessWorker;
  readonly sandbox: Sandbox;
  /** Nodes this worker ran before this one. */
  readonly runs: number;
}

interface Slot extends Lease {
  runs: number;
  busy: boolean;
  /** Used once (isolate: true), or found unfit while idle. */
  retire: boolean;
}

/** How a node's run ended, as far as its worker is concerned. */
export interface RunReport {
  /** The node finished and its worker said it is clean. */
  clean: boolean;
  durationMs: number;
}

/** The warm workers of one graph. */
export class SandboxPool {
  readonly #slots: Slot[] = [];
  readonly #loads = new Map<
    string,
    Promise<{ loaded: LoadedNode; sandbox: Sandbox }>
  >();
  readonly #loader: NodeLoader;
  readonly #capacity: number;
  readonly #maxRuns: number;
  readonly #maxNodeMs: number;
  #appFiles?: Promise<AppFiles>;
  #closed = false;
  /** Workers started by this pool (for tests and benchmarks). */
  spawned = 0;

  constructor(readonly graph: Graph, opts: PoolOptions = {}) {
    this.#loader = opts.loader ?? fileLoader;
    this.#capacity = Math.max(
      1,
      opts.capacity ?? navigator.hardwareConcurrency ?? 2,
    );
    this.#maxRuns = opts.maxRuns ?? 200;
    this.#maxNodeMs = opts.maxNodeMs ?? 30_000;
  }

  /** The node's code and sandbox (loaded once per pool). */
  prepare(node: NodeSpec): Promise<{ loaded: LoadedNode; sandbox: Sandbox }> {
    let p = this.#loads.get(node.id);
    if (p === undefined) {
      this.#appFiles ??= appModuleFiles(this.graph, this.#loader);
      const files = this.#appFiles;
      p = (async () => {
        const app = await files;
        // Loaded already to find the app's files; a node that did not load
        // then is loaded again here, to report why.
        let loaded = app.loaded.get(node.id);
        if (loaded === undefined) {
          loaded = await this.#loader.load(node);
          checkModuleFiles(node, loaded, this.graph.dir);
        }
        return { loaded, sandbox: sandboxOf(node, loaded, app) };
      })();
      p.catch(() => {}); // reported when the node runs
      this.#loads.set(node.id, p);
    }
    return p;
  }

  /**
   * A worker for `sandbox`: an idle one of exactly that sandbox, or a new
   * one (always new with `fresh`, and then used once).
   */
  acquire(sandbox: Sandbox, fresh = false): Lease {
    if (this.#closed) throw new Error("the sandbox pool is closed");
    for (const s of [...this.#slots]) {
      if (!s.busy && !s.worker.alive) this.#drop(s); // ended while idle
    }
    if (!fresh) {
      const idle = this.#slots.find((s) =>
        !s.busy && !s.retire && s.sandbox.key === sandbox.key
      );
      if (idle !== undefined) {
        idle.busy = true;
        return idle;
      }
    }
    this.#room();
    const slot = this.#spawn(sandbox, fresh);
    slot.busy = true;
    return slot;
  }

  /** Takes back a worker: kept for the next node when it may, else retired. */
  release(lease: Lease, report: RunReport): void {
    const slot = lease as Slot;
    slot.runs++;
    slot.busy = false;
    const keep = !this.#closed && !slot.retire && report.clean &&
      slot.worker.alive && slot.runs < this.#maxRuns &&
      report.durationMs <= this.#maxNodeMs;
    if (!keep) return this.#drop(slot);
    // An idle worker has nothing to say: a message now is code that kept
    // running after its node, and the worker is not used again.
    slot.worker.onmessage = () => this.#drop(slot);
    slot.worker.onerror = () => this.#drop(slot);
    slot.worker.onmessageerror = () => this.#drop(slot);
    this.#trim();
  }

  /**
   * Starts workers ahead of need for the sandboxes of `nodes` (the next
   * nodes that may run), as many as may run at once and capacity allows.
   */
  async warm(nodes: NodeSpec[], concurrent: number): Promise<void> {
    const want = new Map<string, { sandbox: Sandbox; n: number }>();
    for (const node of nodes.slice(0, concurrent)) {
      if (node.kind !== "ts" || node.isolate) continue;
      let sandbox: Sandbox;
      try {
        sandbox = (await this.prepare(node)).sandbox;
      } catch {
        continue;
      }
      const w = want.get(sandbox.key) ?? { sandbox, n: 0 };
      w.n++;
      want.set(sandbox.key, w);
    }
    if (this.#closed) return;
    for (const { sandbox, n } of want.values()) {
      let have = this.#slots.filter((s) =>
        !s.retire && s.sandbox.key === sandbox.key && s.worker.alive
      ).length;
      while (have < n && this.#slots.length < this.#capacity) {
        this.#spawn(sandbox, false);
        have++;
      }
    }
  }

  /** Retires every worker; later acquires fail. Safe to call more than once. */
  close(): void {
    this.#closed = true;
    for (const s of [...this.#slots]) if (!s.busy) this.#drop(s);
    // Every load once: those made to find the app's files, and the others.
    const loads = [...this.#loads.values()];
    this.#loads.clear();
    const app = this.#appFiles;
    (async () => {
      const done = new Set<LoadedNode>();
      const dispose = (l: LoadedNode) => {
        if (!done.has(l)) l.dispose();
        done.add(l);
      };
      for (const p of loads) await p.then((r) => dispose(r.loaded), () => {});
      if (app) { for (const l of (await app).loaded.values()) dispose(l); }
    })().catch(() => {});
  }

  /** Workers alive now: busy, idle. */
  get size(): { busy: number; idle: number } {
    const busy = this.#slots.filter((s) => s.busy).length;
    return { busy, idle: this.#slots.length - busy };
  }

  #room(): boolean {
    if (this.#slots.length < this.#capacity) return true;
    // Make room by retiring an idle worker.
    const idle = this.#slots.find((s) => !s.busy);
    if (idle === undefined) return false;
    this.#drop(idle);
    return true;
  }

  #spawn(sandbox: Sandbox, once: boolean): Slot {
    this.spawned++;
    const slot: Slot = {
      worker: new ProcessWorker(sandbox.permissions, sandbox.memoryMb),
      sandbox,
      runs: 0,
      busy: false,
      retire: once,
    };
    this.#slots.push(slot);
    return slot;
  }

  #drop(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
    slot.worker.terminate();
  }

  /** Keeps idle workers within capacity (busy ones may exceed it briefly). */
  #trim(): void {
    while (this.#slots.length > this.#capacity) {
      const idle = this.#slots.find((s) => !s.busy);
      if (idle === undefined) return;
      this.#drop(idle);
    }
  }
}
