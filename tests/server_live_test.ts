// The dev server while things change: graph.yml edits (valid and not)
// through the watcher, --watch-run, and cron schedules on a test clock.

import assert from "node:assert/strict";
import { join } from "node:path";
import { createServer } from "../server/mod.ts";
import {
  copyLeads,
  FakeClock,
  readSse,
  waitFor,
} from "../server/_test_util.ts";
import { makeApp } from "./_helpers.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

Deno.test("watch: editing graph.yml emits graph-changed; a broken one is shown, not fatal", async () => {
  const dir = await copyLeads();
  const s = await createServer({ appDir: dir });
  try {
    const file = join(dir, "graph.yml");
    const original = await Deno.readTextFile(file);
    let events = await s.app.request("/api/events");
    await Deno.writeTextFile(
      file,
      original.replace("title: Leads Scoring", "title: Leads Renamed"),
    );
    let msgs = await readSse(
      events,
      (m) => m.some((e) => e.event === "graph-changed"),
      5000,
    );
    assert.deepEqual(msgs.at(-1)!.data, { valid: true });
    let g = await (await s.app.request("/api/graph")).json();
    assert.equal(g.title, "Leads Renamed");

    // Broken: the error with file and line, and the server keeps going.
    events = await s.app.request("/api/events");
    await Deno.writeTextFile(
      file,
      original.replace(
        "inputs:\n      raw_leads: raw_leads",
        "inputs:\n      raw_leads: raw_leadz",
      ),
    );
    msgs = await readSse(
      events,
      (m) => m.some((e) => e.event === "graph-invalid"),
      5000,
    );
    const changed = msgs.find((m) => m.event === "graph-changed")!;
    assert.equal(changed.data.valid, false);
    const res = await s.app.request("/api/graph");
    assert.equal(res.status, 200);
    g = await res.json();
    assert.equal(g.valid, false);
    const issue = g.error.issues[0];
    assert.match(issue.message, /raw_leadz/);
    assert.equal(issue.file, "graph.yml");
    assert.ok(issue.line > 1 && issue.col >= 1, JSON.stringify(issue));
    assert.equal(
      s.state().graph?.title,
      "Leads Renamed",
      "the last valid graph",
    );
    assert.ok(s.state().error);
    const run = await s.app.request("/api/runs", { method: "POST" });
    assert.equal(run.status, 409);
    assert.match((await run.json()).error, /graph.yml is invalid/);
    // Reads that do not need a valid graph still work.
    assert.equal((await s.app.request("/api/nodes/score_leads")).status, 200);
    assert.equal((await s.app.request("/api/tables")).status, 200);

    // Fixed again.
    events = await s.app.request("/api/events");
    await Deno.writeTextFile(file, original);
    msgs = await readSse(
      events,
      (m) => m.some((e) => e.event === "graph-changed"),
      5000,
    );
    assert.equal(msgs.at(-1)!.data.valid, true);
    assert.ok(s.state().graph && !s.state().error);
  } finally {
    await s.close();
  }
});

Deno.test("watch: a server started on an invalid graph.yml answers", async () => {
  const dir = await makeApp({ "graph.yml": "title: [unclosed\n" });
  const s = await createServer({ appDir: dir, watch: false });
  try {
    const g = await (await s.app.request("/api/graph")).json();
    assert.equal(g.valid, false);
    assert.equal(g.error.issues[0].file, "graph.yml");
    assert.equal((await s.app.request("/api/runs")).status, 200);
  } finally {
    await s.close();
  }
});

