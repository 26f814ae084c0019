// Planner scenarios with SQL nodes, stages, crashes and concurrent runs.

import assert from "node:assert/strict";
import { join } from "node:path";
import { fromFileUrl } from "../core/path.ts";
import type { RunResult } from "../core/run/runner.ts";
import { graphYml, makeApp, storeTest, writeFiles } from "./_helpers.ts";

const MAIN = fromFileUrl(new URL("../main.ts", import.meta.url));
const statuses = (r: RunResult) =>
  Object.fromEntries(r.nodes.map((n) => [n.id, n.status]));

storeTest(
  "5. reformatting a SQL node is cached; changing its logic reruns it and its downstream",
  async (s) => {
    const sql = `-- top leads
select id, score
from {{ Table("leads") }}
where score >= {{ Parameter("min_score", type="float", default=0.5) }}
order by id`;
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "leads.ts", outputs: ["leads"] },
        { file: "top.sql", inputs: ["leads"], outputs: ["top_leads"] },
        { file: "count.ts", inputs: ["top_leads"], outputs: ["top_count"] },
      ]),
      "leads.ts": `export default async ({ table }) => {
  const t = table("leads", "w");
  await t.init({ schema: { id: "Text", score: "Float" }, uniqueOn: "id" });
  await t.replace([{ id: "a", score: 0.9 }, { id: "b", score: 0.5 }, { id: "c", score: 0.1 }]);
};`,
      "top.sql": sql,
      "count.ts": `export default async ({ table }) => {
  const t = table("top_count", "w");
  await t.init({ schema: { n: "Integer" } });
  await t.replace([{ n: await table("top_leads").recordCount() }]);
};`,
    });
    const first = await s.runOnce(dir);
    assert.equal(first.status, "succeeded", JSON.stringify(first.nodes));
    assert.deepEqual(await s.readTable(dir, "top_leads"), [
      { id: "a", score: 0.9 },
      { id: "b", score: 0.5 },
    ]);

    await writeFiles(dir, {
      "top.sql": `/* reformatted */ SELECT id,   score  -- same logic
FROM {{Table('leads')}}   WHERE score >= {{ Parameter("min_score", type="float", default=0.5) }}
ORDER BY id`.replace("SELECT", "select").replace("FROM", "from").replace(
        "WHERE",
        "where",
      ).replace("ORDER BY", "order by"),
    });
    const reformatted = await s.runOnce(dir);
    assert.deepEqual(statuses(reformatted), {
      leads: "cached",
      top: "cached",
      count: "cached",
    });

    await writeFiles(dir, { "top.sql": sql.replace(">=", ">") });
    const changed = await s.runOnce(dir);
    assert.deepEqual(statuses(changed), {
      leads: "cached",
      top: "succeeded",
      count: "succeeded",
    });
    assert.match(
      changed.nodes.find((n) => n.id === "top")!.reason!,
      /SQL changed/,
    );
    assert.deepEqual(await s.readTable(dir, "top_count"), [{ n: 1 }]);

    const param = await s.runOnce(dir, {
      params: [{ name: "min_score", value: "0.05" }],
    });
    assert.deepEqual(statuses(param), {
      leads: "cached",
      top: "succeeded",
      count: "succeeded",
    });
    assert.deepEqual(await s.readTable(dir, "top_count"), [{ n: 3 }]);
  },
);

storeTest("a SQL error names the node file and line", async (s) => {
  const dir = await makeApp({
    "graph.yml": graphYml([
      { file: "leads.ts", outputs: ["leads"] },
      { file: "bad.sql", inputs: ["leads"], outputs: ["out"] },
    ]),
    "leads.ts":
      `export default async ({ table }) => { await table("leads", "w").append({ id: 1 }); };`,
    "bad.sql": `select id,\n  nosuchcolumn\nfrom {{ Table("leads") }}`,
  });
  const r = await s.runOnce(dir);
  const bad = r.nodes.find((n) => n.id === "bad")!;
  assert.equal(bad.status, "failed");
  assert.match(bad.error!, /SQL error in bad\.sql:2: .*nosuchcolumn/);
});

/** Stage "load" (l1 → l2) and an independent stage "other" (o1). */
async function stagedApp(): Promise<string> {
  return await makeApp({
    "graph.yml": `title: Stages
stages:
  - name: load
    functions: [L1, L2]
functions:
  - node_file: l1.ts
    outputs: [t1]
  - node_file: l2.ts
    inputs: [t1]
    outputs: [t2]
  - node_file: o1.ts
    stage: other
    outputs: [t3]
`,
    "l1.ts": `export default async ({ table, parameter }) => {
  const t = table("t1", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace([{ v: parameter("gen", { type: "integer", default: 1 }) }]);
};`,
    "l2.ts": `export default async ({ table, parameter }) => {
  const rows = await table("t1").read();
  if (parameter("fail", { type: "boolean", default: false })) throw new Error("l2 broke");
  const t = table("t2", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace(rows.map((r) => ({ v: r.v * 10 })));
};`,
    "o1.ts": `export default async ({ table, parameter }) => {
  const t = table("t3", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace([{ v: parameter("gen", { type: "integer", default: 1 }) }]);
};`,
  });
}

