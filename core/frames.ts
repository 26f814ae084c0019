/**
 * Runnel's own child processes (a node's sandbox process, a SQLite query
 * process): how to start one, under `deno run` or as a compiled runnel,
 * and messages over its stdin and stdout. Each frame is a 4-byte
 * big-endian length and a structured-clone serialization (node:v8), so
 * what crosses is exactly what `postMessage` would carry.
 *
 * @module
 */

import { decode, encode } from "./codec.ts";

/** Marks a frame whose body is handed on as bytes (see {@link rawFrame}). */
const RAW = 0x8000_0000;

/** One message as a frame. */
export function frame(message: unknown): Uint8Array {
  return withHeader(encode(message), 0);
}

/**
 * A frame of bytes that are already a serialized message, to be handed on
 * as they are: a relay (the sandbox process) forwards them without reading
 * them, and only their final reader deserializes them.
 */
export function rawFrame(bytes: Uint8Array): Uint8Array {
  return withHeader(bytes, RAW);
}

function withHeader(body: Uint8Array, flag: number): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, (body.length | flag) >>> 0);
  out.set(body, 4);
  return out;
}

/**
 * Reads frames from `stream`, handing each message to `onMessage` and the
 * bytes of each raw frame to `onRaw` (deserialized for `onMessage` when
 * there is no `onRaw`); resolves at the stream's end.
 */
export async function readFrames(
  stream: ReadableStream<Uint8Array>,
  onMessage: (message: unknown) => void,
  onRaw?: (bytes: Uint8Array) => void,
): Promise<void> {
  // Chunks are kept as they come and joined only once a frame is whole,
  // so a large frame costs one copy, not one per chunk.
  let chunks: Uint8Array[] = [];
  let size = 0;
  let need = 4;
  let len: number | undefined;
  let raw = false;
  const take = (n: number): Uint8Array => {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const c = chunks[0]!;
      const k = Math.min(c.length, n - at);
      out.set(c.subarray(0, k), at);
      at += k;
      if (k === c.length) chunks.shift();
      else chunks[0] = c.subarray(k);
    }
    size -= n;
    return out;
  };
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    while (size >= need) {
      if (len === undefined) {
        const head = new DataView(take(4).buffer).getUint32(0);
        raw = (head & RAW) !== 0;
        len = (head & ~RAW) >>> 0;
        need = len;
      } else {
        const body = take(len);
        if (raw && onRaw !== undefined) onRaw(body);
        else onMessage(decode(body));
        len = undefined;
        need = 4;
      }
    }
  }
  chunks = [];
}

/** What {@link childCommand} starts. */
export interface ChildSpec {
  /** The module `deno run` runs. */
  entry: URL;
  /** The hidden command a compiled runnel runs instead (see main.ts). */
  command: string;
  /** Arguments after the entry or the command. */
  args?: string[];
  /** `deno run` permission flags, e.g. `--allow-read=/data`. */
  allow?: string[];
  /** V8 flags, e.g. `--max-old-space-size=512`. */
  v8Flags?: string;
  /** The child creates permission-restricted Workers. */
  workers?: boolean;
}

/** The program, arguments and extra environment that start a child. */
export function childCommand(
  spec: ChildSpec,
): { cmd: string; args: string[]; env: Record<string, string> } {
  const exec = Deno.execPath();
  const args = spec.args ?? [];
  if (!/(^|[\\/])deno(\.exe)?$/.test(exec)) {
    // A compiled runnel runs the entry itself, with all its permissions.
    return {
      cmd: exec,
      args: [spec.command, ...args],
      env: spec.v8Flags === undefined ? {} : { DENO_V8_FLAGS: spec.v8Flags },
    };
  }
  const remote = spec.entry.protocol !== "file:";
  return {
    cmd: exec,
    args: [
      "run",
      ...(spec.v8Flags === undefined ? [] : [`--v8-flags=${spec.v8Flags}`]),
      ...(spec.workers ? ["--unstable-worker-options"] : []),
      "--no-prompt",
      "--no-config",
      "--quiet",
      ...(spec.allow ?? []),
      ...(remote ? [`--allow-import=${spec.entry.host}`] : []),
      spec.entry.href,
      ...args,
    ],
    env: {},
  };
}
