/**
 * Executes a graph (or a selection of it): resolves parameters up front,
 * runs nodes in dependency order — independent ones concurrently — each in
 * its own sandboxed worker with its own publication, and records the run,
 * every node execution and every log line in the store.
 *
 * A node's writes are committed only when it succeeds; a failed node
 * changes nothing, its downstream is skipped, and independent nodes go on.
 *
 * @module
 */

import { NodeContractError, UsageError } from "./errors.ts";
import {
  findNode,
  type Graph,
  inputTables,
  type NodeSpec,
  upstreamOf,
} from "./graph.ts";
import { newRunId } from "./ids.ts";
import type { CliParam } from "./params.ts";
import { resolveRunParams } from "./run_params.ts";
import { executeNode } from "./sandbox/host.ts";
import type { NodeLoader } from "./sandbox/loader.ts";
import type {
  LogLevel,
  LogRecord,
  NodeRunRecord,
  NodeStatus,
  RunStatus,
  Store,
} from "../stores/store.ts";

/** Progress events, for the CLI's live output and the dev server's stream. */
export type RunEvent =
  | {
    type: "run-started";
    runId: string;
    nodes: { id: string; title: string }[];
  }
  | { type: "node-started"; runId: string; nodeId: string; title: string }
  | {
    type: "node-finished";
    runId: string;
    nodeId: string;
    title: string;
    status: NodeStatus;
    durationMs: number;
    rowsWritten: number;
    error?: string;
  }
  | {
    type: "log";
    runId: string;
    nodeId: string;
    level: LogLevel;
    message: string;
    ts: Date;
  }
  | {
    type: "run-finished";
    runId: string;
    status: RunStatus;
    durationMs: number;
  };

/** Clock seam; real by default. */
export interface Clock {
  now(): Date;
}

/** Options of {@link runGraph}. */
export interface RunOptions {
  /** Node ids, titles or file names; empty runs the whole graph. */
  selection?: string[];
  params?: CliParam[];
  /** How many nodes may run at once (default: number of CPUs). */
  concurrency?: number;
  /** Recorded on the run: `cli`, `api`, `schedule`, … */
  trigger?: string;
  onEvent?: (e: RunEvent) => void;
  loader?: NodeLoader;
  clock?: Clock;
  batchRows?: number;
}

/** One node's result within a run. */
export interface NodeResult {
  id: string;
  title: string;
  file: string;
  status: NodeStatus;
  durationMs: number;
  rowsWritten: number;
  error?: string;
}

/** What {@link runGraph} returns. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  durationMs: number;
  nodes: NodeResult[];
}

const realClock: Clock = { now: () => new Date() };

/** Picks the nodes a selection names, in graph (topological) order. */
export function selectNodes(
  graph: Graph,
  selection: string[] = [],
): NodeSpec[] {
  if (selection.length === 0) return graph.nodes;
  const wanted = new Set<string>();
  const unknown: string[] = [];
  for (const ref of selection) {
    const n = findNode(graph, ref);
    if (n) wanted.add(n.id);
    else unknown.push(ref);
  }
  if (unknown.length > 0) {
    throw new UsageError(
      `No node named ${
        unknown.map((u) => `"${u}"`).join(", ")
      } in ${graph.file}: use a node id, title or file (nodes: ${
        graph.nodes.map((n) => `${n.id} ("${n.title}")`).join(", ")
      })`,
    );
  }
  return graph.nodes.filter((n) => wanted.has(n.id));
}

