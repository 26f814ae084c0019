/**
 * The typed message protocol between the host and a node's worker.
 *
 * The worker never holds a store connection: every table operation is a
 * {@link CallMessage} the host authorizes against the node's declared ports
 * before touching the store. Rows travel in batches (structured clone), never
 * one message per row.
 *
 * @module
 */

/** Table operations a worker may ask for. */
export type TableOp =
  | "describe"
  | "init"
  | "append"
  | "upsert"
  | "replace"
  | "truncate"
  | "read"
  | "count"
  | "exists"
  | "readSql";

/** Operations that change a table; allowed on output ports only. */
export const WRITE_OPS: ReadonlySet<TableOp> = new Set<TableOp>([
  "init",
  "append",
  "upsert",
  "replace",
  "truncate",
]);

/** Host → worker: start the node. */
export interface StartMessage {
  t: "start";
  /**
   * This node run's secret: every message of the run carries it as `x`, and
   * the host accepts no message without it (see `worker.ts`).
   */
  token: string;
  /** URL the worker imports the node module from (chosen by the loader). */
  moduleUrl: string;
  node: { id: string; title: string; runId: string };
  /** Declared input ports → table names. */
  inputs: Record<string, string>;
  /** Declared output ports → table names. */
  outputs: Record<string, string>;
  /** Parameter values from the CLI and graph.yml, before type coercion. */
  params: Record<string, unknown>;
  /** Names whose values must never be logged. */
  secretParams: string[];
  /** The node's state as committed by its last successful run. */
  state: Record<string, unknown>;
  /** Rows per message when sending writes. */
  batchRows: number;
}

/** Host → worker: the answer to a {@link CallMessage}. */
export type ReplyMessage =
  | { t: "reply"; x: string; id: number; ok: true; value: unknown }
  | { t: "reply"; x: string; id: number; ok: false; error: WireError };

/** Worker → host: a table operation. */
export interface CallMessage {
  t: "call";
  id: number;
  op: TableOp;
  port: string;
  // deno-lint-ignore no-explicit-any
  args: any;
}

/** Worker → host: a log line (from `log.*` or console). */
export interface LogMessage {
  t: "log";
  level: "debug" | "info" | "warn" | "error";
  message: string;
}

/** Worker → host: the node's state changed (applied on success only). */
export interface StateMessage {
  t: "state";
  state: Record<string, unknown>;
}

/**
 * Worker → host: the node function returned. `clean` says whether the
 * worker may take another node (`why` says what the node left behind).
 */
export interface DoneMessage {
  t: "done";
  clean: boolean;
  why?: string;
}

/**
 * Worker → host: the worker will not take this node, because something
 * ran in it while it was idle (`why`); the host runs the node in a fresh
 * worker.
 */
export interface StaleMessage {
  t: "stale";
  why: string;
}

/** Worker → host: the node function threw, or the module failed to load. */
export interface FailedMessage {
  t: "failed";
  error: WireError;
}

/** An error as it crosses the boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/**
 * Everything a worker may post, each with the run's token as `x`. The host
 * treats anything else as a protocol violation.
 */
export type WorkerMessage =
  & (
    | CallMessage
    | LogMessage
    | StateMessage
    | DoneMessage
    | StaleMessage
    | FailedMessage
  )
  & { x: string };

/** Everything the host posts. */
export type HostMessage = StartMessage | ReplyMessage;

/**
 * Converts anything thrown into a {@link WireError}, and never throws
 * itself: node code may throw a Proxy, a revoked Proxy, or an object whose
 * `toString` throws, and the failure must still be reported at once.
 */
export function toWireError(err: unknown): WireError {
  try {
    if (err instanceof Error) {
      const stack = err.stack;
      return {
        name: textOf(() => err.name, "Error"),
        message: textOf(() => err.message, ""),
        ...(typeof stack === "string" ? { stack } : {}),
      };
    }
  } catch {
    // instanceof or a getter threw: describe it below
  }
  return {
    name: "Error",
    message: textOf(
      () => String(err),
      `threw a value that cannot be shown as text (${typeofSafe(err)})`,
    ),
  };
}

function textOf(get: () => unknown, fallback: string): string {
  try {
    const v = get();
    return typeof v === "string" ? v : String(v);
  } catch {
    return fallback;
  }
}

function typeofSafe(v: unknown): string {
  try {
    return typeof v;
  } catch {
    return "unknown";
  }
}
