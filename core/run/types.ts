/**
 * The types a run's parts share: its options (and the default
 * concurrency), progress events, clock seam and results. They live apart
 * from `runner.ts` so that the runner and the scheduler both import them
 * without importing each other.
 *
 * @module
 */

import type { CliParam } from "../params/params.ts";
import type { NodeLoader } from "../sandbox/loader.ts";
import type { SandboxPool } from "../sandbox/pool.ts";
import type { LogLevel, NodeStatus, RunStatus } from "../../stores/store.ts";

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
  /**
   * Heap limit in MiB of the sandbox process of every node without
   * `memory:` of its own (see `NodeSpec.memoryMb`). None: V8's default.
   */
  memoryMb?: number;
  /**
   * Warm workers to run TypeScript nodes in, kept across runs (the dev
   * server's; closed when its graph changes). None: the run makes its own
   * and retires it when it ends.
   */
  pool?: SandboxPool;
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

/** How many nodes may execute at once: `concurrency`, else the number of CPUs. */
export function concurrencyOf(opts: RunOptions): number {
  return Math.max(1, opts.concurrency ?? navigator.hardwareConcurrency ?? 2);
}
