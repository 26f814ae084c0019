/**
 * What the dev server's routes work with: the graph, the store, the event
 * hub, the run manager and friends. Built by `createServer` (mod.ts).
 *
 * @module
 */

import type { Store } from "../stores/store.ts";
import type { EventHub } from "./_events.ts";
import type { GraphState } from "./_graph_state.ts";
import type { LastStatus } from "./_last_status.ts";
import type { RunManager } from "./_runs.ts";
import type { Secrets } from "./_secrets.ts";
import type { WebhookWriter } from "./webhooks/mod.ts";

/** Size and count limits of the server. */
export interface ServerLimits {
  /** Largest webhook body accepted, in bytes (default 16 MiB). */
  webhookMaxBytes: number;
  /** Largest page of rows (default 1,000). */
  maxPageRows: number;
}

/** Everything a route needs. */
export interface ServerContext {
  /** Absolute app directory. */
  dir: string;
  graphs: GraphState;
  store: Store;
  hub: EventHub;
  runs: RunManager;
  secrets: Secrets;
  lastStatus: LastStatus;
  webhooks: WebhookWriter;
  /** Server token; undefined: no authentication (loopback only). */
  token?: string;
  limits: ServerLimits;
  /** Next scheduled time of each cron node, by node id. */
  nextRuns(): Map<string, Date>;
}
