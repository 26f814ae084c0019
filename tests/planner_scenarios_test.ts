// The planner's acceptance scenarios (issue: incremental planner), one test
// per behaviour, on the embedded SQLite store with real workers.

import assert from "node:assert/strict";
import type { RunResult } from "../core/run/runner.ts";
import { graphYml, makeApp, storeTest, writeFiles } from "./_helpers.ts";

const statuses = (r: RunResult) =>
  Object.fromEntries(r.nodes.map((n) => [n.id, n.status]));

/** a (uses helper.ts) → b; c independent; d reads b (via shared lib). */
async function chainApp(): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      { file: "a.ts", outputs: ["ta"] },
      { file: "b.ts", inputs: ["ta"], outputs: ["tb"] },
      { file: "c.ts", outputs: ["tc"] },
      { file: "d.ts", inputs: ["tb"], outputs: ["td"] },
    ]),
    "helper.ts": `export const factor = 2;\n`,
    "a.ts": `import { factor } from "./helper.ts";
export default async ({ table, parameter }) => {
  const n = parameter("n", { type: "integer", default: 3 });
  const t = table("ta", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace(Array.from({ length: n }, (_, i) => ({ v: i * factor })));
};`,
    "b.ts": `export default async ({ table, parameter }) => {
  const big = parameter("threshold", { type: "integer", default: 0 });
  const rows = await table("ta").read();
  const t = table("tb", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace(rows.filter((r) => r.v >= big));
};`,
    "c.ts": `export default async ({ table }) => {
  const t = table("tc", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace([{ v: 1 }]);
};`,
    "d.ts": `export default async ({ table }) => {
  const rows = await table("tb").read();
  const t = table("td", "w");
  await t.init({ schema: { total: "Integer" } });
  await t.replace([{ total: rows.reduce((s, r) => s + r.v, 0) }]);
};`,
  });
}

storeTest(
  "1. a second run with no change skips every node as cached",
  async (s) => {
    const dir = await chainApp();
    const first = await s.runOnce(dir);
    assert.deepEqual(statuses(first), {
      a: "succeeded",
      c: "succeeded",
      b: "succeeded",
      d: "succeeded",
    });
    const second = await s.runOnce(dir);
    assert.deepEqual(statuses(second), {
      a: "cached",
      b: "cached",
      c: "cached",
      d: "cached",
    });
    assert.equal(second.status, "succeeded");
    assert.ok(
      second.nodes.every((n) =>
        n.reason?.startsWith(`unchanged since run ${first.runId}`)
      ),
    );
  },
);

storeTest(
  "2. editing a helper module reruns its importer and the downstream only",
  async (s) => {
    const dir = await chainApp();
    await s.runOnce(dir);
    await writeFiles(dir, { "helper.ts": `export const factor = 3;\n` });
    const r = await s.runOnce(dir);
    assert.deepEqual(statuses(r), {
      a: "succeeded",
      b: "succeeded",
      c: "cached",
      d: "succeeded",
    });
    assert.match(
      r.nodes.find((n) => n.id === "a")!.reason!,
      /code changed: helper\.ts/,
    );
    assert.match(
      r.nodes.find((n) => n.id === "b")!.reason!,
      /input ta changed/,
    );
    assert.deepEqual(await s.readTable(dir, "td"), [{ total: 9 }]);
  },
);

storeTest(
  "3. a changed --param reruns only its users plus downstream whose input changed",
  async (s) => {
    const dir = await chainApp();
    await s.runOnce(dir);
    const r = await s.runOnce(dir, {
      params: [{ name: "threshold", value: "2" }],
    });
    assert.deepEqual(statuses(r), {
      a: "cached",
      b: "succeeded",
      c: "cached",
      d: "succeeded",
    });
    assert.match(
      r.nodes.find((n) => n.id === "b")!.reason!,
      /parameter threshold changed/,
    );
    // Same value again: everything cached.
    const again = await s.runOnce(dir, {
      params: [{ name: "threshold", value: "2" }],
    });
    assert.deepEqual(statuses(again), {
      a: "cached",
      b: "cached",
      c: "cached",
      d: "cached",
    });
    // A threshold that filters nothing new: b reruns, writes identical rows, d stays cached.
    const same = await s.runOnce(dir, {
      params: [{ name: "threshold", value: "1" }],
    });
    assert.deepEqual(statuses(same), {
      a: "cached",
      b: "succeeded",
      c: "cached",
      d: "cached",
    });
  },
);

storeTest(
  "4. a rerun that writes identical content leaves the downstream cached",
  async (s) => {
    const dir = await chainApp();
    await s.runOnce(dir);
    // A comment-only edit changes a's code hash, so a reruns, but its output is identical.
    const src = await Deno.readTextFile(`${dir}/a.ts`);
    await writeFiles(dir, { "a.ts": `// reformatted\n${src}` });
    const r = await s.runOnce(dir);
    assert.deepEqual(statuses(r), {
      a: "succeeded",
      b: "cached",
      c: "cached",
      d: "cached",
    });
  },
);

