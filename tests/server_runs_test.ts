// Runs through the dev server that go wrong, and the runner's runId seam.

import assert from "node:assert/strict";
import { createServer } from "../server/mod.ts";
import { copyLeads, readSse } from "../server/_test_util.ts";
import { graphYml, makeApp, runOnce } from "./_helpers.ts";
import { openStore } from "../stores/mod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

async function json(
  s: Awaited<ReturnType<typeof createServer>>,
  path: string,
  init?: RequestInit,
) {
  const res = await s.app.request(path, init);
  return { status: res.status, body: await res.json() as Any };
}

function post(body: unknown): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

async function serve(dir?: string) {
  return await createServer({ appDir: dir ?? await copyLeads(), watch: false });
}

Deno.test("server API: a run that cannot start is reported, not crashed", async () => {
  const s = await serve();
  try {
    // score_leads alone: its input was never produced.
    const events = await s.app.request("/api/events");
    const r = await json(s, "/api/runs", post({ nodes: ["score_leads"] }));
    assert.equal(r.status, 202);
    const runId = (r.body as Any).runId;
    const msgs = await readSse(
      events,
      (m) => m.some((e) => e.event === "run-finished"),
    );
    const fin = msgs.find((m) => m.event === "run-finished")!;
    assert.equal(fin.data.status, "failed");
    assert.match(String(fin.data.error), /has never been produced/);
    await s.idle();
    const run = (await json(s, `/api/runs/${runId}`)).body as Any;
    assert.equal(run.run.status, "failed");
    assert.match(run.run.error, /never been produced/);
    // The server still answers and runs.
    assert.equal((await json(s, "/api/runs", post({}))).status, 202);
    await s.idle();
  } finally {
    await s.close();
  }
});

Deno.test("runGraph: a caller-chosen runId is the recorded run's id", async () => {
  const dir = await copyLeads();
  const result = await runOnce(dir, { runId: "20260101-000000-c0ffee" });
  assert.equal(result.runId, "20260101-000000-c0ffee");
  const s = await serve(dir);
  try {
    const run = (await json(s, "/api/runs/20260101-000000-c0ffee")).body as Any;
    assert.equal(run.run.status, "succeeded");
  } finally {
    await s.close();
  }
});

Deno.test("server API: the running run can be stopped; finished and unknown ones cannot", async () => {
  const dir = await makeApp({
    "graph.yml":
      "title: Slow\nfunctions:\n  - node_file: slow.ts\n    outputs: [t]\n",
    "slow.ts": `export default async ({ table, log }) => {
  const t = table("t", "w");
  await t.init({ schema: { i: "Integer" } });
  log.info("working");
  for (let i = 0; i < 600; i++) { await t.append({ i }); await new Promise((r) => setTimeout(r, 50)); }
};`,
  });
  const s = await serve(dir);
  try {
    const events = await s.app.request("/api/events");
    const { runId } = (await json(s, "/api/runs", post({}))).body;
    await readSse(
      events,
      (m) => m.some((e) => e.event === "log" && e.data.message === "working"),
    );
    assert.equal((await json(s, `/api/runs/${runId}`)).body.active, true);
    const stop = await json(s, `/api/runs/${runId}/cancel`, { method: "POST" });
    assert.equal(stop.status, 202);
    assert.deepEqual(stop.body, { runId, status: "stopping" });
    await s.idle();
    const run = (await json(s, `/api/runs/${runId}`)).body;
    assert.equal(run.run.status, "failed");
    assert.equal(run.active, false);
    assert.deepEqual(
      run.nodes.map((n: Any) => [n.id, n.status, n.error]),
      [[
        "slow",
        "failed",
        "interrupted: the run was stopped before it finished",
      ]],
    );
    assert.equal(await s.store.describeTable("t"), undefined);
    const again = await json(s, `/api/runs/${runId}/cancel`, {
      method: "POST",
    });
    assert.equal(again.status, 409);
    assert.match(
      again.body.error,
      /is not going in this server \(status: failed\)/,
    );
    const unknown = await json(s, "/api/runs/20990101-000000-abcdef/cancel", {
      method: "POST",
    });
    assert.equal(unknown.status, 404);
    // No state change by GET.
    assert.equal(
      (await s.app.request(`/api/runs/${runId}/cancel`)).status,
      404,
    );
  } finally {
    await s.close();
  }
});

Deno.test("server: closing interrupts the running run and records it", async () => {
  const dir = await makeApp({
    "graph.yml":
      "title: Slow\nfunctions:\n  - node_file: slow.ts\n    outputs: [t]\n",
    "slow.ts": `export default async ({ log }) => {
  log.info("working");
  await new Promise((r) => setTimeout(r, 60_000));
};`,
  });
  const s = await serve(dir);
  const events = await s.app.request("/api/events");
  const { runId } = (await json(s, "/api/runs", post({}))).body;
  await readSse(
    events,
    (m) => m.some((e) => e.event === "log" && e.data.message === "working"),
  );
  await s.close();
  const store = await openStore(undefined, dir);
  try {
    assert.equal((await store.getRun(runId))?.status, "failed");
  } finally {
    await store.close();
  }
});

Deno.test("server API: a run's logs come a page at a time", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "chatty.ts", outputs: ["out"] }]),
    "chatty.ts": `export default async ({ table, log }) => {
      for (let i = 0; i < 2500; i++) log.info("line " + i);
      const t = table("out", "w");
      await t.init({ schema: { v: "Integer" } });
      await t.append({ v: 1 });
    };`,
  });
  const s = await serve(dir);
  try {
    const r = await json(s, "/api/runs", post({}));
    assert.equal(r.status, 202);
    const runId = (r.body as Any).runId;
    await s.idle();
    const run = (await json(s, `/api/runs/${runId}`)).body as Any;
    assert.equal(run.logs.length, 1000);
    assert.equal(run.logsMore, true);
    assert.equal(run.logs[999].message, "line 999");
    const page = async (q: string) =>
      (await json(s, `/api/runs/${runId}/logs${q}`)).body as Any;
    const second = await page("?offset=1000");
    assert.equal(second.logs.length, 1000);
    assert.equal(second.logs[0].message, "line 1000");
    assert.equal(second.more, true);
    const last = await page("?offset=2000&limit=1000&node=chatty");
    assert.deepEqual(
      last.logs.map((l: Any) => l.message),
      Array.from(
        { length: 500 },
        (_, i) => `line ${2000 + i}`,
      ),
    );
    assert.equal(last.more, false);
    assert.deepEqual((await page("?node=nobody")).logs, []);
    const bad = await json(s, `/api/runs/${runId}/logs?limit=5000`);
    assert.equal(bad.status, 400);
    assert.match(
      (bad.body as Any).error,
      /limit must be a whole number from 1 to 1,000/,
    );
    assert.equal((await json(s, "/api/runs/nope/logs")).status, 404);
  } finally {
    await s.close();
  }
});
