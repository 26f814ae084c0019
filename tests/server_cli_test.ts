// `runnel serve` and `runnel list webhooks` as a user runs them.

import assert from "node:assert/strict";
import { openStore } from "../stores/mod.ts";
import { main } from "../cli/mod.ts";
import { memoryIo } from "../cli/_io.ts";
import { webhookToken } from "../server/mod.ts";
import { copyLeads } from "../server/_test_util.ts";
import { makeApp } from "./_helpers.ts";
import { freePort, serve } from "./_cli.ts";
import { dropSchema, freshSchema, pgUrl, skipReason } from "./_pg_env.ts";

Deno.test("runnel serve: starts, answers, runs, and stops on SIGTERM", async () => {
  const dir = await copyLeads();
  const port = freePort();
  const { child, url, stderr } = await serve([
    "--app",
    dir,
    "--port",
    String(port),
  ]);
  try {
    assert.equal(url, `http://127.0.0.1:${port}/`);
    const graph = await (await fetch(`${url}api/graph`)).json();
    assert.equal(graph.valid, true);
    assert.equal(graph.title, "Leads Scoring");
    const page = await fetch(url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /text\/html/);
    await page.body?.cancel();
    // An open event stream does not keep the server from stopping.
    const events = await fetch(`${url}api/events`);
    const started = await fetch(`${url}api/runs`, { method: "POST" });
    assert.equal(started.status, 202);
    const { runId } = await started.json();
    for (let i = 0; i < 200; i++) {
      const r = await (await fetch(`${url}api/runs/${runId}`)).json();
      if (r.run.status === "succeeded") break;
      assert.notEqual(r.run.status, "failed", JSON.stringify(r));
      await new Promise((res) => setTimeout(res, 50));
    }
    child.kill("SIGTERM");
    const status = await child.status;
    await events.body?.cancel().catch(() => {});
    const err = await stderr;
    assert.equal(status.code, 0, err);
    assert.match(err, /Runnel dev server/);
    assert.match(err, /SIGTERM: stopping/);
    assert.match(err, /Stopped\./);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
});

Deno.test("runnel serve: another host prints a generated token and requires it", async () => {
  const dir = await makeApp({
    "graph.yml": "title: Hooks\nfunctions:\n  - webhook: events\n",
  });
  const port = freePort();
  const { child, url, stderr } = await serve([
    "--app",
    dir,
    "--port",
    String(port),
    "--host",
    "0.0.0.0",
    "--no-watch",
  ]);
  try {
    const m = /^http:\/\/127\.0\.0\.1:(\d+)\/\?token=([\w-]+)$/.exec(url);
    assert.ok(m, url);
    const token = decodeURIComponent(m[2]!);
    const api = `http://127.0.0.1:${port}/api/graph`;
    const denied = await fetch(api);
    assert.equal(denied.status, 401);
    await denied.body?.cancel();
    const ok = await fetch(api, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(ok.status, 200);
    await ok.body?.cancel();
    const hook = await fetch(
      `http://127.0.0.1:${port}/webhooks/events?token=${
        webhookToken(token, "events")
      }`,
      {
        method: "POST",
        body: '{"a":1}',
        headers: { "content-type": "application/json" },
      },
    );
    assert.deepEqual(await hook.json(), { received: 1 });
    child.kill("SIGINT");
    assert.equal((await child.status).code, 0);
    const err = await stderr;
    assert.match(err, new RegExp(`API token \\(shown once.*\\): ${token}`));
    assert.match(
      err,
      /webhook events: POST http:\/\/127\.0\.0\.1:\d+\/webhooks\/events\?token=/,
    );
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
});

Deno.test("runnel serve: a port in use is a usage error", async () => {
  const dir = await copyLeads();
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  try {
    const port = (l.addr as Deno.NetAddr).port;
    const io = memoryIo();
    const code = await main([
      "serve",
      "--app",
      dir,
      "--port",
      String(port),
      "--no-watch",
    ], io);
    assert.equal(code, 2);
    assert.match(io.stderr.join("\n"), /Port \d+ on 127.0.0.1 is in use/);
    const bad = memoryIo();
    assert.equal(
      await main(["serve", "--app", dir, "--port", "99999"], bad),
      2,
    );
    assert.match(
      bad.stderr.join("\n"),
      /--port needs a number from 0 to 65535/,
    );
  } finally {
    l.close();
  }
});

Deno.test("runnel list webhooks: URLs, and tokens when the server needs them", async () => {
  const dir = await makeApp({
    "graph.yml":
      "title: Hooks\nfunctions:\n  - webhook: events\n  - webhook: orders\n",
  });
  let io = memoryIo();
  assert.equal(await main(["list", "webhooks", "--app", dir], io), 0);
  assert.deepEqual(io.stdout, [
    "events\tPOST http://127.0.0.1:7878/webhooks/events",
    "orders\tPOST http://127.0.0.1:7878/webhooks/orders",
  ]);

  io = memoryIo();
  await main([
    "list",
    "webhooks",
    "--app",
    dir,
    "--host",
    "0.0.0.0",
    "--port",
    "9000",
  ], io);
  assert.match(io.stderr.join("\n"), /needs a token.*pass the --token/);

  io = memoryIo();
  await main([
    "list",
    "webhooks",
    "--app",
    dir,
    "--host",
    "10.0.0.5",
    "--token",
    "tok",
    "--json",
  ], io);
  const urls = JSON.parse(io.stdout.join("\n"));
  assert.deepEqual(urls[0], {
    id: "webhook_events",
    table: "events",
    url: `http://10.0.0.5:7878/webhooks/events?token=${
      webhookToken("tok", "events")
    }`,
    token: webhookToken("tok", "events"),
  });

  io = memoryIo();
  const empty = await makeApp({ "graph.yml": "title: None\nfunctions: []\n" });
  assert.equal(await main(["list", "webhooks", "--app", empty], io), 0);
  assert.match(io.stderr.join("\n"), /No webhooks/);
});

/** `runnel serve` of `dir` on a free port, without watching files. */
function serveQuiet(dir: string, extra: string[] = []) {
  return serve([
    "--app",
    dir,
    "--port",
    String(freePort()),
    "--no-watch",
    ...extra,
  ]);
}

/** Starts a run through the API of the server at `url`; resolves with its id once its first node runs. */
async function startAndWaitRunning(url: string): Promise<string> {
  const res = await fetch(`${url}api/runs`, { method: "POST" });
  assert.equal(res.status, 202);
  const { runId } = await res.json();
  for (let i = 0; i < 200; i++) {
    const g = await (await fetch(`${url}api/graph`)).json();
    if (g.nodes[0].status === "running") break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return runId;
}

Deno.test("runnel serve: SIGTERM interrupts the running run, records it and stops", async () => {
  const dir = await makeApp({
    "graph.yml": "title: Slow\nfunctions:\n  - node_file: slow.ts\n",
    "slow.ts":
      "export default async function run() {\n  await new Promise((r) => setTimeout(r, 60_000));\n}\n",
  });
  const { child, url, stderr } = await serveQuiet(dir);
  let runId = "";
  try {
    runId = await startAndWaitRunning(url);
    child.kill("SIGTERM");
    const status = await child.status;
    const err = await stderr;
    assert.equal(status.code, 0, err);
    assert.match(
      err,
      /SIGTERM: stopping \(a running run is interrupted and recorded; SIGTERM again to stop at once\)/,
    );
    assert.match(err, /Stopped\./);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
  const store = await openStore(undefined, dir);
  try {
    assert.equal((await store.getRun(runId))?.status, "failed");
    const [node] = await store.listNodeRuns(runId);
    assert.equal(node?.status, "failed");
    assert.match(node?.error ?? "", /interrupted/);
  } finally {
    await store.close();
  }
});

Deno.test({
  name:
    "runnel serve: SIGTERM cancels a running PostgreSQL SQL node and records the run",
  ignore: skipReason !== undefined,
  fn: async () => {
    const dir = await makeApp({
      "graph.yml":
        "title: Sleepy\nfunctions:\n  - node_file: sleepy.sql\n    outputs:\n      output_table: t\n",
      "sleepy.sql": "select pg_sleep(30) is null as slept\n",
    });
    const schema = freshSchema();
    const { child, url, stderr } = await serveQuiet(dir, [
      "--store",
      pgUrl(schema),
    ]);
    try {
      await startAndWaitRunning(url);
      const t0 = Date.now();
      child.kill("SIGTERM");
      const status = await child.status;
      const err = await stderr;
      assert.equal(status.code, 0, err);
      assert.match(err, /Stopped\./);
      assert.ok(Date.now() - t0 < 20_000, "the 30 s statement was cancelled");
      const store = await openStore(pgUrl(schema), dir);
      try {
        const [run] = await store.listRuns(1);
        assert.equal(run?.status, "failed");
        const [node] = await store.listNodeRuns(run!.id);
        assert.match(node?.error ?? "", /interrupted/);
      } finally {
        await store.close();
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
      await dropSchema(schema);
    }
  },
});
