// The run loop: decides each node when its inputs are final, runs what must
// run (concurrently, bounded), and publishes every stage's outputs together
// or not at all.

import { type Components, inputComponents, keyOf } from "../plan/cache_key.ts";
import {
  type Graph,
  inputTables,
  type NodeSpec,
  outputTables,
} from "../graph/graph.ts";
import { execWithSnapshot } from "./_node_exec.ts";
import { NodeRecords, record } from "./_node_records.ts";
import { NodeLog } from "./_node_log.ts";
import { Redactor } from "../params/redact.ts";
import type { SandboxPool } from "../sandbox/pool.ts";
import { decide } from "../plan/planner.ts";
import type { NodeParams } from "../plan/run_params.ts";
import {
  type Clock,
  concurrencyOf,
  type NodeResult,
  type RunEvent,
  type RunOptions,
} from "./types.ts";
import type {
  NodeCacheRecord,
  NodeStatus,
  Publication,
  ReadSnapshot,
  Store,
} from "../../stores/store.ts";

/** A set of nodes published together: a named stage, or one node on its own. */
interface Unit {
  stage?: string;
  /** Ids of its nodes, in run order. */
  members: string[];
  pending: Set<string>;
  pub?: Publication;
  /** Title of the first member that failed. */
  failed?: string;
  /** Committed, discarded or had nothing to publish. */
  done: boolean;
  /** Members that ran and succeeded (their cache records ride on the commit). */
  ran: string[];
}

/** Inputs of a {@link Scheduler}. */
export interface SchedulerInput {
  graph: Graph;
  store: Store;
  runId: string;
  nodes: NodeSpec[];
  params: Map<string, NodeParams>;
  statics: Map<string, Components>;
  prevCache: Map<string, NodeCacheRecord>;
  /** Committed content version by table; kept current as units commit. */
  versions: Map<string, string>;
  opts: RunOptions;
  clock: Clock;
  emit: (e: RunEvent) => void;
  /** The warm workers the run's TypeScript nodes run in. */
  pool: SandboxPool;
}

/** Executes one run's selected nodes. */
export class Scheduler {
  readonly results = new Map<string, NodeResult>();
  readonly #units = new Map<string, Unit>();
  readonly #unitOf = new Map<string, Unit>();
  readonly #selected: Set<string>;
  readonly #byId: Map<string, NodeSpec>;
  readonly #records: NodeRecords;
  #failFast?: string;
  /** Every secret parameter value of the run, kept out of logs and errors. */
  readonly #secrets = new Redactor();

  constructor(private readonly s: SchedulerInput) {
    this.#selected = new Set(s.nodes.map((n) => n.id));
    this.#byId = new Map(s.graph.nodes.map((n) => [n.id, n]));
    for (const p of s.params.values()) {
      for (const name of p.secret) {
        this.#secrets.add(p.values[name], p.coerced[name]);
      }
    }
    this.#records = new NodeRecords(s.store);
    for (const n of s.nodes) {
      const key = n.stage !== undefined ? `stage:${n.stage}` : `node:${n.id}`;
      let u = this.#units.get(key);
      if (!u) {
        u = {
          stage: n.stage,
          members: [],
          pending: new Set(),
          done: false,
          ran: [],
        };
        this.#units.set(key, u);
      }
      u.members.push(n.id);
      u.pending.add(n.id);
      this.#unitOf.set(n.id, u);
    }
  }

  /** Runs until every selected node has a result. */
  async run(): Promise<void> {
    const limit = concurrencyOf(this.s.opts);
    const running = new Map<string, Promise<void>>();
    const waiting = [...this.s.nodes];
    while (waiting.length > 0 || running.size > 0) {
      let progressed = false;
      /** Ready nodes held back by the concurrency limit. */
      const next: NodeSpec[] = [];
      for (let i = 0; i < waiting.length;) {
        const node = waiting[i]!;
        const state = this.#readiness(node);
        if (state === "wait" || (state === "ready" && running.size >= limit)) {
          if (state === "ready" && next.length < limit) next.push(node);
          i++;
          continue;
        }
        waiting.splice(i, 1);
        progressed = true;
        if (state !== "ready") {
          await this.#finish(node, "skipped", 0, 0, undefined, state.skip);
          continue;
        }
        const decision = await this.#decide(node);
        if (decision.skip) {
          await this.#finish(node, "cached", 0, 0, undefined, decision.reason);
          continue;
        }
        const p = this.#execute(node, decision.components, decision.reason)
          .finally(() => running.delete(node.id));
        running.set(node.id, p);
      }
      // Workers for the nodes that start next, spawned while these run.
      if (next.length > 0) this.s.pool.warm(next, limit).catch(() => {});
      if (running.size > 0) await Promise.race(running.values());
      else if (!progressed && waiting.length > 0) {
        throw new Error(
          `scheduler stalled on ${waiting.map((n) => n.id).join(", ")}`,
        );
      }
    }
    await this.#records.flush();
  }

