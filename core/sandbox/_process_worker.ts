/**
 * A node Worker in a sandbox process (see `_process_host.ts`), with the
 * Worker interface the host speaks: `postMessage`, `onmessage`, `onerror`,
 * `onmessageerror`, `terminate`. The process has exactly the Worker's
 * permissions (so `import()` in the Worker reaches nothing more) and,
 * with a heap limit, passing it ends the process, never the host, and the
 * node fails saying so.
 *
 * @module
 */

import { decode, encode } from "../codec.ts";
import { childCommand, frame, rawFrame, readFrames } from "../frames.ts";
import type { FromSandbox, ToSandbox } from "./_process_host.ts";
import type { SandboxPermissions } from "./permissions.ts";

const ENTRY = new URL("./_process_host.ts", import.meta.url);

type WorkerPermissions = SandboxPermissions;

/** The last bytes of a stream, as text. */
async function tail(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  const dec = new TextDecoder();
  for await (const chunk of stream) {
    text = (text + dec.decode(chunk, { stream: true })).slice(-8192);
  }
  return text;
}

/** The sandbox process of a Worker with `perms` and a heap of `memoryMb`. */
function commandFor(perms: WorkerPermissions, memoryMb?: number) {
  const list = (flag: string, v: string[] | false) =>
    v === false || v.length === 0 ? [] : [`--allow-${flag}=${v.join(",")}`];
  // The process needs what its Worker gets, plus its own modules.
  const read = [...perms.read];
  if (ENTRY.protocol === "file:") read.push(new URL(".", ENTRY).pathname);
  return childCommand({
    entry: ENTRY,
    command: "__sandbox-process",
    v8Flags: memoryMb === undefined
      ? undefined
      : `--max-old-space-size=${memoryMb}`,
    workers: true,
    allow: [
      ...list("read", read),
      ...list("write", perms.write),
      ...list("net", perms.net),
      ...list("env", perms.env),
    ],
  });
}

/** A Worker that runs in a sandbox process with a heap limit. */
export class ProcessWorker {
  onmessage: ((e: MessageEvent) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  onmessageerror: ((e: MessageEvent) => void) | null = null;
  readonly #child: Deno.ChildProcess;
  readonly #in: WritableStreamDefaultWriter<Uint8Array>;
  #terminated = false;
  #exited = false;

  constructor(perms: WorkerPermissions, memoryMb?: number) {
    const { cmd, args, env } = commandFor(perms, memoryMb);
    this.#child = new Deno.Command(cmd, {
      args,
      env,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#in = this.#child.stdin.getWriter();
    this.#send({
      t: "spawn",
      name: "runnel-sandbox",
      permissions: {
        ...perms,
        run: false,
        ffi: false,
        sys: false,
        import: false,
      },
    });
    const stderr = tail(this.#child.stderr);
    const fromSdk = (bytes: Uint8Array) => {
      if (this.#terminated) return;
      let data: unknown;
      try {
        data = decode(bytes);
      } catch {
        this.onmessageerror?.(new MessageEvent("messageerror"));
        return;
      }
      this.onmessage?.(new MessageEvent("message", { data }));
    };
    const frames = readFrames(this.#child.stdout, (raw) => {
      if (this.#terminated) return;
      const m = raw as FromSandbox;
      if (m.t === "message") {
        this.onmessage?.(new MessageEvent("message", { data: m.data }));
      } else if (m.t === "messageerror") {
        this.onmessageerror?.(new MessageEvent("messageerror"));
      } else if (m.t === "error") {
        this.#error(m.message);
      }
    }, fromSdk).catch(() => {});
    this.#child.status.then(async (status) => {
      this.#exited = true;
      await frames;
      if (this.#terminated) return;
      const text = await stderr;
      this.#error(
        /out of memory|heap limit|allocation failed/i.test(text)
          ? memoryMb === undefined
            ? "ran out of memory and was stopped; give this function a memory: limit in graph.yml, and read its data in chunks"
            : `ran out of memory (its limit is ${memoryMb} MB) and was stopped; raise memory: for this function in graph.yml if it needs more`
          : `its sandbox process ended unexpectedly (${
            status.signal ?? `exit code ${status.code}`
          })${text.trim() === "" ? "" : `: ${text.trim().split("\n").at(-1)}`}`,
      );
    });
  }

  /** The process is running and was not terminated. */
  get alive(): boolean {
    return !this.#terminated && !this.#exited;
  }

  #send(m: ToSandbox): void {
    this.#in.write(frame(m)).catch(() => {});
  }

  #error(message: string): void {
    this.onerror?.(new ErrorEvent("error", { message }));
  }

  postMessage(data: unknown): void {
    if (this.#terminated) return;
    // Serialized here and read only by the Worker's SDK: the sandbox
    // process relays the bytes unread.
    this.#in.write(rawFrame(encode(data))).catch(() => {});
  }

  terminate(): void {
    if (this.#terminated) return;
    this.#terminated = true;
    this.#in.close().catch(() => {});
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
}