storeTest(
  "6. a failing node in a stage publishes nothing of that stage; independent stages commit; the fix reruns only what is needed",
  async (s) => {
    const dir = await stagedApp();
    assert.equal((await s.runOnce(dir)).status, "succeeded");
    const failed = await s.runOnce(dir, {
      params: [{ name: "gen", value: "2" }, { name: "fail", value: "true" }],
    });
    assert.deepEqual(statuses(failed), {
      l1: "succeeded",
      l2: "failed",
      o1: "succeeded",
    });
    assert.match(
      failed.nodes.find((n) => n.id === "l1")!.reason!,
      /not published: stage "load" failed because "L2" failed/,
    );
    assert.deepEqual(
      await s.readTable(dir, "t1"),
      [{ v: 1 }],
      "l1's write was not published",
    );
    assert.deepEqual(await s.readTable(dir, "t2"), [{ v: 10 }]);
    assert.deepEqual(
      await s.readTable(dir, "t3"),
      [{ v: 2 }],
      "the other stage committed",
    );

    const fixed = await s.runOnce(dir, {
      params: [{ name: "gen", value: "2" }],
    });
    assert.deepEqual(statuses(fixed), {
      l1: "succeeded",
      l2: "succeeded",
      o1: "cached",
    });
    assert.deepEqual(await s.readTable(dir, "t1"), [{ v: 2 }]);
    assert.deepEqual(await s.readTable(dir, "t2"), [{ v: 20 }]);
  },
);

storeTest(
  "7. SIGKILL in the middle of a stage's writes leaves committed data intact, and the next run completes like a clean one",
  async (s) => {
    const app = (rows: number) => ({
      "graph.yml": `title: Crash
functions:
  - node_file: w1.ts
    stage: s
    outputs: [t1]
  - node_file: w2.ts
    stage: s
    inputs: [t1]
    outputs: [t2]
`,
      "w1.ts": `export default async ({ table, parameter, log }) => {
  const gen = parameter("gen", { type: "integer", default: 1 });
  const t = table("t1", "w");
  await t.init({ schema: { id: "Integer", gen: "Integer" }, uniqueOn: "id" });
  await t.truncate();
  for (let b = 0; b < 6; b++) {
    await t.append(Array.from({ length: ${rows} }, (_, i) => ({ id: b * ${rows} + i, gen })));
    await t.flush();
    log.warn("w1 batch " + b);
    await new Promise((r) => setTimeout(r, 30));
  }
};`,
      "w2.ts": `export default async ({ table, log }) => {
  const t = table("t2", "w");
  await t.init({ schema: { id: "Integer", gen: "Integer" }, uniqueOn: "id" });
  let b = 0;
  for await (const chunk of table("t1").readChunks(${rows})) {
    await t.upsert(chunk.map((r) => ({ id: r.id, gen: r.gen * 100 })));
    await t.flush();
    log.warn("w2 batch " + b++);
    await new Promise((r) => setTimeout(r, 30));
  }
  log.warn("w2 done");
};`,
    });
    const dir = await makeApp(app(500));
    assert.equal((await s.runOnce(dir)).status, "succeeded");
    const gen1 = {
      t1: await s.readTable(dir, "t1"),
      t2: await s.readTable(dir, "t2"),
    };
    assert.equal(gen1.t1.length, 3000);

    // Every point is before the stage publishes: w2 keeps writing after each.
    for (
      const killAt of ["w1 batch 1", "w1 batch 5", "w2 batch 0", "w2 batch 3"]
    ) {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          MAIN,
          "run",
          "--app",
          dir,
          ...s.args,
          "--param",
          "gen=2",
        ],
        stderr: "piped",
        stdout: "null",
        env: { NO_COLOR: "1" },
      }).spawn();
      const reader = child.stderr.pipeThrough(new TextDecoderStream())
        .getReader();
      let seen = "";
      while (!seen.includes(killAt)) {
        const { value, done } = await reader.read();
        if (done) break;
        seen += value;
      }
      child.kill("SIGKILL");
      await child.status;
      await reader.cancel();
      assert.ok(seen.includes(killAt), `the child reached "${killAt}"`);
      assert.deepEqual(
        await s.readTable(dir, "t1"),
        gen1.t1,
        `t1 intact after kill at ${killAt}`,
      );
      assert.deepEqual(
        await s.readTable(dir, "t2"),
        gen1.t2,
        `t2 intact after kill at ${killAt}`,
      );
    }

    const done = await s.runOnce(dir, {
      params: [{ name: "gen", value: "2" }],
    });
    assert.equal(done.status, "succeeded");
    const clean = await makeApp(app(500));
    await s.runOnce(clean, { params: [{ name: "gen", value: "2" }] });
    assert.deepEqual(
      await s.readTable(dir, "t1"),
      await s.readTable(clean, "t1"),
    );
    assert.deepEqual(
      await s.readTable(dir, "t2"),
      await s.readTable(clean, "t2"),
    );
    const store = await s.open(dir);
    try {
      const names = (await store.listTables()).map((t) => t.name);
      assert.deepEqual(
        names,
        ["t1", "t2"],
        "no leftovers of the killed runs are visible",
      );
    } finally {
      await store.close();
    }
  },
);

