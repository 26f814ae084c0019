/**
 * The host side of the sandbox: runs one node in a warm worker of a
 * {@link SandboxPool} whose permissions are exactly those graph.yml grants
 * it, answers its table calls through a {@link Publication}, and turns
 * every way a node can end (return, throw, exit, timeout, protocol
 * violation) into a {@link NodeOutcome}.
 *
 * Authorization lives here, not in the worker's SDK: a node that posts raw
 * protocol messages is refused (they lack its run's token), and its SDK's
 * calls reach only the tables it declares.
 *
 * @module
 */

import type { NodeSpec } from "../graph/graph.ts";
import type {
  LogLevel,
  NodeState,
  Publication,
  ReadSnapshot,
} from "../../stores/store.ts";
import type { LoadedNode } from "./loader.ts";
import type { SandboxPool } from "./pool.ts";
import { TableService } from "./_table_service.ts";
import { readWorkerMessage } from "./_messages.ts";
import {
  type CallMessage,
  type HostMessage,
  toWireError,
  type WireError,
  type WorkerMessage,
} from "./protocol.ts";
import { formatDuration } from "../format.ts";

/** Everything needed to execute one node. */
export interface NodeExecution {
  node: NodeSpec;
  runId: string;
  publication: Publication;
  /** Parameter values before coercion (CLI over graph.yml). */
  params: Record<string, unknown>;
  secretParams?: string[];
  state: NodeState;
  onLog: (level: LogLevel, message: string) => void;
  /** Rows per worker → host message. */
  batchRows?: number;
  /** Stops the node when aborted: it fails with {@link INTERRUPTED}. */
  signal?: AbortSignal;
  /**
   * The node run's view of its input tables (reads, counts, definitions).
   * It may still be opening: the node starts meanwhile, and its table calls
   * wait for it.
   */
  snapshot?: ReadSnapshot | Promise<ReadSnapshot | undefined>;
}

/** Why a node stopped when its run was interrupted. */
export const INTERRUPTED =
  "interrupted: the run was stopped before it finished";

/** How a node execution ended. */
export interface NodeOutcome {
  ok: boolean;
  error?: WireError;
  rowsWritten: number;
  /** The node's state after the run, when it changed. */
  state?: NodeState;
}

/** What a node that ran out of time is told. */
export function timedOut(node: NodeSpec): string {
  return `timed out after ${
    formatDuration(node.timeoutMs)
  } and was stopped; raise timeout: for this function in graph.yml if it needs longer`;
}

/** What the host needs of a node's Worker (here, one in a sandbox process). */
export type NodeWorker = Pick<
  Worker,
  "postMessage" | "terminate" | "onmessage" | "onerror" | "onmessageerror"
>;

/**
 * Runs a node to completion in a warm worker of `pool` whose sandbox is
 * exactly the node's (a fresh one with `isolate: true`, or when the warm
 * one turns out unfit), and gives the worker back.
 */
export async function executeNode(
  exec: NodeExecution & { pool: SandboxPool },
): Promise<NodeOutcome> {
  const { node, pool } = exec;
  let prepared;
  try {
    prepared = await pool.prepare(node);
  } catch (err) {
    return { ok: false, error: toWireError(err), rowsWritten: 0 };
  }
  for (let attempt = 0;; attempt++) {
    const lease = pool.acquire(prepared.sandbox, attempt > 0 || node.isolate);
    const t0 = performance.now();
    const r = await runIn(lease.worker, prepared.loaded, exec);
    pool.release(lease, {
      clean: r.clean,
      durationMs: performance.now() - t0,
    });
    if (r.outcome !== "stale") return r.outcome;
  }
}

