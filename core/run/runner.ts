/**
 * Executes a graph (or a selection of it). Before anything starts it
 * resolves parameters, checks inputs and computes each node's cache-key
 * components; then it takes the store's run lock, records the run, and lets
 * the scheduler decide, run and publish node by node (stage by stage).
 *
 * Nodes whose code, entry, parameters, granted files and input contents are
 * unchanged since their last success are `cached`; a failed node publishes
 * nothing, its downstream is skipped, and independent nodes go on.
 *
 * @module
 */

import { NodeContractError } from "../errors.ts";
import { type Graph, inputTables, type NodeSpec } from "../graph/graph.ts";
import { newRunId } from "../ids.ts";
import type { CliParam } from "../params/params.ts";
import { prepareSelection } from "../plan/prepare.ts";
import type { RunStatus, Store } from "../../stores/store.ts";
import { record } from "./_node_records.ts";
import { closeStaleRuns } from "./_stale_runs.ts";
import { Scheduler } from "./_scheduler.ts";
import { SandboxPool } from "../sandbox/pool.ts";
import {
  type Clock,
  concurrencyOf,
  type RunEvent,
  type RunOptions,
  type RunResult,
} from "./types.ts";

export { concurrencyOf } from "./types.ts";
export type {
  Clock,
  NodeResult,
  RunEvent,
  RunOptions,
  RunResult,
} from "./types.ts";

const realClock: Clock = { now: () => new Date() };

/** Runs the graph against `store`. Throws only for problems found before the run starts. */
export async function runGraph(
  graph: Graph,
  store: Store,
  opts: RunOptions = {},
): Promise<RunResult> {
  const clock = opts.clock ?? realClock;
  const emit = opts.onEvent ?? (() => {});
  if (opts.memoryMb !== undefined) graph = withMemory(graph, opts.memoryMb);
  // A run of its own gets a pool of its own, retired when the run ends.
  const pool = opts.pool ?? new SandboxPool(graph, {
    capacity: concurrencyOf(opts),
    loader: opts.loader,
  });
  try {
    return await runWith(graph, store, opts, pool, clock, emit);
  } finally {
    if (opts.pool === undefined) pool.close();
  }
}

async function runWith(
  graph: Graph,
  store: Store,
  opts: RunOptions,
  pool: SandboxPool,
  clock: Clock,
  emit: (e: RunEvent) => void,
): Promise<RunResult> {
  // A node that never succeeded will run: its sandbox process starts now,
  // while the selection is prepared and the store is locked.
  const ts = graph.nodes.filter((n) => n.kind === "ts");
  if (ts.length > 0) {
    const prev = opts.force === true
      ? new Map()
      : await store.getNodeCache(ts.map((n) => n.id));
    const first = ts.find((n) => !prev.has(n.id));
    if (first !== undefined) pool.warm([first], 1).catch(() => {});
  }
  const { nodes, params, statics } = await prepareSelection(graph, {
    ...opts,
    protectedFiles: store.localFiles,
  });

  const runId = opts.runId ?? newRunId(clock.now());
  const lock = await store.lock({
    owner: `run ${runId} (pid ${Deno.pid})`,
    wait: opts.wait !== false,
    onWait: opts.onLockWait,
    signal: opts.signal,
  });
  try {
    await closeStaleRuns(store, runId);
    const versions = new Map<string, string>();
    for (const t of await store.listTables()) {
      versions.set(t.name, t.contentVersion);
    }
    checkInputsProduced(graph, versions, nodes);
    const startedAt = clock.now();
    await store.createRun({
      id: runId,
      status: "running",
      startedAt,
      selection: (opts.selection?.length || opts.stage)
        ? nodes.map((n) => n.id)
        : [],
      params: publicParams(opts.params ?? [], params),
      trigger: opts.trigger ?? "cli",
    });
    emit({
      type: "run-started",
      runId,
      nodes: nodes.map((n) => ({ id: n.id, title: n.title })),
    });
    await store.saveNodeRuns(nodes.map((n) => record(runId, n, "pending")));
    const scheduler = new Scheduler({
      graph,
      store,
      runId,
      nodes,
      params,
      statics,
      prevCache: await store.getNodeCache(nodes.map((n) => n.id)),
      versions,
      opts,
      clock,
      emit,
      pool,
    });
    await scheduler.run();
    const results = nodes.map((n) => scheduler.results.get(n.id)!);
    const status: RunStatus = results.some((r) =>
        r.status === "failed" || r.status === "skipped"
      )
      ? "failed"
      : "succeeded";
    const finishedAt = clock.now();
    await store.updateRun(runId, { status, finishedAt });
    const durationMs = finishedAt.getTime() - startedAt.getTime();
    emit({ type: "run-finished", runId, status, durationMs });
    return { runId, status, durationMs, nodes: results };
  } finally {
    await lock.release();
  }
}

/** CLI params as recorded on the run: secret values are masked. */
function publicParams(
  cli: CliParam[],
  params: Map<string, { secret: string[] }>,
): Record<string, string> {
  const secret = new Set([...params.values()].flatMap((p) => p.secret));
  const out: Record<string, string> = {};
  for (const p of cli) {
    const key = p.node ? `${p.node}.${p.name}` : p.name;
    out[key] = secret.has(p.name) ? "***" : p.value;
  }
  return out;
}

function checkInputsProduced(
  graph: Graph,
  versions: Map<string, string>,
  nodes: NodeSpec[],
): void {
  const selected = new Set(nodes.map((n) => n.id));
  const problems: string[] = [];
  for (const node of nodes) {
    for (const table of inputTables(node)) {
      const producer = graph.producers.get(table);
      if (producer === undefined || selected.has(producer)) continue;
      if (versions.has(table)) continue;
      const p = graph.nodes.find((n) => n.id === producer)!;
      problems.push(
        `Cannot run node "${node.title}": its input table "${table}" has never been produced; run "${p.title}" first (runnel run ${p.id}) or select both nodes`,
      );
    }
  }
  if (problems.length > 0) throw new NodeContractError(problems.join("\n"));
}

/** The graph with `memoryMb` for every node that has no limit of its own. */
function withMemory(graph: Graph, memoryMb: number): Graph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.kind === "ts" && n.memoryMb === undefined ? { ...n, memoryMb } : n
    ),
  };
}
