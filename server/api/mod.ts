/**
 * The JSON API of `runnel serve`: one file per resource (graph and nodes,
 * runs and their logs and events, tables and rows, webhooks), each a
 * function that registers its routes on the hono app.
 *
 * @module
 */

export { graphRoutes } from "./graph.ts";
export { runRoutes } from "./runs.ts";
export { tableRoutes } from "./tables.ts";
export { webhookRoutes } from "./webhooks.ts";
