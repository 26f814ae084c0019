/**
 * The sandbox process: a child process that hosts one node's Worker and
 * relays its messages to the parent over stdin and stdout (see
 * `core/frames.ts`). Node code still runs in a permission-restricted Worker;
 * the process adds what a Worker cannot have, a heap limit: V8's
 * `--max-old-space-size` bounds every isolate of this process, and a node
 * that passes it takes down this process only.
 *
 * @module
 */

import { frame, rawFrame, readFrames } from "../frames.ts";

// The same one-file build of worker.ts the host process starts workers from.
const WORKER_URL = new URL("./_worker_bundle.js", import.meta.url);

/** What the parent sends: the Worker to start, then its messages. */
export type ToSandbox =
  | { t: "spawn"; name: string; permissions: Record<string, unknown> }
  | { t: "message"; data: unknown };

/** What the sandbox process sends back. */
export type FromSandbox =
  | { t: "message"; data: unknown }
  | { t: "error"; message: string }
  | { t: "messageerror" };

/** Runs the sandbox process until its stdin closes. */
export async function serveSandboxProcess(): Promise<void> {
  const out = Deno.stdout.writable.getWriter();
  const send = (m: FromSandbox) => {
    out.write(frame(m)).catch(() => {});
  };
  let worker: Worker | undefined;
  // The host's messages for the Worker come as raw frames, and the Worker's
  // SDK posts its own as bytes: this process relays them unread.
  const toWorker = (bytes: Uint8Array) =>
    worker?.postMessage(bytes, [bytes.buffer as ArrayBuffer]);
  await readFrames(Deno.stdin.readable, (raw) => {
    const m = raw as ToSandbox;
    if (m.t === "spawn" && worker === undefined) {
      worker = new Worker(WORKER_URL, {
        type: "module",
        name: m.name,
        deno: { permissions: m.permissions },
        // deno-lint-ignore no-explicit-any
      } as any);
      worker.onmessage = (e) => {
        if (e.data instanceof Uint8Array) {
          out.write(rawFrame(e.data)).catch(() => {});
        } else send({ t: "message", data: e.data }); // not from the SDK
      };
      worker.onmessageerror = () => send({ t: "messageerror" });
      worker.onerror = (e) => {
        e.preventDefault();
        send({ t: "error", message: e.message });
      };
    } else if (m.t === "message") {
      worker?.postMessage(m.data);
    }
  }, toWorker);
  // The parent closed stdin: it is done with this node, or gone.
  worker?.terminate();
  await out.close().catch(() => {});
}

if (import.meta.main) await serveSandboxProcess();