  readonly #deps = new Map<string, string[]>();

  /** The selected nodes producing `node`'s inputs, in input order (once each). */
  #producers(node: NodeSpec): string[] {
    let deps = this.#deps.get(node.id);
    if (deps === undefined) {
      const ids = new Set<string>();
      for (const t of inputTables(node)) {
        const pid = this.s.graph.producers.get(t);
        if (pid !== undefined && pid !== node.id && this.#selected.has(pid)) {
          ids.add(pid);
        }
      }
      deps = [...ids];
      this.#deps.set(node.id, deps);
    }
    return deps;
  }

  #readiness(node: NodeSpec): "ready" | "wait" | { skip: string } {
    const unit = this.#unitOf.get(node.id)!;
    if (this.s.opts.signal?.aborted) {
      return { skip: "not started: the run was interrupted" };
    }
    if (this.#failFast !== undefined) {
      return {
        skip: `not started: --fail-fast after "${this.#failFast}" failed`,
      };
    }
    if (unit.failed !== undefined && unit.stage !== undefined) {
      return { skip: `stage "${unit.stage}" failed: "${unit.failed}" failed` };
    }
    for (const pid of this.#producers(node)) {
      const pu = this.#unitOf.get(pid)!;
      const r = this.results.get(pid);
      if (pu === unit) {
        if (!r) return "wait";
        if (r.status === "failed" || r.status === "skipped") {
          return { skip: `upstream failed: "${r.title}"` };
        }
        continue;
      }
      if (r && (r.status === "failed" || r.status === "skipped")) {
        return { skip: `upstream failed: "${r.title}"` };
      }
      if (!pu.done) return "wait";
      if (pu.failed !== undefined) {
        return {
          skip: `upstream stage "${pu.stage}" failed: "${pu.failed}" failed`,
        };
      }
    }
    return "ready";
  }

  async #decide(node: NodeSpec): Promise<
    { skip: true; reason: string } | {
      skip: false;
      components: Components;
      reason: string;
    }
  > {
    const unit = this.#unitOf.get(node.id)!;
    const versions: Record<string, string | undefined> = {};
    for (const t of inputTables(node)) {
      const pid = this.s.graph.producers.get(t);
      const staged = pid !== undefined && unit.ran.includes(pid);
      versions[t] = staged
        ? (await unit.pub!.describe(t))?.contentVersion ?? "staged"
        : this.s.versions.get(t);
    }
    const components = {
      ...this.s.statics.get(node.id)!,
      ...inputComponents(inputTables(node), versions),
    };
    const volatile = node.permissions.net.length > 0 && node.cache !== true;
    const d = decide(components, this.s.prevCache.get(node.id), {
      force: this.s.opts.force === true,
      volatile,
      missingOutputs: outputTables(node).filter((t) => !this.s.versions.has(t)),
    });
    const reason = d.reasons.join("; ");
    return d.action === "skip"
      ? { skip: true, reason }
      : { skip: false, components, reason };
  }

  async #execute(node: NodeSpec, components: Components, reason: string) {
    const { store, runId, clock, emit } = this.s;
    const unit = this.#unitOf.get(node.id)!;
    unit.pub ??= await store.beginPublication();
    const t0 = clock.now();
    emit({
      type: "node-started",
      runId,
      nodeId: node.id,
      title: node.title,
      reason,
    });
    const log = new NodeLog(
      runId,
      node.id,
      () => clock.now(),
      this.#secrets,
      emit,
    );
    const onLog = log.line;
    // One view of the committed inputs for the whole node run; its key is
    // the one of the rows it reads (webhooks may have appended since the
    // planner looked). The node starts while it opens and while its record
    // is saved: its table calls wait for the snapshot.
    const out = await execWithSnapshot({
      node,
      runId,
      store,
      publication: unit.pub,
      params: this.s.params.get(node.id)!,
      onLog,
      batchRows: this.s.opts.batchRows,
      pool: this.s.pool,
      signal: this.s.opts.signal,
      opening: this.#snapshot(node, unit),
      components,
      saveRunning: async () => {
        await this.#records.flush();
        await store.saveNodeRun({
          ...record(runId, node, "running"),
          startedAt: t0,
          reason,
        });
      },
    });
    if (out.ok) {
      if (out.state) unit.pub.setState(node.id, out.state);
      unit.pub.setNodeCache({
        nodeId: node.id,
        key: keyOf(components),
        components,
        runId,
        savedAt: clock.now(),
      });
      unit.ran.push(node.id);
    } else {
      out.error = this.#secrets.redact(out.error ?? "failed");
      onLog("error", out.error);
      unit.failed ??= node.title;
      if (this.s.opts.failFast) this.#failFast ??= node.title;
    }
    log.close();
    if (log.records.length > 0) await store.appendLogs(log.records);
    const ms = clock.now().getTime() - t0.getTime();
    await this.#finish(
      node,
      out.ok ? "succeeded" : "failed",
      ms,
      out.rowsWritten,
      out.error,
      reason,
      t0,
    );
  }

  /** A snapshot of the node's committed inputs (not those its own stage writes). */
  async #snapshot(
    node: NodeSpec,
    unit: Unit,
  ): Promise<ReadSnapshot | undefined> {
    if (node.kind !== "ts") return undefined;
    const staged = new Set(
      unit.members.flatMap((id) => outputTables(this.#byId.get(id)!)),
    );
    const tables = [...new Set(inputTables(node))].filter((t) =>
      !staged.has(t)
    );
    if (tables.length === 0) return undefined;
    return await this.s.store.openSnapshot(tables);
  }

  async #finish(
    node: NodeSpec,
    status: NodeStatus,
    durationMs: number,
    rowsWritten: number,
    error: string | undefined,
    reason: string | undefined,
    startedAt?: Date,
  ): Promise<void> {
    const { runId, clock } = this.s;
    const result: NodeResult = {
      id: node.id,
      title: node.title,
      file: node.relFile,
      status,
      durationMs,
      rowsWritten,
      error: error ?? (status === "skipped" ? reason : undefined),
      reason,
    };
    this.results.set(node.id, result);
    this.#records.push({
      ...record(runId, node, status),
      startedAt,
      finishedAt: startedAt ? clock.now() : undefined,
      durationMs: startedAt ? durationMs : undefined,
      rowsWritten,
      error: error?.split("\n")[0],
      reason,
    });
    const unit = this.#unitOf.get(node.id)!;
    unit.pending.delete(node.id);
    if (unit.pending.size === 0) await this.#close(unit);
    else this.#emitFinished(result);
  }

  /** Publishes (or discards) a unit once all its members have a result. */
  async #close(unit: Unit): Promise<void> {
    const members = unit.members;
    if (unit.pub) {
      if (unit.failed === undefined) {
        try {
          // The finished nodes' records ride on the commit: a process
          // killed right after it leaves records that agree with it.
          const nodeRuns = this.#records.queued();
          const summary = await unit.pub.commit({
            runId: this.s.runId,
            nodeId: members.length === 1 ? members[0] : undefined,
            nodeRuns,
          });
          this.#records.saved(nodeRuns);
          for (const [t, v] of Object.entries(summary.contentVersions)) {
            this.s.versions.set(t, v);
          }
        } catch (err) {
          unit.failed = members.map((id) => this.results.get(id)!.title)[0];
          for (const id of unit.ran) {
            const r = this.results.get(id)!;
            r.status = "failed";
            r.error = `could not publish: ${
              err instanceof Error ? err.message : err
            }`;
            this.#records.patch(id, { status: "failed", error: r.error });
          }
        }
      } else {
        for (const id of unit.ran) {
          const r = this.results.get(id)!;
          r.reason =
            `ran, but not published: stage "${unit.stage}" failed because "${unit.failed}" failed`;
          r.rowsWritten = 0;
          this.#records.patch(id, { reason: r.reason, rowsWritten: 0 });
        }
      }
      await unit.pub.discard();
    }
    unit.done = true;
    for (const id of members) {
      const r = this.results.get(id);
      if (r) this.#emitFinished(r);
    }
  }

  #emitted = new Set<string>();

  #emitFinished(r: NodeResult): void {
    if (this.#emitted.has(r.id)) return;
    const unit = this.#unitOf.get(r.id)!;
    if (r.status === "succeeded" && !unit.done) return; // wait for the publish
    this.#emitted.add(r.id);
    this.s.emit({
      type: "node-finished",
      runId: this.s.runId,
      nodeId: r.id,
      title: r.title,
      status: r.status,
      durationMs: r.durationMs,
      rowsWritten: r.rowsWritten,
      error: r.error?.split("\n")[0],
      reason: r.reason,
    });
  }
}
