import assert from "node:assert/strict";
import { stableJson } from "./_stable_json.ts";

/** The definition of the format stored in cache keys. */
function reference(v: unknown): string {
  return JSON.stringify(v, (_k, value) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      return Object.fromEntries(
        Object.keys(value).sort().map((k) => [k, value[k]]),
      );
    }
    return value;
  });
}

class Point {
  constructor(public y: number, public x: number) {}
}

const CASES: unknown[] = [
  null,
  undefined,
  0,
  -0,
  1.5e300,
  NaN,
  Infinity,
  "",
  'quote " and \\ and \n and \u2028 and é',
  true,
  [],
  {},
  [1, undefined, () => 1, Symbol("s"), null, [2, [3]]],
  // deno-lint-ignore no-sparse-arrays
  [, 1, , 2],
  { b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined, f: () => 0 } },
  { "10": 1, "9": 2, "b": 3, "a": 4, "01": 5, "4294967295": 6, "-1": 7 },
  { "2": "x", "1": "y" },
  new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
  { at: new Date(0), list: [new Date(1)] },
  { toJSON: () => ({ b: 1, a: 2 }) },
  { nested: { toJSON: (k: string) => `key was ${k}` } },
  new Point(2, 1),
  new Map([["a", 1]]),
  new Set([1]),
  Object.assign(Object.create(null), { b: 1, a: 2 }),
  { "é": 1, "e": 2, "E": 3, "ä": 4, "\u{1F600}": 5, "\uFFFF": 6 },
];

Deno.test("stableJson: equals the replacer definition on edge cases", () => {
  CASES.forEach((v, i) => {
    assert.equal(stableJson(v), reference(v), `case ${i}`);
  });
});

Deno.test("stableJson: equals the replacer definition on random values", () => {
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const key = () =>
    ["a", "b", "B", "10", "2", "0", "_x", "é", "k" + Math.floor(rand() * 5)][
      Math.floor(rand() * 9)
    ]!;
  const value = (depth: number): unknown => {
    const r = rand();
    if (depth > 3 || r < 0.3) {
      return [null, 1, -2.5, "s", true, undefined, new Date(rand() * 1e12)][
        Math.floor(rand() * 7)
      ];
    }
    if (r < 0.6) {
      return Array.from(
        { length: Math.floor(rand() * 4) },
        () => value(depth + 1),
      );
    }
    const o: Record<string, unknown> = {};
    for (let i = Math.floor(rand() * 5); i > 0; i--) {
      o[key()] = value(depth + 1);
    }
    return o;
  };
  for (let i = 0; i < 2000; i++) {
    const v = value(0);
    assert.equal(stableJson(v), reference(v));
  }
});

Deno.test("stableJson: a BigInt is refused as JSON.stringify refuses it", () => {
  assert.throws(() => stableJson({ n: 1n }), TypeError);
});
