// The shipped example, run end to end on the embedded default store.

import assert from "node:assert/strict";
import { join } from "node:path";
import { fromFileUrl } from "../core/path.ts";
import { readTable, runOnce } from "./_helpers.ts";

const EXAMPLE = fromFileUrl(new URL("../examples/leads", import.meta.url));

async function copyExample(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_leads_" });
  for await (const e of Deno.readDir(EXAMPLE)) {
    if (e.isFile) await Deno.copyFile(join(EXAMPLE, e.name), join(dir, e.name));
  }
  return dir;
}

Deno.test("examples/leads scores leads by email domain", async () => {
  const dir = await copyExample();
  const first = await runOnce(dir);
  assert.equal(first.status, "succeeded", JSON.stringify(first.nodes));
  assert.deepEqual(first.nodes.map((n) => [n.title, n.rowsWritten]), [
    ["Ingest Leads", 3],
    ["Score Leads", 3],
  ]);
  const scored = await readTable(dir, "scored_leads");
  assert.deepEqual(scored.map((r) => [r.email, r.domain, r.score]), [
    ["ada@enterprise.com", "enterprise.com", 0.95],
    ["grace@corp.com", "corp.com", 0.8],
    ["linus@example.org", "example.org", 0.4],
  ]);
  const raw = await readTable(dir, "raw_leads");
  assert.ok(
    raw.every((r) =>
      r.source === "marketing_form" && r.created_at instanceof Date
    ),
  );

  // A --param overrides graph.yml; upsert keeps one row per lead.
  await runOnce(dir, { params: [{ name: "leads_source", value: "ads" }] });
  const again = await readTable(dir, "raw_leads");
  assert.deepEqual(again.map((r) => r.source), ["ads", "ads", "ads"]);
});
