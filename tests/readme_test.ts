// The README's examples stay true: its graph.yml block is a valid app.

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadGraph } from "../core/graph/load.ts";

Deno.test("the README's graph.yml example loads", async () => {
  const readme = await Deno.readTextFile(
    new URL("../README.md", import.meta.url),
  );
  const block = /## graph\.yml\s+```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "README has a ```yaml block under ## graph.yml");
  const dir = await Deno.makeTempDir({ prefix: "runnel_readme_" });
  await Deno.writeTextFile(join(dir, "graph.yml"), block);
  for (const m of block.matchAll(/node_file: (\S+)/g)) {
    await Deno.writeTextFile(join(dir, m[1]!), "export default () => {};\n");
  }
  const graph = await loadGraph(dir);
  assert.deepEqual(graph.nodes.map((n) => n.title), [
    "Ingest Leads",
    "Score Leads",
    "Top Leads",
  ]);
  assert.deepEqual(graph.stages.map((s) => [s.name, s.nodes]), [["reporting", [
    "top_leads",
  ]]]);
  assert.equal(graph.webhooks[0]?.table, "incoming_events");
});
