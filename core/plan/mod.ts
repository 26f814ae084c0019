/**
 * Deciding what to run: node selection (dbt-style selectors and stages),
 * run parameters, each node's local module graph, content-addressed cache
 * keys with early cutoff, and the planner's decision and reason per node
 * (`runnel plan`, `runnel run --explain`).
 *
 * @module
 */

export * from "./selection.ts";
export * from "./run_params.ts";
export * from "./module_graph.ts";
export * from "./cache_key.ts";
export * from "./prepare.ts";
export * from "./planner.ts";
export * from "./plan.ts";
