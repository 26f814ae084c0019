import assert from "node:assert/strict";
import { layered } from "./_layered_layout.ts";
import { depthOf } from "./layout.ts";

const box = { width: 100, height: 30 };
const sizesOf = (...keys: string[]) => new Map(keys.map((k) => [k, box]));

Deno.test("layered: ranks by longest path, left to right, no overlaps", () => {
  // a → b → d, a → c → d, a → d: d sits after the longest path
  const edges: [string, string][] = [
    ["a", "b"],
    ["b", "d"],
    ["a", "c"],
    ["c", "d"],
    ["a", "d"],
  ];
  const r = layered(sizesOf("a", "b", "c", "d"), edges);
  const x = (k: string) => r.nodes.get(k)!.x;
  assert.ok(x("a") < x("b"));
  assert.equal(x("b"), x("c"), "b and c share a rank");
  assert.ok(x("c") < x("d"));
  const [b, c] = [r.nodes.get("b")!, r.nodes.get("c")!];
  assert.ok(Math.abs(b.y - c.y) >= box.height, "b and c do not overlap");
  for (const [from, to] of edges) {
    const [p, q] = r.edges.get(`${from}\u0000${to}`)!;
    assert.equal(p!.x, x(from) + box.width / 2, "starts at the right side");
    assert.equal(q!.x, x(to) - box.width / 2, "ends at the left side");
  }
  for (const n of r.nodes.values()) {
    assert.ok(n.x + n.width / 2 <= r.width && n.y + n.height / 2 <= r.height);
  }
});

Deno.test("layered: barycenter sweeps untangle crossed pairs", () => {
  // listed crossed: a1 → b2 and a2 → b1
  const r = layered(sizesOf("a1", "a2", "b1", "b2"), [["a1", "b2"], [
    "a2",
    "b1",
  ]]);
  const y = (k: string) => r.nodes.get(k)!.y;
  assert.equal(Math.sign(y("a1") - y("a2")), Math.sign(y("b2") - y("b1")));
});

Deno.test("layered: a cycle does not hang or drop boxes", () => {
  const r = layered(sizesOf("a", "b", "c"), [["a", "b"], ["b", "c"], [
    "c",
    "b",
  ]]);
  assert.equal(r.nodes.size, 3);
  assert.ok(r.nodes.get("a")!.x < r.nodes.get("b")!.x);
});

Deno.test("layered and depthOf: a 50,000-box chain, without recursion", () => {
  const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}`);
  const edges = keys.slice(1).map((k, i): [string, string] => [keys[i]!, k]);
  assert.equal(depthOf(sizesOf(...keys), edges), 50_000);
  const r = layered(sizesOf(...keys), edges);
  assert.ok(r.nodes.get("k49999")!.x > r.nodes.get("k49998")!.x);
});
