import assert from "node:assert/strict";
import { deserialize, serialize } from "node:v8";
import { decode, encode } from "./codec.ts";

Deno.test("codec: what postMessage carries comes back the same", () => {
  const value = {
    s: "text ✓",
    n: 1.5,
    z: -0,
    nan: NaN,
    u: undefined,
    nul: null,
    big: 12345678901234567890n,
    d: new Date("2026-12-08T01:02:03.004Z"),
    b: new Uint8Array([0, 1, 255]),
    m: new Map([["k", [1, 2]]]),
    nested: [{ a: [{ b: "c" }] }],
  };
  const back = decode(encode(value)) as typeof value;
  assert.deepEqual(back, value);
  assert.ok(Object.is(back.z, -0));
  assert.ok(back.d instanceof Date && back.b instanceof Uint8Array);
});

Deno.test("codec: the first byte says which serializer wrote the rest", () => {
  const bytes = encode({ a: 1 });
  assert.ok(bytes[0] === 1 || bytes[0] === 2);
  // node:v8 bytes tagged as such are read too.
  const v8 = serialize({ a: 2 });
  const tagged = new Uint8Array(v8.length + 1);
  tagged[0] = 2;
  tagged.set(v8, 1);
  assert.deepEqual(decode(tagged), { a: 2 });
  assert.deepEqual(deserialize(v8), { a: 2 });
  assert.throws(() => decode(new Uint8Array([9, 1, 2])), /cannot read/);
});

Deno.test("codec: what cannot be cloned throws, as postMessage would", () => {
  assert.throws(() => encode({ f: () => 1 }));
  assert.throws(() => encode({ s: Symbol("x") }));
});