/** One node run in `worker`; "stale": the worker would not take it. */
async function runIn(
  worker: NodeWorker,
  loaded: LoadedNode,
  exec: NodeExecution,
): Promise<{ outcome: NodeOutcome | "stale"; clean: boolean }> {
  const { node } = exec;
  const token = newToken();
  // Aborted when the node ends however it ends: SQL it started is stopped.
  const ended = new AbortController();
  const deadline = Date.now() + node.timeoutMs;
  let service: TableService | undefined;
  const ready = Promise.resolve(exec.snapshot).then((snapshot) => {
    service = new TableService(
      node,
      exec.publication,
      ended.signal,
      deadline,
      snapshot,
    );
    return service;
  });
  ready.catch(() => {}); // the node's first call reports it

  let state: NodeState | undefined;
  let queue: Promise<void> = Promise.resolve();
  let settled = false;
  let clean = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  return await new Promise((resolve) => {
    const onAbort = () =>
      finish(false, { name: "Interrupted", message: INTERRUPTED });
    const finish = (ok: boolean, error?: WireError, stale = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ended.abort();
      exec.signal?.removeEventListener("abort", onAbort);
      worker.onmessage = worker.onerror = worker.onmessageerror = null;
      // Let queued calls finish before reporting, so rowsWritten is final.
      queue.finally(() => {
        resolve({
          outcome: stale
            ? "stale"
            : { ok, error, rowsWritten: service?.rowsWritten ?? 0, state },
          clean: ok && clean,
        });
      });
    };
    timer = setTimeout(() => {
      finish(false, { name: "TimeoutError", message: timedOut(node) });
    }, node.timeoutMs);

    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      finish(false, { name: "Error", message: e.message });
    };
    worker.onmessageerror = () => {
      finish(false, {
        name: "ProtocolError",
        message: "sent a message the host could not read",
      });
    };
    const protocolError = (what: string) =>
      finish(false, {
        name: "ProtocolError",
        message:
          `${what}; a node talks to Runnel only through its SDK (table, parameter, state, log)`,
      });
    worker.onmessage = (e: MessageEvent<unknown>) => {
      if (settled) return;
      try {
        const read = readWorkerMessage(e.data, token);
        if (!read.ok) protocolError(read.error);
        else handleMessage(read.msg);
      } catch (err) {
        // Nothing a worker posts may reach the host's event loop as a throw.
        protocolError(
          `sent a message the host could not handle (${
            err instanceof Error ? err.message : "unknown error"
          })`,
        );
      }
    };
    const handleMessage = (msg: WorkerMessage) => {
      switch (msg.t) {
        case "call":
          queue = queue.then(() => answer(msg));
          return;
        case "log":
          exec.onLog(msg.level, msg.message);
          return;
        case "state":
          state = msg.state;
          return;
        case "done":
          clean = msg.clean;
          queue.then(() => finish(true));
          return;
        case "stale":
          finish(false, undefined, true);
          return;
        case "failed":
          finish(false, msg.error);
          return;
      }
    };

    const answer = async (msg: CallMessage): Promise<void> => {
      let reply: HostMessage;
      try {
        const value = await (await ready).handle(msg);
        reply = { t: "reply", x: token, id: msg.id, ok: true, value };
      } catch (err) {
        reply = {
          t: "reply",
          x: token,
          id: msg.id,
          ok: false,
          error: toWireError(err),
        };
      }
      if (settled) return;
      try {
        worker.postMessage(reply);
      } catch (err) {
        // The answer itself cannot cross (say, JSON nested too deep for
        // structured clone): the call fails, and the node can say so.
        try {
          worker.postMessage(
            {
              t: "reply",
              x: token,
              id: msg.id,
              ok: false,
              error: {
                name: "DataError",
                message:
                  `the answer to ${msg.op} on "${msg.port}" could not be sent to the node: ${
                    err instanceof Error ? err.message : String(err)
                  }`,
              },
            } satisfies HostMessage,
          );
        } catch {
          protocolError("could not be sent an answer");
        }
      }
    };

    const start: HostMessage = {
      t: "start",
      token,
      moduleUrl: loaded.moduleUrl,
      node: { id: node.id, title: node.title, runId: exec.runId },
      inputs: node.inputs,
      outputs: node.outputs,
      params: exec.params,
      secretParams: exec.secretParams ?? [],
      state: exec.state,
      batchRows: exec.batchRows ?? 5000,
    };
    worker.postMessage(start);
    if (exec.signal?.aborted) onAbort();
    else exec.signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A node run's secret (see `StartMessage.token`). */
function newToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
