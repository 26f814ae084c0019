/**
 * The host side of the sandbox: runs one node in its own Worker with
 * exactly the permissions graph.yml grants, answers its table calls through
 * a {@link Publication}, and turns every way a node can end (return, throw,
 * exit, timeout, protocol violation) into a {@link NodeOutcome}.
 *
 * Authorization lives here, not in the worker's SDK: a node that posts raw
 * protocol messages still reaches only the tables it declares.
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
import { fileLoader, type LoadedNode, type NodeLoader } from "./loader.ts";
import { TableService } from "./_table_service.ts";
import { readWorkerMessage } from "./_messages.ts";
import { ProcessWorker } from "./_process_worker.ts";
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
  loader?: NodeLoader;
  /** Rows per worker → host message. */
  batchRows?: number;
  /** Stops the node when aborted: it fails with {@link INTERRUPTED}. */
  signal?: AbortSignal;
  /** The node run's view of its input tables (reads, counts, definitions). */
  snapshot?: ReadSnapshot;
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

// The one-file build of worker.ts (see _worker_bundle_build.ts): it is
// ready about 2 ms sooner than the eight modules it is made of.
const WORKER_URL = new URL("./_worker_bundle.js", import.meta.url);

/** What a node that ran out of time is told. */
export function timedOut(node: NodeSpec): string {
  return `timed out after ${
    formatDuration(node.timeoutMs)
  } and was stopped; raise timeout: for this function in graph.yml if it needs longer`;
}

/** A worker spawned ahead of time for one node, with that node's permissions. */
export interface PreparedWorker {
  node: NodeSpec;
  worker: NodeWorker;
  loaded: LoadedNode;
}

/** What the host needs of a node's Worker (in this process, or in a sandbox process). */
export type NodeWorker = Pick<
  Worker,
  "postMessage" | "terminate" | "onmessage" | "onerror" | "onmessageerror"
>;

/**
 * Loads a node's code and spawns its worker without starting it. The
 * scheduler calls this ahead of time so that spawning overlaps other work;
 * call {@link disposeWorker} if the node ends up not running.
 */
export async function prepareWorker(
  node: NodeSpec,
  loader: NodeLoader = fileLoader,
): Promise<PreparedWorker> {
  const loaded = await loader.load(node);
  const perms = node.permissions;
  const permissions = {
    read: [...new Set([...loaded.readPaths, ...perms.read])],
    write: perms.write.length > 0 ? perms.write : false as const,
    net: perms.net.length > 0 ? perms.net : false as const,
    env: perms.env.length > 0 ? perms.env : false as const,
  };
  // A node with a memory limit gets a process of its own: a Worker's heap
  // cannot be bounded, and exhausting it would end this process.
  const worker: NodeWorker = node.memoryMb !== undefined
    ? new ProcessWorker(node.id, permissions, node.memoryMb)
    : new Worker(WORKER_URL, {
      type: "module",
      name: node.id,
      deno: {
        permissions: {
          ...permissions,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
      // deno-lint-ignore no-explicit-any
    } as any);
  return { node, worker, loaded };
}

/** Terminates a prepared worker that will not be used. */
export function disposeWorker(p: PreparedWorker): void {
  p.worker.terminate();
  p.loaded.dispose();
}

/** Runs a node to completion in a fresh, permission-restricted worker. */
export async function executeNode(
  exec: NodeExecution & { prepared?: Promise<PreparedWorker> },
): Promise<NodeOutcome> {
  const { node } = exec;
  let prepared: PreparedWorker;
  try {
    prepared = await (exec.prepared ?? prepareWorker(node, exec.loader));
  } catch (err) {
    return { ok: false, error: toWireError(err), rowsWritten: 0 };
  }
  const { worker, loaded } = prepared;
  // Aborted when the node ends however it ends: SQL it started is stopped.
  const ended = new AbortController();
  const service = new TableService(
    node,
    exec.publication,
    ended.signal,
    Date.now() + node.timeoutMs,
    exec.snapshot,
  );

  let state: NodeState | undefined;
  let queue: Promise<void> = Promise.resolve();
  let settled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const outcome = await new Promise<NodeOutcome>((resolve) => {
    const onAbort = () =>
      finish(false, { name: "Interrupted", message: INTERRUPTED });
    const finish = (ok: boolean, error?: WireError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ended.abort();
      exec.signal?.removeEventListener("abort", onAbort);
      // Let queued calls finish before reporting, so rowsWritten is final.
      queue.finally(() => {
        worker.terminate();
        resolve({ ok, error, rowsWritten: service.rowsWritten, state });
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
        const read = readWorkerMessage(e.data);
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
          queue.then(() => finish(true));
          return;
        case "failed":
          finish(false, msg.error);
          return;
      }
    };

    const answer = async (msg: CallMessage): Promise<void> => {
      let reply: HostMessage;
      try {
        const value = await service.handle(msg);
        reply = { t: "reply", id: msg.id, ok: true, value };
      } catch (err) {
        reply = { t: "reply", id: msg.id, ok: false, error: toWireError(err) };
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
  loaded.dispose();
  return outcome;
}