Deno.test("watch: --watch-run reruns after a save; the planner skips the rest", async () => {
  const dir = await copyLeads();
  const s = await createServer({ appDir: dir, watchRun: true });
  try {
    const events = await s.app.request("/api/events");
    const scoring = join(dir, "scoring.ts");
    const text = await Deno.readTextFile(scoring);
    await Deno.writeTextFile(scoring, text.replace("0.95", "0.9"));
    const msgs = await readSse(
      events,
      (m) => m.some((e) => e.event === "run-finished"),
    );
    assert.ok(msgs.some((m) => m.event === "graph-changed"));
    assert.equal(
      msgs.find((m) => m.event === "run-finished")!.data.status,
      "succeeded",
    );
    await s.idle();
    const runs = await (await s.app.request("/api/runs")).json();
    assert.equal(runs.runs[0].trigger, "watch");
    const rows = await s.store.readRows("scored_leads");
    assert.equal(rows[0]!.score, 0.9);

    // A second save that changes nothing the planner sees: both cached.
    const again = await s.app.request("/api/events");
    await Deno.writeTextFile(join(dir, "notes.txt"), "hello");
    const second = await readSse(
      again,
      (m) => m.some((e) => e.event === "run-finished"),
    );
    const statuses = second.filter((m) => m.event === "node-finished")
      .map((m) => m.data.status);
    assert.deepEqual(statuses, ["cached", "cached"]);
    await s.idle();
  } finally {
    await s.close();
  }
});

const CRON_GRAPH = `title: Scheduled
functions:
  - node_file: tick.ts
    trigger: "*/5 * * * *"
    outputs: [ticks]
  - node_file: after.ts
    inputs: [ticks]
    outputs: [after]
  - node_file: other.ts
    outputs: [other]
`;

const WRITE = (table: string) =>
  `export default async function run({ table, node }) {
  const t = table("${table}", "w");
  await t.init({ schema: { run: "Text" } });
  await t.append([{ run: node.runId }]);
}
`;

Deno.test("schedule: a cron node runs on the injected clock, with its downstream", async () => {
  const dir = await makeApp({
    "graph.yml": CRON_GRAPH,
    "tick.ts": WRITE("ticks"),
    "after.ts": `export default async function run({ table }) {
  const rows = await table("ticks").read();
  const t = table("after", "w");
  await t.init({ schema: { n: "Integer" } });
  await t.append([{ n: rows.length }]);
}
`,
    "other.ts": WRITE("other"),
  });
  const start = new Date(2026, 0, 1, 0, 1, 0);
  const clock = new FakeClock(start);
  const s = await createServer({ appDir: dir, watch: false, clock });
  try {
    let g = await (await s.app.request("/api/graph")).json();
    const tick = g.nodes.find((n: Any) => n.id === "tick");
    assert.equal(tick.trigger, "*/5 * * * *");
    assert.equal(tick.nextRun, new Date(2026, 0, 1, 0, 5, 0).toISOString());
    assert.equal(g.nodes.find((n: Any) => n.id === "other").nextRun, null);
    assert.equal(clock.pending, 1);

    clock.advance(3 * 60_000); // 00:04: nothing yet
    assert.equal((await s.store.listRuns(10)).length, 0);
    clock.advance(60_000); // 00:05
    await waitFor(
      async () => (await s.store.listRuns(10)).length === 1,
      "a run",
    );
    await s.idle();
    const [run] = await s.store.listRuns(10);
    assert.equal(run!.trigger, "schedule");
    assert.equal(run!.status, "succeeded");
    const nodes = await s.store.listNodeRuns(run!.id);
    assert.deepEqual(nodes.map((n) => n.nodeId), ["tick", "after"]);
    assert.deepEqual(await s.store.readRows("after"), [{ n: 1 }]);
    g = await (await s.app.request("/api/graph")).json();
    assert.equal(
      g.nodes.find((n: Any) => n.id === "tick").nextRun,
      new Date(2026, 0, 1, 0, 10, 0).toISOString(),
    );

    // A long sleep (the timer fires late) fires once, not once per missed time.
    clock.jump(60 * 60_000);
    await waitFor(
      async () => (await s.store.listRuns(10)).length === 2,
      "a run",
    );
    await s.idle();
    assert.equal((await s.store.listRuns(10)).length, 2);

    // Times that come while a run is going are queued and merged: one more run.
    clock.advance(30 * 60_000);
    await waitFor(
      async () => (await s.store.listRuns(10)).length === 4,
      "runs",
    );
    await s.idle();
    assert.equal((await s.store.listRuns(10)).length, 4);
  } finally {
    await s.close();
  }
  assert.equal(clock.pending, 0, "close() cancels the timer");
});