/** Runs the graph against `store` and returns the result. Throws only for problems found before the run starts. */
export async function runGraph(
  graph: Graph,
  store: Store,
  opts: RunOptions = {},
): Promise<RunResult> {
  const clock = opts.clock ?? realClock;
  const emit = opts.onEvent ?? (() => {});
  const nodes = selectNodes(graph, opts.selection);
  const params = await resolveRunParams(graph.nodes, nodes, opts.params ?? []);
  await checkInputsProduced(graph, store, nodes);

  const runId = newRunId(clock.now());
  const startedAt = clock.now();
  await store.createRun({
    id: runId,
    status: "running",
    startedAt,
    selection: opts.selection && opts.selection.length > 0
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
  for (const n of nodes) {
    await store.saveNodeRun(record(runId, n, "pending"));
  }

  const results = new Map<string, NodeResult>();
  const selected = new Set(nodes.map((n) => n.id));
  const limit = Math.max(
    1,
    opts.concurrency ?? navigator.hardwareConcurrency ?? 2,
  );
  const running = new Map<string, Promise<void>>();
  const pending = [...nodes];

  const runOne = async (node: NodeSpec): Promise<void> => {
    const t0 = clock.now();
    await store.saveNodeRun({
      ...record(runId, node, "running"),
      startedAt: t0,
    });
    emit({ type: "node-started", runId, nodeId: node.id, title: node.title });
    const logs: LogRecord[] = [];
    const onLog = (level: LogLevel, message: string) => {
      const ts = clock.now();
      logs.push({ runId, nodeId: node.id, ts, level, message });
      emit({ type: "log", runId, nodeId: node.id, level, message, ts });
    };
    let status: NodeStatus = "succeeded";
    let error: string | undefined;
    let rowsWritten = 0;
    const pub = await store.beginPublication();
    try {
      if (node.kind === "sql") {
        throw new NodeContractError(
          `SQL nodes are not supported by this version of Runnel yet; "${node.relFile}" cannot run`,
        );
      }
      const np = params.get(node.id)!;
      const outcome = await executeNode({
        node,
        runId,
        publication: pub,
        params: np.values,
        secretParams: np.secret,
        state: await store.getState(node.id),
        onLog,
        loader: opts.loader,
        batchRows: opts.batchRows,
      });
      rowsWritten = outcome.rowsWritten;
      if (outcome.ok) {
        if (outcome.state) pub.setState(node.id, outcome.state);
        await pub.commit({ runId, nodeId: node.id });
      } else {
        status = "failed";
        error = describeFailure(outcome.error);
      }
    } catch (err) {
      status = "failed";
      error = err instanceof Error ? err.message : String(err);
    } finally {
      await pub.discard();
    }
    if (status === "failed") onLog("error", error ?? "failed");
    if (logs.length > 0) await store.appendLogs(logs);
    const t1 = clock.now();
    const durationMs = t1.getTime() - t0.getTime();
    await store.saveNodeRun({
      ...record(runId, node, status),
      startedAt: t0,
      finishedAt: t1,
      durationMs,
      rowsWritten: status === "succeeded" ? rowsWritten : 0,
      error: error?.split("\n")[0],
    });
    results.set(node.id, {
      id: node.id,
      title: node.title,
      file: node.relFile,
      status,
      durationMs,
      rowsWritten: status === "succeeded" ? rowsWritten : 0,
      error,
    });
    emit({
      type: "node-finished",
      runId,
      nodeId: node.id,
      title: node.title,
      status,
      durationMs,
      rowsWritten: status === "succeeded" ? rowsWritten : 0,
      error: error?.split("\n")[0],
    });
  };

  while (pending.length > 0 || running.size > 0) {
    for (let i = 0; i < pending.length && running.size < limit;) {
      const node = pending[i]!;
      const ups = upstreamOf(graph, node).filter((id) => selected.has(id));
      if (ups.some((id) => !results.has(id))) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      const bad = ups.map((id) => results.get(id)!).find((r) =>
        r.status === "failed" || r.status === "skipped"
      );
      if (bad) {
        const reason = `upstream failed: "${bad.title}"`;
        results.set(node.id, {
          id: node.id,
          title: node.title,
          file: node.relFile,
          status: "skipped",
          durationMs: 0,
          rowsWritten: 0,
          error: reason,
        });
        await store.saveNodeRun({ ...record(runId, node, "skipped"), reason });
        emit({
          type: "node-finished",
          runId,
          nodeId: node.id,
          title: node.title,
          status: "skipped",
          durationMs: 0,
          rowsWritten: 0,
          error: reason,
        });
        i = 0;
        continue;
      }
      const p = runOne(node).finally(() => running.delete(node.id));
      running.set(node.id, p);
    }
    if (running.size > 0) await Promise.race(running.values());
  }

  const status: RunStatus =
    [...results.values()].some((r) =>
        r.status === "failed" || r.status === "skipped"
      )
      ? "failed"
      : "succeeded";
  const finishedAt = clock.now();
  await store.updateRun(runId, { status, finishedAt });
  const durationMs = finishedAt.getTime() - startedAt.getTime();
  emit({ type: "run-finished", runId, status, durationMs });
  return {
    runId,
    status,
    durationMs,
    nodes: nodes.map((n) => results.get(n.id)!),
  };
}

function record(runId: string, n: NodeSpec, status: NodeStatus): NodeRunRecord {
  return {
    runId,
    nodeId: n.id,
    title: n.title,
    file: n.relFile,
    status,
    rowsWritten: 0,
  };
}

function describeFailure(
  e: { message: string; stack?: string } | undefined,
): string {
  if (!e) return "failed";
  const frames = (e.stack ?? "").split("\n").filter((l) =>
    /^\s+at /.test(l) && !l.includes("/core/sandbox/") && !l.includes("ext:")
  );
  return frames.length > 0 ? `${e.message}\n${frames.join("\n")}` : e.message;
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

async function checkInputsProduced(
  graph: Graph,
  store: Store,
  nodes: NodeSpec[],
): Promise<void> {
  const selected = new Set(nodes.map((n) => n.id));
  const problems: string[] = [];
  for (const node of nodes) {
    for (const table of inputTables(node)) {
      const producer = graph.producers.get(table);
      if (producer === undefined || selected.has(producer)) continue;
      if (await store.describeTable(table)) continue;
      const p = graph.nodes.find((n) => n.id === producer)!;
      problems.push(
        `Cannot run node "${node.title}": its input table "${table}" has never been produced; run "${p.title}" first (runnel run ${p.id}) or select both nodes`,
      );
    }
  }
  if (problems.length > 0) throw new NodeContractError(problems.join("\n"));
}
