/**
 * Messages over a byte stream (a child process's stdin and stdout): each
 * frame is a 4-byte big-endian length and a structured-clone serialization
 * (node:v8), so what crosses is exactly what `postMessage` would carry.
 *
 * @module
 */

import { deserialize, serialize } from "node:v8";

/** One message as a frame. */
export function frame(message: unknown): Uint8Array {
  const body = serialize(message);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
}

/** Reads frames from `stream`, handing each message to `onMessage`; resolves at its end. */
export async function readFrames(
  stream: ReadableStream<Uint8Array>,
  onMessage: (message: unknown) => void,
): Promise<void> {
  // Chunks are kept as they come and joined only once a frame is whole,
  // so a large frame costs one copy, not one per chunk.
  let chunks: Uint8Array[] = [];
  let size = 0;
  let need = 4;
  let len: number | undefined;
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
        len = new DataView(take(4).buffer).getUint32(0);
        need = len;
      } else {
        onMessage(deserialize(take(len)));
        len = undefined;
        need = 4;
      }
    }
  }
  chunks = [];
}
