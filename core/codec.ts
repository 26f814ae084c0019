/**
 * Values as bytes, with exactly what `postMessage` carries (structured
 * clone: Dates, typed arrays, Maps, -0, undefined…): how messages cross
 * between Runnel's processes and a node's worker.
 *
 * Deno's own serializer (the one `postMessage` uses) is about three times
 * faster than `node:v8`'s, which Deno implements in JavaScript, so it is
 * used where Deno exposes it; otherwise `node:v8`. Both ends of a message
 * run the same Deno, and the first byte says which was used anyway.
 *
 * @module
 */

import * as v8 from "node:v8";

interface CoreSerializer {
  serialize(v: unknown): Uint8Array;
  deserialize(b: Uint8Array): unknown;
}

// deno-lint-ignore no-explicit-any
const internal = (Deno as any)[(Deno as any).internal]?.core;
const core: CoreSerializer | undefined =
  typeof internal?.serialize === "function" &&
    typeof internal?.deserialize === "function"
    ? internal
    : undefined;

const CORE = 1;
const NODE = 2;

/** `value` as bytes; throws as `postMessage` would for what cannot be cloned. */
export function encode(value: unknown): Uint8Array {
  const body = core !== undefined ? core.serialize(value) : v8.serialize(value);
  const out = new Uint8Array(body.length + 1);
  out[0] = core !== undefined ? CORE : NODE;
  out.set(body, 1);
  return out;
}

/** The value {@link encode} made `bytes` from. */
export function decode(bytes: Uint8Array): unknown {
  const body = bytes.subarray(1);
  if (bytes[0] === CORE && core !== undefined) return core.deserialize(body);
  if (bytes[0] === NODE) return v8.deserialize(body);
  throw new RangeError(
    `cannot read these bytes: they were encoded ${
      bytes[0] === CORE
        ? "by Deno's serializer, which this runtime lacks"
        : "by something else"
    }`,
  );
}
