// `runnel serve` taking webhooks while `runnel run` writes the same SQLite
// store from another process: the file stays sound and every acknowledged
// record is there exactly once.

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openStore } from "../stores/mod.ts";
import { makeApp } from "./_helpers.ts";
import { freePort, runnel, serve } from "./_cli.ts";

const LOOPS = 20;
const POSTS = 60;
const CLI_RUNS = 6;
// RUNNEL_TEST_ROUNDS=20 repeats the scenario for a soak run.
const ROUNDS = Number(Deno.env.get("RUNNEL_TEST_ROUNDS") ?? 2);

const APP = {
  "graph.yml": `title: Hooks
functions:
  - webhook: events
  - node_file: count.ts
    title: Count
    inputs:
      events: events
    outputs:
      counts: counts
`,
  "count.ts": `export default async ({ table }) => {
  let n = 0;
  for await (const chunk of table("events").readChunks(500)) n += chunk.length;
  const out = table("counts", "w");
  await out.init({ schema: { n: "Integer" } });
  await out.replace([{ n }]);
};`,
};

async function postLoop(url: string, loop: number): Promise<string[]> {
  const acked: string[] = [];
  for (let j = 0; j < POSTS; j++) {
    const res = await fetch(`${url}webhooks/events`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: `${loop}:${j}` }),
    });
    await res.body?.cancel();
    if (res.status === 200) acked.push(`${loop}:${j}`);
  }
  return acked;
}

for (let round = 1; round <= ROUNDS; round++) {
  Deno.test(`serve + CLI on one SQLite store (round ${round}): integrity ok, every acknowledged record exactly once`, async () => {
    const dir = await makeApp(APP);
    const port = freePort();
    const { child, url, stderr } = await serve([
      "--app",
      dir,
      "--port",
      String(port),
    ]);
    let acked: string[] = [];
    try {
      assert.equal(url, `http://127.0.0.1:${port}/`);
      const posting = Promise.all(
        Array.from({ length: LOOPS }, (_, l) => postLoop(url, l)),
      );
      for (let r = 0; r < CLI_RUNS; r++) {
        const run = await runnel(dir, ["run", "count", "--force"]);
        assert.equal(run.code, 0, run.stdout + run.stderr);
      }
      acked = (await posting).flat();
    } finally {
      child.kill("SIGTERM");
      await child.status;
      await stderr;
    }
    assert.ok(acked.length > 0);

    const db = new DatabaseSync(join(dir, ".runnel", "runnel.db"));
    try {
      const check = db.prepare("PRAGMA integrity_check").all()
        .map((r) => r.integrity_check);
      assert.deepEqual(check, ["ok"]);
    } finally {
      db.close();
    }
    const store = await openStore(undefined, dir);
    try {
      const keys = (await store.readRows("events")).map((r) =>
        String((r.record as { key: string }).key)
      );
      assert.equal(keys.length, acked.length, "no record lost or doubled");
      assert.deepEqual(keys.sort(), acked.sort());
      const runs = await store.listRuns(20);
      assert.equal(
        runs.filter((r) => r.status === "succeeded").length,
        CLI_RUNS,
      );
    } finally {
      await store.close();
    }
  });
}