storeTest(
  "9. a version bump reruns that node; --force reruns the selection",
  async (s) => {
    const dir = await chainApp();
    await s.runOnce(dir);
    const yml = await Deno.readTextFile(`${dir}/graph.yml`);
    await writeFiles(dir, {
      "graph.yml": yml.replace(
        "- node_file: c.ts",
        "- node_file: c.ts\n    version: 2",
      ),
    });
    const bumped = await s.runOnce(dir);
    assert.deepEqual(statuses(bumped), {
      a: "cached",
      b: "cached",
      c: "succeeded",
      d: "cached",
    });
    assert.match(
      bumped.nodes.find((n) => n.id === "c")!.reason!,
      /version \(none\) → 2/,
    );
    const forced = await s.runOnce(dir, { selection: ["a", "b"], force: true });
    assert.deepEqual(statuses(forced), { a: "succeeded", b: "succeeded" });
    assert.ok(forced.nodes.every((n) => n.reason === "--force"));
    const after = await s.runOnce(dir);
    assert.deepEqual(statuses(after), {
      a: "cached",
      b: "cached",
      c: "cached",
      d: "cached",
    });
  },
);

storeTest("selectors: a+ and +a", async (s) => {
  const dir = await chainApp();
  await s.runOnce(dir);
  const down = await s.runOnce(dir, { selection: ["b+"], force: true });
  assert.deepEqual(down.nodes.map((n) => n.id), ["b", "d"]);
  const up = await s.runOnce(dir, { selection: ["+b"], force: true });
  assert.deepEqual(up.nodes.map((n) => n.id), ["a", "b"]);
});

storeTest(
  "--fail-fast stops starting nodes after the first failure",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "bad.ts", outputs: ["x"] },
        { file: "later.ts", inputs: ["x"], outputs: ["y"] },
        { file: "other.ts", outputs: ["z"] },
      ]),
      "bad.ts": `export default () => { throw new Error("boom"); };`,
      "later.ts": `export default () => {};`,
      "other.ts":
        `export default async () => { await new Promise((r) => setTimeout(r, 50)); };`,
    });
    const r = await s.runOnce(dir, { failFast: true, concurrency: 1 });
    assert.equal(r.nodes.find((n) => n.id === "bad")!.status, "failed");
    assert.equal(r.nodes.find((n) => n.id === "later")!.status, "skipped");
    const other = r.nodes.find((n) => n.id === "other")!;
    assert.equal(other.status, "skipped");
    assert.match(other.reason!, /--fail-fast after "Bad" failed/);
  },
);

storeTest(
  "10. 200 nodes in diamond and fan-out shapes run in dependency order with concurrency 4",
  async (s) => {
    const fns: Parameters<typeof graphYml>[0] = [];
    const files: Record<string, string> = {};
    const deps = new Map<number, number[]>();
    for (let i = 0; i < 200; i++) {
      // Diamonds and fan-outs: each node reads up to 3 earlier nodes.
      const ins = i === 0 ? [] : [
        ...new Set(
          [Math.floor(i / 2), Math.floor(i / 3), Math.floor(i / 5)].filter((
            j,
          ) => j >= 0 && j < i),
        ),
      ];
      deps.set(i, ins);
      fns.push({
        file: `n${i}.ts`,
        inputs: ins.map((j) => `t${j}`),
        outputs: [`t${i}`],
      });
      files[`n${i}.ts`] = `export default async ({ table }) => {
  let sum = 1;
  for (const p of ${
        JSON.stringify(ins.map((j) => `t${j}`))
      }) for (const r of await table(p).read()) sum += r.v;
  const t = table("t${i}", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.replace([{ v: sum % 1000003 }]);
};`;
    }
    files["graph.yml"] = graphYml(fns);
    const dir = await makeApp(files);
    const committed = new Set<string>();
    const violations: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const r = await s.runOnce(dir, {
      concurrency: 4,
      onEvent: (e) => {
        if (e.type === "node-started") {
          running++;
          maxRunning = Math.max(maxRunning, running);
          const i = Number(e.nodeId.slice(1));
          for (const j of deps.get(i)!) {
            if (!committed.has(`n${j}`)) violations.push(`n${i} before n${j}`);
          }
        }
        if (e.type === "node-finished") {
          running--;
          committed.add(e.nodeId);
        }
      },
    });
    assert.equal(r.status, "succeeded");
    assert.deepEqual(violations, []);
    assert.ok(
      maxRunning <= 4 && maxRunning > 1,
      `max concurrency ${maxRunning}`,
    );
    const expected = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      expected.set(
        i,
        (1 + deps.get(i)!.reduce((s, j) => s + expected.get(j)!, 0)) % 1000003,
      );
    }
    for (const i of [0, 7, 99, 199]) {
      assert.deepEqual(await s.readTable(dir, `t${i}`), [{
        v: expected.get(i),
      }]);
    }
  },
);
