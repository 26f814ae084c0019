/**
 * Runs started by the dev server: one at a time. A run asked for through
 * the API while another is going is refused (409, the caller retries after
 * `run-finished`); runs asked for by the scheduler or the watcher are
 * queued, merged, and started when the current one ends. Run progress is
 * relayed to the event hub with secret values redacted.
 *
 * @module
 */

import { RunnelError } from "../core/errors.ts";
import type { Graph } from "../core/graph/graph.ts";
import { newRunId } from "../core/ids.ts";
import type { CliParam } from "../core/params/params.ts";
import { resolveRunParams } from "../core/plan/run_params.ts";
import {
  concurrencyOf,
  type RunEvent,
  runGraph,
  type RunOptions,
} from "../core/run/runner.ts";
import { SandboxPool } from "../core/sandbox/pool.ts";
import { selectNodes } from "../core/plan/selection.ts";
import type { Store } from "../stores/store.ts";
import type { EventHub } from "./_events.ts";
import type { Secrets } from "./_secrets.ts";

/** How many runs that never reached the store are remembered. */
const MAX_NOTES = 100;

/** What to run. */
export interface RunRequest {
  /** Node selectors (`a`, `a+`, `+a`); empty or absent: the whole graph. */
  nodes?: string[];
  params?: CliParam[];
  force?: boolean;
  /** Recorded on the run: `api`, `schedule`, `watch`. */
  trigger: string;
}

/** A run is already going: answered with 409. */
export class RunBusyError extends RunnelError {
  readonly runId: string;
  constructor(runId: string) {
    super(
      `A run is already in progress (run ${runId}): wait for its run-finished event on /api/events, then start another`,
    );
    this.runId = runId;
  }
}

/** There is no valid graph to run: answered with 409. */
export class GraphUnavailableError extends RunnelError {}

/** A run the server started that the store does not show (yet, or ever). */
export interface RunNote {
  status: "starting" | "failed";
  trigger: string;
  requestedAt: Date;
  error?: string;
}

/** Dependencies of a {@link RunManager}. */
export interface RunManagerDeps {
  graph(): Graph | undefined;
  store: Store;
  hub: EventHub;
  secrets: Secrets;
  now(): Date;
  /** Extra options for every run (tests: concurrency, loader…). */
  runOptions?: Partial<RunOptions>;
}

/** Starts, serializes and reports the server's runs; see the module doc. */
export class RunManager {
  readonly #d: RunManagerDeps;
  #active:
    | {
      runId: string;
      trigger: string;
      done: Promise<void>;
      stop: AbortController;
    }
    | undefined;
  readonly #queue: RunRequest[] = [];
  readonly #notes = new Map<string, RunNote>();
  #closed = false;
  /** Warm node workers, kept across runs of one graph. */
  #pool: SandboxPool | undefined;

  constructor(deps: RunManagerDeps) {
    this.#d = deps;
  }

