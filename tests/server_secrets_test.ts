// Secret parameters never appear in clear: not in the dev server's node
// details, run records, logs, errors or events, not in the CLI's output,
// and not in the store.

import assert from "node:assert/strict";
import { createServer } from "../server/mod.ts";
import { readSse } from "../server/_test_util.ts";
import { openStore } from "../stores/mod.ts";
import { makeApp } from "./_helpers.ts";
import { runnel } from "./_cli.ts";

const GRAPH = `title: Secrets
functions:
  - node_file: fetch.ts
    outputs: [out]
    parameters:
      api_key: sk-from-graph-yml-123
      region: eu
`;

const FETCH = `export default async function run({ table, parameter, log }) {
  const key = parameter("api_key", { type: "string", secret: true, default: "sk-default-in-code-456" });
  const region = parameter("region", { type: "string", default: "us" });
  log.info("calling with " + key + " in " + region);
  console.log("console sees " + key);
  const t = table("out", "w");
  await t.init({ schema: { region: "Text" } });
  await t.append([{ region }]);
  if (key.startsWith("sk-fail")) throw new Error("refused key " + key);
}
`;

const CLEAR = [
  "sk-from-graph-yml-123",
  "sk-default-in-code-456",
  "sk-given-in-post-789",
  "sk-fail-given-000",
];

function assertNoSecret(text: string, where: string): void {
  for (const s of CLEAR) {
    assert.ok(!text.includes(s), `${where} shows ${s}: ${text}`);
  }
}

Deno.test("secrets: masked in node details, runs, logs, errors and events", async () => {
  const dir = await makeApp({ "graph.yml": GRAPH, "fetch.ts": FETCH });
  const s = await createServer({ appDir: dir, watch: false });
  try {
    const nodeText = await (await s.app.request("/api/nodes/fetch")).text();
    assertNoSecret(nodeText, "GET /api/nodes/fetch");
    const node = JSON.parse(nodeText);
    const key = node.parameters.find((p: { name: string }) =>
      p.name === "api_key"
    );
    assert.deepEqual(key, {
      name: "api_key",
      type: "string",
      secret: true,
      default: "***",
      value: "***",
      source: "graph.yml",
    });
    assert.equal(
      node.parameters.find((p: { name: string }) => p.name === "region").value,
      "eu",
    );

    const post = (params: Record<string, string>) =>
      s.app.request("/api/runs", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ params }),
      });
    for (const value of ["sk-given-in-post-789", "sk-fail-given-000"]) {
      const events = await s.app.request("/api/events");
      const res = await post({ api_key: value });
      assert.equal(res.status, 202);
      const { runId } = await res.json();
      const msgs = await readSse(
        events,
        (m) => m.some((e) => e.event === "run-finished"),
      );
      assertNoSecret(JSON.stringify(msgs), "events");
      assert.ok(
        msgs.some((m) =>
          m.event === "log" &&
          /calling with \*\*\*/.test(String(m.data.message))
        ),
      );
      await s.idle();
      const runText = await (await s.app.request(`/api/runs/${runId}`)).text();
      assertNoSecret(runText, `GET /api/runs/${runId}`);
      const run = JSON.parse(runText);
      assert.deepEqual(run.run.params, { api_key: "***" });
      assert.ok(
        run.logs.some((l: { message: string }) =>
          l.message === "console sees ***"
        ),
      );
      if (value.startsWith("sk-fail")) {
        assert.equal(run.run.status, "failed");
        assert.match(run.nodes[0].error, /refused key \*\*\*/);
      }
    }
    for (const path of ["/api/runs", "/api/graph", "/api/nodes/fetch"]) {
      assertNoSecret(await (await s.app.request(path)).text(), path);
    }
  } finally {
    await s.close();
  }
});

Deno.test("secrets: runnel run, runnel runs show and the stored logs never show them", async () => {
  const dir = await makeApp({ "graph.yml": GRAPH, "fetch.ts": FETCH });
  const ok = await runnel(dir, ["run", "--verbose"]);
  assert.equal(ok.code, 0, ok.stderr);
  assertNoSecret(ok.stdout + ok.stderr, "runnel run");
  assert.match(ok.stdout + ok.stderr, /calling with \*\*\* in eu/);
  const failed = await runnel(dir, [
    "run",
    "--param",
    "api_key=sk-fail-given-000",
  ]);
  assert.equal(failed.code, 1);
  assertNoSecret(failed.stdout + failed.stderr, "runnel run (failing)");
  assert.match(failed.stdout + failed.stderr, /refused key \*\*\*/);
  for (const args of [["runs"], ["runs", "show"], ["runs", "show", "--json"]]) {
    const r = await runnel(dir, args);
    assert.equal(r.code, 0, r.stderr);
    assertNoSecret(r.stdout + r.stderr, `runnel ${args.join(" ")}`);
  }
  const store = await openStore(undefined, dir);
  try {
    for (const run of await store.listRuns(10)) {
      const stored = JSON.stringify([
        await store.listLogs(run.id),
        await store.listNodeRuns(run.id),
        run,
      ]);
      assertNoSecret(stored, "the store");
    }
  } finally {
    await store.close();
  }
});
