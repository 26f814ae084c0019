// Running graphs: ordering, failure isolation, logs and run records.

import assert from "node:assert/strict";
import { MAX_LOG_LINES } from "../core/run/_node_log.ts";
import { graphYml, makeApp, storeTest, writeFiles } from "./_helpers.ts";

const writer = (table: string, rows: string, fail = false) =>
  `export default async ({ table }) => {
    const t = table("${table}", "w");
    await t.init({ schema: { v: "Integer" } });
    await t.append(${rows});
    ${fail ? 'throw new Error("failed on purpose");' : ""}
  };`;

storeTest(
  "a failing node changes nothing; downstream is skipped; independent nodes go on",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "a.ts", outputs: ["a"] },
        { file: "b.ts", inputs: ["a"], outputs: ["b"] },
        { file: "c.ts", outputs: ["c"] },
      ]),
      "a.ts": writer("a", "[{ v: 1 }, { v: 2 }]"),
      "b.ts": `export default async ({ table }) => {
      const rows = await table("a").read();
      const t = table("b", "w");
      await t.init({ schema: { v: "Integer" } });
      await t.replace(rows.map((r) => ({ v: r.v * 10 })));
    };`,
      "c.ts": writer("c", "[{ v: 3 }]"),
    });
    const first = await s.runOnce(dir);
    assert.equal(first.status, "succeeded");
    assert.deepEqual(await s.readTable(dir, "b"), [{ v: 10 }, { v: 20 }]);

    // Now `a` appends more rows and then throws: its table must stay as it was.
    await writeFiles(dir, {
      "a.ts": writer("a", "[{ v: 100 }, { v: 200 }]", true),
    });
    const second = await s.runOnce(dir);
    assert.equal(second.status, "failed");
    const byId = Object.fromEntries(second.nodes.map((n) => [n.id, n]));
    assert.equal(byId.a!.status, "failed");
    assert.match(byId.a!.error!, /failed on purpose/);
    assert.equal(byId.a!.rowsWritten, 0);
    assert.equal(byId.b!.status, "skipped");
    assert.equal(byId.b!.error, 'upstream failed: "A"');
    assert.equal(
      byId.c!.status,
      "cached",
      "unchanged independent node is cached",
    );
    assert.deepEqual(await s.readTable(dir, "a"), [{ v: 1 }, { v: 2 }]);
    assert.deepEqual(await s.readTable(dir, "b"), [{ v: 10 }, { v: 20 }]);
    assert.deepEqual(await s.readTable(dir, "c"), [{ v: 3 }]);
  },
);

storeTest("logs and console output are captured per node run", async (s) => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "a.ts", outputs: ["a"] }, {
      file: "b.ts",
      outputs: ["b"],
    }]),
    "a.ts":
      `export default ({ log }) => { log.info("hello", { n: 1 }); console.log("from console"); console.warn("careful"); };`,
    "b.ts": `export default ({ log }) => { log.error("b only"); };`,
  });
  const r = await s.runOnce(dir);
  const store = await s.open(dir);
  try {
    const a = await store.listLogs(r.runId, "a");
    assert.deepEqual(a.map((l) => [l.level, l.message]), [
      ["info", "hello { n: 1 }"],
      ["info", "from console"],
      ["warn", "careful"],
    ]);
    const b = await store.listLogs(r.runId, "b");
    assert.deepEqual(b.map((l) => l.message), ["b only"]);
  } finally {
    await store.close();
  }
});

storeTest("the run and every node execution are recorded", async (s) => {
  const dir = await makeApp({
    "graph.yml": graphYml([
      { file: "a.ts", outputs: ["a"] },
      { file: "b.ts", inputs: ["a"], outputs: ["b"] },
    ]),
    "a.ts": writer("a", "[{ v: 1 }, { v: 2 }, { v: 3 }]"),
    "b.ts": `export default () => { throw new Error("nope"); };`,
  });
  const r = await s.runOnce(dir, { params: [] });
  const store = await s.open(dir);
  try {
    const run = await store.getRun(r.runId.slice(0, 12));
    assert.equal(run?.id, r.runId);
    assert.equal(run?.status, "failed");
    assert.ok(run?.finishedAt instanceof Date);
    const nodes = await store.listNodeRuns(r.runId);
    assert.deepEqual(nodes.map((n) => [n.nodeId, n.status, n.rowsWritten]), [
      ["a", "succeeded", 3],
      ["b", "failed", 0],
    ]);
    assert.equal(nodes[1]!.error, "nope");
    assert.ok(nodes.every((n) => typeof n.durationMs === "number"));
    const info = await store.describeTable("a");
    assert.equal(info?.rowCount, 3);
    assert.equal(info?.runId, r.runId);
    assert.equal(info?.nodeId, "a");
  } finally {
    await store.close();
  }
});

