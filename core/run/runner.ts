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

import { FileHasher, staticComponents } from "../plan/cache_key.ts";
import { NodeContractError } from "../errors.ts";
import { type Graph, inputTables, type NodeSpec } from "../graph/graph.ts";
import { newRunId } from "../ids.ts";
import type { CliParam } from "../params/params.ts";
import { type NodeParams, resolveRunParams } from "../plan/run_params.ts";
import type { NodeLoader } from "../sandbox/loader.ts";
import { record } from "./_node_records.ts";
import { closeStaleRuns } from "./_stale_runs.ts";
import { Scheduler } from "./_scheduler.ts";
import { selectNodes } from "../plan/selection.ts";
import { normalizedSqlForCache } from "../sql/node.ts";
import type {
  LogLevel,
  NodeStatus,
  RunStatus,
  Store,
} from "../../stores/store.ts";

/** Progress events, for the CLI's live output and the dev server's stream. */
export type RunEvent =
  | {
    type: "run-started";
    runId: string;
    nodes: { id: string; title: string }[];
  }
  | {
    type: "node-started";
    runId: string;
    nodeId: string;
    title: string;
    reason?: string;
  }
  | {
    type: "node-finished";
    runId: string;
    nodeId: string;
    title: string;
    status: NodeStatus;
    durationMs: number;
    rowsWritten: number;
    error?: string;
    /** The planner's reason to run or skip. */
    reason?: string;
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
  /** Node selectors: ids, titles or files, with dbt-style `a+` / `+a`. Empty: all. */
  selection?: string[];
  /** Run every node of this stage (with the selection, if any). */
  stage?: string;
  params?: CliParam[];
  /** How many nodes may execute at once (default: number of CPUs). */
  concurrency?: number;
  /** Ignore the cache for the selected nodes. */
  force?: boolean;
  /** Stop starting nodes after the first failure. */
  failFast?: boolean;
  /**
   * Interrupts the run when aborted: running TypeScript nodes are stopped
   * and fail, nodes not started yet are skipped, and nothing they staged is
   * published. The run ends normally (failed) and releases the store.
   */
  signal?: AbortSignal;
  /** Wait for another run holding the store (default), or fail at once. */
  wait?: boolean;
  /** Called when another run holds the store and this one waits. */
  onLockWait?: (holder: string) => void;
  /** Recorded on the run: `cli`, `api`, `schedule`, … */
  trigger?: string;
  /**
   * Id to record the run under (default: a new {@link newRunId}). Lets a
   * caller such as the dev server answer with the id before the run ends.
   */
  runId?: string;
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
  /** The planner's reason to run or skip it. */
  reason?: string;
}

/** What {@link runGraph} returns. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  durationMs: number;
  nodes: NodeResult[];
}

const realClock: Clock = { now: () => new Date() };

/** Runs the graph against `store`. Throws only for problems found before the run starts. */
export async function runGraph(
  graph: Graph,
  store: Store,
  opts: RunOptions = {},
): Promise<RunResult> {
  const clock = opts.clock ?? realClock;
  const emit = opts.onEvent ?? (() => {});
  const { nodes, params, statics } = await prepareSelection(graph, opts);

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

/** The selected nodes with their resolved parameters and input-independent key components. */
export interface PreparedSelection {
  nodes: NodeSpec[];
  params: Map<string, NodeParams>;
  statics: Map<string, Record<string, string>>;
}

/**
 * Selects nodes, resolves their parameters and hashes everything that does
 * not depend on inputs — the work a run and a plan share. Reads each file once.
 */
export async function prepareSelection(
  graph: Graph,
  opts: Pick<RunOptions, "selection" | "stage" | "params">,
): Promise<PreparedSelection> {
  const nodes = selectNodes(graph, opts.selection ?? [], { stage: opts.stage });
  const hasher = new FileHasher();
  const params = await resolveRunParams(
    graph.nodes,
    nodes,
    opts.params ?? [],
    (n) => hasher.text(n.file),
  );
  const statics = await computeStatics(graph, nodes, params, hasher);
  return { nodes, params, statics };
}

/** Cache-key components that do not depend on inputs, for every selected node. */
export async function computeStatics(
  graph: Graph,
  nodes: NodeSpec[],
  params: Map<string, NodeParams>,
  hasher: FileHasher = new FileHasher(),
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  for (const node of nodes) {
    let normalizedSql: string | undefined;
    if (node.kind === "sql") {
      try {
        normalizedSql = normalizedSqlForCache(
          await hasher.text(node.file),
          node.relFile,
        );
      } catch (err) {
        normalizedSql = `invalid: ${(err as Error).message}`;
      }
    }
    out.set(
      node.id,
      await staticComponents({
        node,
        dir: graph.dir,
        params: params.get(node.id)?.coerced ?? {},
        normalizedSql,
        hasher,
      }),
    );
  }
  return out;
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
