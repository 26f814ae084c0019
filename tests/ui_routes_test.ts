// The dashboard's routes through app.request(): page shells, the layout
// JSON (valid and invalid graph), and the assets shipped in the module graph.

import assert from "node:assert/strict";
import { Hono } from "npm:hono@^4.6.0";
import { fromFileUrl } from "../core/path.ts";
import { GraphError } from "../core/errors.ts";
import { loadGraph } from "../core/graph/load.ts";
import type { Graph } from "../core/graph/graph.ts";
import { ASSETS } from "../server/ui/assets/mod.ts";
import { mountUi } from "../server/ui/mod.ts";

const LEADS = fromFileUrl(new URL("../examples/leads", import.meta.url));

function app(state: { graph?: Graph; error?: GraphError }): Hono {
  const a = new Hono();
  mountUi(a, { state: () => state });
  return a;
}

const broken = new GraphError([{
  message: 'Unknown key "fuctions" <script>alert(1)</script>',
  loc: { file: "graph.yml", line: 9, col: 3 },
}]);

Deno.test("pages: every page is an HTML shell with its script and a strict CSP", async () => {
  const a = app({ graph: await loadGraph(LEADS) });
  const pages: [string, string][] = [
    ["/", "graph.js"],
    ["/runs", "runs.js"],
    ["/runs/20261122-0001", "run.js"],
    ["/tables", "tables.js"],
    ["/tables/scored_leads", "table.js"],
  ];
  for (const [path, script] of pages) {
    const res = await a.request(path);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.match(
      res.headers.get("content-security-policy") ?? "",
      /script-src 'self'/,
    );
    const body = await res.text();
    assert.ok(body.includes(`src="/ui/${script}"`), path);
    assert.ok(body.includes("Leads Scoring"), path);
    assert.match(body, /<nav aria-label="Main">/);
  }
  const run = await (await a.request("/runs/20261122-0001")).text();
  assert.ok(run.includes('data-run-id="20261122-0001"'));
});

Deno.test("pages: route parameters and issues are escaped", async () => {
  const a = app({ error: broken });
  const t = await (await a.request("/tables/%3Cimg%20src%3Dx%3E")).text();
  assert.ok(!t.includes("<img src=x>"));
  assert.ok(t.includes("&lt;img src=x&gt;"));
  const g = await (await a.request("/")).text();
  assert.ok(!g.includes("<script>alert(1)</script>"));
  assert.ok(g.includes("graph.yml:9:3"), "issue with file, line and column");
  assert.ok(g.includes("&lt;script&gt;"));
});

Deno.test("layout.json: positions of the graph; an invalid graph.yml answers its issues", async () => {
  const graph = await loadGraph(LEADS);
  const ok = await (await app({ graph }).request("/ui/layout.json")).json();
  assert.equal(ok.valid, true);
  assert.equal(ok.boxes.length, 4);
  assert.equal(ok.edges.length, 3);

  const bad = await (await app({ error: broken }).request("/ui/layout.json"))
    .json();
  assert.equal(bad.valid, false);
  assert.deepEqual(bad.boxes, []);
  assert.deepEqual(bad.error.issues, [{
    message: broken.issues[0]!.message,
    file: "graph.yml",
    line: 9,
    col: 3,
  }]);

  // the last good graph stays drawable while graph.yml is broken
  const both = await (await app({ graph, error: broken }).request(
    "/ui/layout.json",
  )).json();
  assert.equal(both.valid, false);
  assert.equal(both.boxes.length, 4);
});

Deno.test("assets: served from the module graph with types and ETags; unknown ones 404", async () => {
  const a = app({});
  const res = await a.request("/ui/api.js");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /javascript/);
  const etag = res.headers.get("etag")!;
  assert.ok(etag);
  assert.match(await res.text(), /export function normGraph/);
  const again = await a.request("/ui/api.js", {
    headers: { "if-none-match": etag },
  });
  assert.equal(again.status, 304);
  await again.body?.cancel();
  const css = await a.request("/ui/style.css");
  assert.match(css.headers.get("content-type") ?? "", /text\/css/);
  await css.body?.cancel();
  const missing = await a.request("/ui/nope.js");
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
});

Deno.test("assets: every client script parses, and imports only served assets", () => {
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  for (const [name, asset] of ASSETS) {
    if (!name.endsWith(".js")) continue;
    assert.ok(!asset.body.includes("${"), `${name} has no template leftovers`);
    for (const m of asset.body.matchAll(/from "\/ui\/([\w.]+)"/g)) {
      assert.ok(ASSETS.has(m[1]!), `${name} imports /ui/${m[1]}`);
    }
    // Module syntax aside, the code must be valid JavaScript.
    const code = asset.body
      .replace(/^import [^;]+;$/gm, "")
      .replace(/^export (?=(async )?function|const|class|let)/gm, "")
      .replace(/^export \{[^}]*\};?$/gm, "");
    assert.doesNotThrow(() => new AsyncFunction(code), name);
  }
});