storeTest(
  "selecting nodes runs only those, and an unproduced input says what to run first",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "a.ts", title: "Make A", outputs: ["a"] },
        { file: "b.ts", inputs: ["a"], outputs: ["b"] },
      ]),
      "a.ts": writer("a", "[{ v: 1 }]"),
      "b.ts": writer("b", "[{ v: 2 }]"),
    });
    await assert.rejects(
      () => s.runOnce(dir, { selection: ["b"] }),
      /Cannot run node "B": its input table "a" has never been produced; run "Make A" first \(runnel run a\)/,
    );
    await assert.rejects(
      () => s.runOnce(dir, { selection: ["zzz"] }),
      /No node named "zzz"/,
    );
    const r = await s.runOnce(dir, { selection: ["Make A"] });
    assert.deepEqual(r.nodes.map((n) => n.id), ["a"]);
    const r2 = await s.runOnce(dir, { selection: ["b.ts"] });
    assert.deepEqual(r2.nodes.map((n) => [n.id, n.status]), [[
      "b",
      "succeeded",
    ]]);
  },
);

storeTest(
  "independent nodes run concurrently and dependents wait for commits",
  async (s) => {
    const fns: Parameters<typeof graphYml>[0] = [];
    const files: Record<string, string> = {};
    for (let i = 0; i < 6; i++) {
      fns.push({ file: `n${i}.ts`, outputs: [`t${i}`] });
      files[`n${i}.ts`] = writer(`t${i}`, `[{ v: ${i} }]`);
    }
    fns.push({
      file: "sum.ts",
      inputs: fns.map((_, i) => `t${i}`),
      outputs: ["total"],
    });
    files["sum.ts"] = `export default async ({ table }) => {
    let s = 0;
    for (let i = 0; i < 6; i++) for (const r of await table("t" + i).read()) s += r.v;
    const t = table("total", "w");
    await t.init({ schema: { s: "Integer" } });
    await t.replace({ s });
  };`;
    files["graph.yml"] = graphYml(fns);
    const dir = await makeApp(files);
    let max = 0;
    let now = 0;
    const r = await s.runOnce(dir, {
      concurrency: 3,
      onEvent: (e) => {
        if (e.type === "node-started") max = Math.max(max, ++now);
        if (e.type === "node-finished") now--;
      },
    });
    assert.equal(r.status, "succeeded");
    assert.ok(max > 1 && max <= 3, `max concurrency was ${max}`);
    assert.deepEqual(await s.readTable(dir, "total"), [{ s: 15 }]);
  },
);

storeTest(
  "a node that floods its log keeps the first lines, cut short, and one line saying how much was left out",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([{ file: "noisy.ts", outputs: ["out"] }]),
      "noisy.ts": `export default async ({ table, log }) => {
        log.info("x".repeat(100_000));
        for (let i = 0; i < 12_000; i++) log.info("line " + i);
        const t = table("out", "w");
        await t.init({ schema: { v: "Integer" } });
        await t.append({ v: 1 });
      };`,
    });
    const result = await s.runOnce(dir);
    assert.equal(result.status, "succeeded");
    const store = await s.open(dir);
    try {
      const logs = await store.listLogs(result.runId, "noisy");
      assert.equal(logs.length, MAX_LOG_LINES + 1);
      assert.match(
        logs[0]!.message,
        /^x{16384}… \[83,616 more characters not kept\]$/,
      );
      assert.equal(logs[1]!.message, "line 0");
      assert.equal(logs.at(-2)!.message, `line ${MAX_LOG_LINES - 2}`);
      assert.equal(logs.at(-1)!.level, "warn");
      assert.match(
        logs.at(-1)!.message,
        /^\[log truncated: 2,001 more line\(s\), [\d,]+ characters, were not kept; a node run keeps at most 10,000 lines and 1,048,576 characters of log\]$/,
      );
    } finally {
      await store.close();
    }
  },
);