  /** The run going now, if any. */
  get active(): { runId: string; trigger: string } | undefined {
    return this.#active && {
      runId: this.#active.runId,
      trigger: this.#active.trigger,
    };
  }

  /** What the server knows of a run the store does not hold. */
  note(runId: string): RunNote | undefined {
    return this.#notes.get(runId);
  }

  /**
   * Checks selection and parameters against the current graph without
   * running anything; throws the UsageError or NodeContractError a run
   * would. Remembers secret values given, for redaction.
   */
  async validate(req: RunRequest): Promise<void> {
    const graph = this.#graph();
    const nodes = selectNodes(graph, req.nodes ?? []);
    const params = await resolveRunParams(graph.nodes, nodes, req.params ?? []);
    const secret = new Set([...params.values()].flatMap((p) => p.secret));
    for (const p of req.params ?? []) {
      if (secret.has(p.name)) this.#d.secrets.add(p.value);
    }
  }

  /** Starts a run now and returns its id; throws {@link RunBusyError} when one is going. */
  start(req: RunRequest): string {
    if (this.#closed) throw new GraphUnavailableError("The server is stopping");
    if (this.#active) throw new RunBusyError(this.#active.runId);
    const graph = this.#graph();
    const runId = newRunId(this.#d.now());
    if (this.#notes.size >= MAX_NOTES) {
      this.#notes.delete(this.#notes.keys().next().value!);
    }
    this.#notes.set(runId, {
      status: "starting",
      trigger: req.trigger,
      requestedAt: this.#d.now(),
    });
    const stop = new AbortController();
    const done = this.#run(graph, runId, req, stop.signal).finally(() => {
      this.#active = undefined;
      this.#next();
    });
    this.#active = { runId, trigger: req.trigger, done, stop };
    return runId;
  }

  /**
   * Interrupts run `runId` if it is the one going: its running nodes stop
   * and fail, the rest are skipped, and it is recorded as failed. False
   * when that run is not going.
   */
  cancel(runId: string): boolean {
    if (this.#active?.runId !== runId) return false;
    this.#active.stop.abort();
    return true;
  }

  /** Starts `req` now, or after the current run (merged with other queued requests). */
  enqueue(req: RunRequest): void {
    if (this.#closed) return;
    if (!this.#active) {
      try {
        this.start(req);
      } catch (err) {
        this.#report(req, err);
      }
      return;
    }
    const same = this.#queue.find((q) => q.trigger === req.trigger);
    if (same === undefined) this.#queue.push({ ...req });
    else if (
      (same.nodes?.length ?? 0) === 0 || (req.nodes?.length ?? 0) === 0
    ) {
      same.nodes = [];
    } else same.nodes = [...new Set([...same.nodes!, ...req.nodes!])];
  }

  /** Resolves when no run is going and none is queued. */
  async idle(): Promise<void> {
    while (this.#active) await this.#active.done;
  }

  /** Stops queuing; interrupts the current run and waits until it is recorded. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#queue.length = 0;
    this.#active?.stop.abort();
    await this.idle();
    this.retireWorkers();
  }

  /**
   * Retires the warm workers (the graph changed: their code and sandboxes
   * may no longer be the graph's); a running run keeps its own until it
   * ends, and the next run starts new ones.
   */
  retireWorkers(): void {
    const pool = this.#pool;
    this.#pool = undefined;
    if (pool === undefined) return;
    if (this.#active === undefined) pool.close();
    else this.#active.done.finally(() => pool.close());
  }

  /** The warm workers for runs of `graph`. */
  #poolFor(graph: Graph): SandboxPool {
    if (this.#pool !== undefined && this.#pool.graph !== graph) {
      this.retireWorkers();
    }
    return this.#pool ??= new SandboxPool(graph, {
      capacity: concurrencyOf({ ...this.#d.runOptions }),
      loader: this.#d.runOptions?.loader,
    });
  }

  #graph(): Graph {
    const g = this.#d.graph();
    if (g === undefined) {
      throw new GraphUnavailableError(
        "Cannot run: graph.yml is invalid; fix the errors shown by GET /api/graph first",
      );
    }
    return g;
  }

  #next(): void {
    const req = this.#queue.shift();
    if (req !== undefined) this.enqueue(req);
  }

  #report(req: RunRequest, err: unknown): void {
    this.#d.hub.emit("run-error", {
      trigger: req.trigger,
      error: this.#d.secrets.redact((err as Error)?.message ?? String(err)),
    });
  }

  async #run(
    graph: Graph,
    runId: string,
    req: RunRequest,
    signal: AbortSignal,
  ): Promise<void> {
    const { hub, secrets } = this.#d;
    try {
      await runGraph(graph, this.#d.store, {
        ...this.#d.runOptions,
        pool: this.#poolFor(graph),
        runId,
        signal,
        selection: req.nodes ?? [],
        params: req.params ?? [],
        force: req.force === true,
        trigger: req.trigger,
        wait: true,
        clock: { now: () => this.#d.now() },
        onLockWait: (holder) =>
          hub.emit("run-waiting", { runId, holder: secrets.redact(holder) }),
        onEvent: (e) => {
          if (e.type === "run-started") this.#notes.delete(runId);
          hub.emit(e.type, eventData(e, secrets));
        },
      });
      this.#notes.delete(runId);
    } catch (err) {
      const error = secrets.redact((err as Error)?.message ?? String(err));
      if (this.#notes.has(runId)) {
        // Failed before the store recorded it (e.g. an input never produced).
        this.#notes.set(runId, {
          ...this.#notes.get(runId)!,
          status: "failed",
          error,
        });
      }
      hub.emit("run-finished", {
        runId,
        status: "failed",
        durationMs: 0,
        error,
      });
    }
  }
}

/** A run event as the hub sends it: without `type`, secrets redacted. */
export function eventData(
  e: RunEvent,
  secrets: Secrets,
): Record<string, unknown> {
  const { type: _type, ...data } = e;
  const out: Record<string, unknown> = { ...data };
  if (e.type === "log") out.message = secrets.redact(e.message);
  if (e.type === "node-finished" && e.error !== undefined) {
    out.error = secrets.redact(e.error);
  }
  if ("reason" in e && e.reason !== undefined) {
    out.reason = secrets.redact(e.reason);
  }
  return out;
}
