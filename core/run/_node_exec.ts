// Executes one node (TypeScript in a sandboxed worker, or SQL in the store)
// against a publication, and normalises how it ended.

import type { NodeSpec } from "../graph/graph.ts";
import type { NodeParams } from "../plan/run_params.ts";
import { executeNode, INTERRUPTED, timedOut } from "../sandbox/host.ts";
import type { SandboxPool } from "../sandbox/pool.ts";
import { executeSqlNode } from "../sql/node.ts";
import type {
  LogLevel,
  NodeState,
  Publication,
  ReadSnapshot,
  Store,
} from "../../stores/store.ts";

/** How one execution ended. */
export interface ExecOutcome {
  ok: boolean;
  rowsWritten: number;
  /** Message, plus the node's own stack frames when there are any. */
  error?: string;
  /** New node state to save with the outputs (TypeScript nodes). */
  state?: NodeState;
}

/** Everything one execution needs. */
export interface ExecInput {
  node: NodeSpec;
  runId: string;
  store: Store;
  publication: Publication;
  params: NodeParams;
  onLog: (level: LogLevel, message: string) => void;
  batchRows?: number;
  /** The warm workers TypeScript nodes run in. */
  pool: SandboxPool;
  /** Stops the node when aborted (a SQL node where the store can cancel it). */
  signal?: AbortSignal;
  /** The node run's view of its inputs (TypeScript nodes). */
  snapshot?: ReadSnapshot | Promise<ReadSnapshot | undefined>;
}

/** Runs the node; never throws. */
export async function execNode(input: ExecInput): Promise<ExecOutcome> {
  const { node } = input;
  if (input.signal?.aborted) {
    return { ok: false, rowsWritten: 0, error: INTERRUPTED };
  }
  try {
    if (node.kind === "sql") return await execSql(input);
    const outcome = await executeNode({
      node,
      runId: input.runId,
      publication: input.publication,
      params: input.params.values,
      secretParams: input.params.secret,
      state: await input.store.getState(node.id),
      onLog: input.onLog,
      batchRows: input.batchRows,
      pool: input.pool,
      signal: input.signal,
      snapshot: input.snapshot,
    });
    return outcome.ok
      ? { ok: true, rowsWritten: outcome.rowsWritten, state: outcome.state }
      : { ok: false, rowsWritten: 0, error: describeFailure(outcome.error) };
  } catch (err) {
    return {
      ok: false,
      rowsWritten: 0,
      error: input.signal?.aborted
        ? INTERRUPTED
        : err instanceof Error
        ? err.message
        : String(err),
    };
  }
}

/**
 * Runs the node with `opening`, the snapshot of its committed inputs, whose
 * content versions go into `components` (its cache key). A TypeScript node
 * starts while the snapshot opens and `saveRunning` records it (its table
 * calls wait for the snapshot); a SQL node, whose statement may take the
 * store's write lock, starts after. A snapshot that cannot open fails the
 * node: its key would not say which rows it read. Never throws.
 */
export async function execWithSnapshot(
  input: Omit<ExecInput, "snapshot"> & {
    opening: Promise<ReadSnapshot | undefined>;
    components: Record<string, string>;
    saveRunning: () => Promise<void>;
  },
): Promise<ExecOutcome> {
  const { node, opening, components } = input;
  opening.catch(() => {}); // the node's first read reports it
  if (node.kind !== "ts") await input.saveRunning();
  const execution = execNode({ ...input, snapshot: opening });
  let openError: unknown;
  try {
    if (node.kind === "ts") await input.saveRunning();
    const snapshot = await opening.catch((err) => {
      openError = err;
      return undefined;
    });
    for (const t of snapshot?.tables ?? []) {
      components[`input:${t}`] = snapshot!.describe(t)?.contentVersion ??
        "absent";
    }
    const out = await execution;
    if (openError === undefined || !out.ok) return out;
    return {
      ok: false,
      rowsWritten: 0,
      error: `could not open a snapshot of its inputs: ${
        openError instanceof Error ? openError.message : openError
      }`,
    };
  } finally {
    await execution;
    await (await opening.catch(() => undefined))?.close();
  }
}

/** A SQL node, stopped at its deadline as a TypeScript node is. */
async function execSql(input: ExecInput): Promise<ExecOutcome> {
  const { node } = input;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), node.timeoutMs);
  const signal = input.signal === undefined
    ? deadline.signal
    : AbortSignal.any([input.signal, deadline.signal]);
  try {
    const r = await executeSqlNode({
      node,
      publication: input.publication,
      values: input.params.values,
      signal,
    });
    return { ok: true, rowsWritten: r.rowsWritten };
  } catch (err) {
    if (deadline.signal.aborted && !input.signal?.aborted) {
      return { ok: false, rowsWritten: 0, error: timedOut(node) };
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The error message followed by the node's own stack frames (Runnel's internals are dropped). */
function describeFailure(
  e: { message: string; stack?: string } | undefined,
): string {
  if (!e) return "failed";
  // A node module imported again in a warm worker has a query: not shown.
  const frames = (e.stack ?? "").split("\n").filter((l) =>
    /^\s+at /.test(l) && !l.includes("/core/sandbox/") && !l.includes("ext:")
  ).map((l) => l.replace(/[?&]runnel-run=\d+/g, ""));
  return frames.length > 0 ? `${e.message}\n${frames.join("\n")}` : e.message;
}
