/**
 * Sandboxed node execution: each TypeScript node runs in a Deno Worker with
 * deny-by-default permissions, inside a sandbox process with the same
 * permissions (and a heap limit); workers are kept warm and shared by nodes
 * whose sandbox is exactly the same ({@link SandboxPool}). The host
 * authorizes every table, parameter, state and log call the worker makes
 * over the message protocol. Also the SDK types a node's default export
 * receives (`NodeContext`).
 *
 * @module
 */

export * from "./host.ts";
export * from "./loader.ts";
export * from "./permissions.ts";
export * from "./pool.ts";
export * from "./protocol.ts";
export type * from "./node_context.ts";
export { serveSandboxProcess } from "./_process_host.ts";