storeTest(
  "8. two runs started together on one store are serialized and correct",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([{ file: "slow.ts", outputs: ["t"] }]),
      "slow.ts": `export default async ({ table, state }) => {
  const n = state.get("n", 0) + 1;
  state.set("n", n);
  await new Promise((r) => setTimeout(r, 300));
  const t = table("t", "w");
  await t.init({ schema: { n: "Integer" } });
  await t.append({ n });
};`,
    });
    const start = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-all",
          MAIN,
          "run",
          "--app",
          dir,
          ...s.args,
          "--force",
          "--json",
        ],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
    const [a, b] = await Promise.all([start(), start()]);
    const dec = new TextDecoder();
    assert.equal(a.code, 0, dec.decode(a.stderr));
    assert.equal(b.code, 0, dec.decode(b.stderr));
    const waited = [a, b].filter((o) =>
      dec.decode(o.stderr).includes("Waiting for another run")
    );
    assert.equal(waited.length, 1, "exactly one of the two waited");
    assert.deepEqual((await s.readTable(dir, "t")).map((r) => r.n).sort(), [
      1,
      2,
    ]);
    const store = await s.open(dir);
    try {
      const runs = (await store.listRuns(10)).sort((x, y) =>
        x.startedAt.getTime() - y.startedAt.getTime()
      );
      assert.equal(runs.length, 2);
      assert.ok(
        runs[0]!.finishedAt!.getTime() <= runs[1]!.startedAt.getTime(),
        "runs did not overlap",
      );
      await assert.rejects(
        async () => {
          const held = await store.lock({ owner: "test holder", wait: true });
          try {
            const out = await new Deno.Command(Deno.execPath(), {
              args: [
                "run",
                "--allow-all",
                MAIN,
                "run",
                "--app",
                dir,
                ...s.args,
                "--no-wait",
              ],
              stderr: "piped",
              env: { NO_COLOR: "1" },
            }).output();
            throw new Error(`exit ${out.code}: ${dec.decode(out.stderr)}`);
          } finally {
            await held.release();
          }
        },
        /exit 1: .*Another run holds the lock .*test holder/s,
      );
    } finally {
      await store.close();
    }
  },
);

storeTest(
  "runnel plan explains every node without running anything",
  async (s) => {
    const dir = await stagedApp();
    await s.runOnce(dir);
    await writeFiles(dir, {
      "l1.ts": (await Deno.readTextFile(join(dir, "l1.ts"))) + "\n// edited\n",
    });
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        MAIN,
        "plan",
        "--app",
        dir,
        "--json",
        ...s.args,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const plan = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(
      plan.map((p: { id: string; action: string }) => [p.id, p.action]),
      [
        ["l1", "run"],
        ["l2", "maybe"],
        ["o1", "skip"],
      ],
    );
    assert.match(plan[0].reasons[0], /code changed: l1\.ts/);
    assert.match(
      plan[1].reasons[0],
      /runs only if "L1" writes different content/,
    );
    const store = await s.open(dir);
    try {
      assert.equal(
        (await store.listRuns(10)).length,
        1,
        "plan recorded no run",
      );
    } finally {
      await store.close();
    }
  },
);

storeTest("runnel plan on an app that never ran writes nothing", async (s) => {
  const dir = await stagedApp();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      MAIN,
      "plan",
      "--app",
      dir,
      "--json",
      ...s.args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const plan = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.ok(
    plan.every((p: { action: string; reasons: string[] }) =>
      p.action === "run" && p.reasons[0] === "never ran successfully"
    ),
  );
  await assert.rejects(
    () => Deno.stat(join(dir, ".runnel")),
    Deno.errors.NotFound,
  );
  assert.equal(await s.exists(dir), false, "no store was created");
});
