/**
 * Executing a graph: the run lock and record, closing runs left open by a
 * killed process, the scheduler (dependency order, stages, concurrency,
 * fail-fast, interrupts), node execution in sandboxed workers or the store
 * (SQL), and the records each node run leaves.
 *
 * @module
 */

export * from "./runner.ts";
export { STALE_REASON } from "./_stale_runs.ts";
