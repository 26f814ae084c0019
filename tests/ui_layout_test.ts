// The dashboard's server-side layout: boxes for nodes and tables, edges
// node → table → node, positions from dagre, and the per-content cache.

import assert from "node:assert/strict";
import { fromFileUrl } from "../core/path.ts";
import { loadGraph } from "../core/graph/load.ts";
import type { Graph, NodeSpec } from "../core/graph/graph.ts";
import { computeLayout, layoutInput } from "../server/ui/layout.ts";
import { LayoutCache } from "../server/ui/layout_cache.ts";

const LEADS = fromFileUrl(new URL("../examples/leads", import.meta.url));

Deno.test("layout input: nodes and tables are boxes, edges go node → table → node", async () => {
  const g = await loadGraph(LEADS);
  const input = layoutInput(g);
  assert.deepEqual(input.boxes.map((b) => b.key).sort(), [
    "n:ingest_leads",
    "n:score_leads",
    "t:raw_leads",
    "t:scored_leads",
  ]);
  assert.deepEqual(input.edges, [
    ["n:ingest_leads", "t:raw_leads"],
    ["t:raw_leads", "n:score_leads"],
    ["n:score_leads", "t:scored_leads"],
  ]);
  const ingest = input.boxes.find((b) => b.key === "n:ingest_leads")!;
  assert.equal(ingest.label, "Ingest Leads");
  assert.equal(ingest.sub, "ingest_leads.ts");
});

Deno.test("layout: left to right, every box placed, edges as polylines", async () => {
  const layout = computeLayout(await loadGraph(LEADS));
  const x = (key: string) => layout.boxes.find((b) => b.key === key)!.x;
  assert.ok(x("n:ingest_leads") < x("t:raw_leads"));
  assert.ok(x("t:raw_leads") < x("n:score_leads"));
  assert.ok(x("n:score_leads") < x("t:scored_leads"));
  for (const b of layout.boxes) {
    for (const v of [b.x, b.y, b.w, b.h]) assert.ok(Number.isFinite(v), b.key);
    assert.ok(b.x >= 0 && b.x + b.w <= layout.width, b.key);
  }
  for (const e of layout.edges) {
    assert.ok(e.points.length >= 4 && e.points.length % 2 === 0);
  }
  assert.equal(layout.title, "Leads Scoring");
});

/** A synthetic graph: node i writes t_i and reads t_(i-1) and webhook table. */
function chain(n: number, title = "Chain"): Graph {
  const loc = { file: "graph.yml", line: 1, col: 1 };
  const nodes = Array.from({ length: n }, (_, i): NodeSpec => ({
    id: `n${i}`,
    title: `Node ${i}`,
    file: `/app/n${i}.ts`,
    relFile: `n${i}.ts`,
    kind: "ts",
    trigger: { kind: "manual" },
    inputs: i === 0
      ? { hook: "events" } as Record<string, string>
      : { prev: `t${i - 1}` },
    outputs: { out: `t${i}` },
    parameterValues: {},
    permissions: { net: [], read: [], write: [], env: [] },
    timeoutMs: 1000,
    loc,
    keyLocs: {},
  }));
  return {
    dir: "/app",
    file: "/app/graph.yml",
    title,
    slug: "chain",
    stores: [],
    nodes,
    webhooks: [{ table: "events", id: "events", loc }],
    stages: [],
    producers: new Map(nodes.map((n) => [`t${n.id.slice(1)}`, n.id])),
  };
}

Deno.test("layout: a webhook table is a box marked webhook", () => {
  const layout = computeLayout(chain(3));
  const hook = layout.boxes.find((b) => b.key === "t:events")!;
  assert.equal(hook.sub, "webhook");
  assert.equal(layout.boxes.length, 3 + 4);
  assert.equal(layout.edges.length, 6);
});

Deno.test("layout cache: same content is laid out once; a change is laid out again", async () => {
  const cache = new LayoutCache(2);
  const a = await cache.get(chain(40));
  assert.equal(await cache.get(chain(40)), a, "same object from the cache");
  assert.equal(cache.hits, 1);
  const b = await cache.get(chain(40, "Renamed"));
  assert.notEqual(b.key, a.key);
  assert.equal((await cache.get(chain(41))).boxes.length, 41 + 42);
  // capacity 2: the first one was evicted
  assert.notEqual(await cache.get(chain(40)), a);
  cache.close();
});

Deno.test("layout cache: large graphs are laid out in a Worker, equal to inline, shared by concurrent requests", async () => {
  const cache = new LayoutCache(4, 50); // a Worker from 50 boxes on
  const graph = chain(60);
  const [x, y] = await Promise.all([cache.get(graph), cache.get(graph)]);
  assert.equal(x, y, "one computation for both requests");
  assert.equal(cache.hits, 1);
  const inline = computeLayout(graph);
  assert.deepEqual({ ...x, layoutMs: 0 }, { ...inline, layoutMs: 0 });
  // warm() starts the work; the next get() finds it
  const other = chain(70);
  cache.warm(other);
  await cache.get(other);
  assert.equal(cache.hits, 2);
  cache.close();
  await assert.rejects(cache.get(chain(80)), /shut down/);
});

Deno.test("layout: a graph deeper than dagre can take still lays out in a Worker", async () => {
  // 290 nodes + 291 tables in one chain: dagre, near its depth limit; 1,000
  // nodes: past it, the layered fallback. Both in a Worker, whose stack is
  // the smaller one.
  const cache = new LayoutCache(4, 50);
  for (const n of [290, 1000]) {
    const layout = await cache.get(chain(n));
    assert.equal(layout.boxes.length, 2 * n + 1);
    const at = new Map(layout.boxes.map((b) => [b.key, b]));
    assert.ok(at.get(`t:t${n - 2}`)!.x < at.get(`n:n${n - 1}`)!.x);
  }
  cache.close();
});

Deno.test("layout: 1,000 nodes and their tables, in dependency order, without overlaps", () => {
  const layout = computeLayout(chain(1000));
  assert.equal(layout.boxes.length, 2001);
  assert.equal(layout.edges.length, 2000);
  const at = new Map(layout.boxes.map((b) => [b.key, b]));
  for (let i = 1; i < 1000; i++) {
    assert.ok(at.get(`t:t${i - 1}`)!.x < at.get(`n:n${i}`)!.x, `n${i}`);
  }
  // boxes of one rank (same x) never overlap vertically
  const byX = Map.groupBy(layout.boxes, (b) => b.x);
  for (const column of byX.values()) {
    column.sort((a, b) => a.y - b.y);
    for (let i = 1; i < column.length; i++) {
      assert.ok(column[i]!.y >= column[i - 1]!.y + column[i - 1]!.h);
    }
  }
});
