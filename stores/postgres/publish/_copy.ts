/**
 * `COPY … FROM STDIN` through postgres.js (3.4). Its writable stream
 * reports a server error that arrives after the last chunk nowhere (the
 * stream has already finished, and waiting for it would hang), so this
 * takes over the query object's settle callbacks, which the connection
 * calls when the statement is over, with its error if any. Private to
 * `stores/postgres/`.
 *
 * @module
 */

import type { AnySql } from "../_connect.ts";

/** Chunks handed to the socket at a time. */
const CHUNK = 1 << 20;

interface Settle {
  resolve: (x: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * Runs `statement` (a `COPY … FROM STDIN`) and streams `data` into it.
 * Resolves once the server has committed the statement (or the caller's
 * transaction has it); rejects with the server's error otherwise.
 */
export async function copyIn(
  sql: AnySql,
  statement: string,
  data: Uint8Array,
): Promise<void> {
  const query = sql.unsafe(statement);
  const stream = await query.writable();
  // The connection settles the query object itself when the COPY is over;
  // route that into our own promise (the query's was used for the stream).
  const done = new Promise((resolve, reject) => {
    const q = query as unknown as Settle;
    q.resolve = resolve;
    q.reject = reject;
  });
  let streamError: unknown;
  stream.on("error", (err: unknown) => {
    streamError ??= err;
  });
  for (let at = 0; at < data.length && streamError === undefined;) {
    const end = Math.min(data.length, at + CHUNK);
    const ok = stream.write(data.subarray(at, end));
    at = end;
    if (!ok && streamError === undefined) {
      await new Promise<void>((r) => {
        stream.once("drain", r);
        stream.once("error", () => r());
        stream.once("close", () => r());
      });
    }
  }
  if (streamError === undefined) stream.end();
  await done;
  if (streamError !== undefined) throw streamError;
}
