/**
 * Worker entry that lays out large graphs off the server's thread, so a
 * multi-second dagre run never stalls the API, the event stream or
 * webhooks. Receives `{ input, key }`, answers `{ layout }` or `{ error }`.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { type LayoutInput, layoutOf } from "./layout.ts";

self.onmessage = (e: MessageEvent<{ input: LayoutInput; key: string }>) => {
  try {
    self.postMessage({ layout: layoutOf(e.data.input, e.data.key) });
  } catch (err) {
    self.postMessage({
      error: err instanceof Error ? err.message : String(err),
    });
  }
};
