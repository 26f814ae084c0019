// Warm node workers: nodes whose sandbox is exactly the same share a
// worker (the same sandbox process, seen through Deno.pid), and nothing of
// one node's run reaches the next; a node that leaves anything behind, fails
// or has other permissions never shares.

import assert from "node:assert/strict";
import { join } from "node:path";
import { graphYml, makeApp, readTable, runApp, runOnce } from "./_helpers.ts";
import { loadGraph } from "../core/graph/load.ts";
import { SandboxPool } from "../core/sandbox/pool.ts";

/** A node that writes its worker's pid (and `extra` rows' fields) to `out`. */
function pidNode(out: string, body = "", fields = ""): string {
  return `export default async (ctx) => {
    ${body}
    const t = ctx.table("${out}", "w");
    await t.replace([{ pid: Deno.pid ${fields} }]);
  };`;
}

async function pids(dir: string, tables: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const t of tables) {
    out.push((await readTable(dir, t))[0]!.pid as number);
  }
  return out;
}

Deno.test("warm workers: a chain of ordinary nodes shares one worker", async () => {
  const fns = [];
  const files: Record<string, string> = {};
  for (let i = 0; i < 5; i++) {
    fns.push({
      file: `n${i}.ts`,
      inputs: i === 0 ? [] : [`t${i - 1}`],
      outputs: [`t${i}`],
    });
    files[`n${i}.ts`] = pidNode(`t${i}`);
  }
  const dir = await makeApp({ "graph.yml": graphYml(fns), ...files });
  const graph = await loadGraph(dir);
  const pool = new SandboxPool(graph, { capacity: 2 });
  try {
    const r = await runOnce(dir, { pool, concurrency: 2 });
    assert.equal(r.status, "succeeded");
    assert.equal(pool.spawned, 1, "one worker for five nodes");
    const seen = await pids(dir, ["t0", "t1", "t2", "t3", "t4"]);
    assert.equal(new Set(seen).size, 1);
    assert.notEqual(seen[0], Deno.pid, "nodes run in a sandbox process");
  } finally {
    pool.close();
  }
});

Deno.test("warm workers: a later node cannot use an earlier node's context", async () => {
  // The earlier node keeps its context in a helper module both import (the
  // one thing a warm worker shares, documented); the later node finds it
  // and tries every part of it.
  const dir = await makeApp({
    "graph.yml": graphYml([
      {
        file: "first.ts",
        inputs: ["secret"],
        outputs: ["a"],
        extra: "parameters: { token: s3cr3t }",
      },
      { file: "second.ts", inputs: ["a"], outputs: ["b"] },
    ], ["secret"]),
    "box.ts": `export const box = {};`,
    "first.ts": `import { box } from "./box.ts";
      export default async (ctx) => {
        box.ctx = ctx;
        box.table = ctx.table("secret");
        box.out = ctx.table("a", "w");
        ctx.parameter("token");
        ctx.state.set("k", "first's state");
        ctx.log.info("first ran");
        await box.out.replace([{ pid: Deno.pid }]);
      };`,
    "second.ts": `import { box } from "./box.ts";
      export default async (ctx) => {
        const tries = {
          table: () => box.ctx.table("secret"),
          parameter: () => box.ctx.parameter(["to", "ken"].join("")),
          stateGet: () => box.ctx.state.get("k"),
          stateSet: () => box.ctx.state.set("k", "overwritten"),
          log: () => box.ctx.log.info("second wrote into first's log"),
          read: () => box.table.read(),
          count: () => box.table.recordCount(),
          write: () => box.out.append([{ pid: -1 }]),
        };
        const rows = [];
        for (const [what, f] of Object.entries(tries)) {
          let outcome;
          try { await f(); outcome = "allowed"; }
          catch (e) { outcome = /after the node ended/.test(e.message) ? "refused" : "other: " + e.message; }
          rows.push({ what, outcome, pid: Deno.pid, had: box.ctx !== undefined });
        }
        await ctx.table("b", "w").replace(rows);
      };`,
  });
  const { result, store } = await runApp(dir);
  try {
    assert.equal(result.status, "succeeded", JSON.stringify(result.nodes));
    const a = await store.readRows("a");
    const b = await store.readRows("b");
    assert.equal(b[0]!.had, true, "the later node did find the context");
    assert.equal(b[0]!.pid, a[0]!.pid, "both ran in the same worker");
    for (const r of b) assert.equal(r.outcome, "refused", `${r.what}`);
    assert.deepEqual(await store.readRows("a"), [{ pid: a[0]!.pid }]);
    assert.deepEqual(await store.getState("first"), { k: "first's state" });
    const logs = await store.listLogs(result.runId);
    assert.ok(!logs.some((l) => /second wrote/.test(l.message)));
  } finally {
    await store.close();
  }
});

Deno.test("warm workers: a node that leaves something behind retires its worker", async () => {
  const leftovers: Record<string, string> = {
    timer: `setTimeout(() => {}, 60_000);`,
    interval: `setInterval(() => {}, 60_000);`,
    listener: `self.addEventListener("message", () => {});`,
    handler: `self.onmessage = () => {};`,
    global: `globalThis.leftOver = 1;`,
    builtin: `Array.prototype.spy = function () {};`,
    replaced:
      `const push = Array.prototype.push; Array.prototype.push = function (...a) { return push.apply(this, a); };`,
    denied:
      `try { Deno.readTextFileSync("/etc/hostname"); } catch { /* caught */ }`,
    failed: `throw new Error("failing on purpose");`,
  };
  for (const [what, body] of Object.entries(leftovers)) {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "before.ts", outputs: ["a"] },
        { file: "after.ts", outputs: ["b"] },
      ]),
      "before.ts": pidNode("a", what === "failed" ? "" : body),
      "after.ts": pidNode("b"),
    });
    if (what === "failed") {
      await Deno.writeTextFile(
        join(dir, "before.ts"),
        `export default async (ctx) => {
          await ctx.table("a", "w").replace([{ pid: Deno.pid }]);
          ${body}
        };`,
      );
    }
    const graph = await loadGraph(dir);
    const pool = new SandboxPool(graph, { capacity: 1 });
    try {
      const r = await runOnce(dir, { pool, concurrency: 1 });
      assert.equal(
        r.nodes.find((n) => n.id === "after")!.status,
        "succeeded",
        what,
      );
      assert.equal(pool.spawned, 2, `${what}: the next node got a new worker`);
    } finally {
      pool.close();
    }
  }
});

Deno.test("warm workers: nodes with different sandboxes never share", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([
      { file: "plain1.ts", outputs: ["p1"] },
      {
        file: "net.ts",
        outputs: ["n"],
        extra: `permissions: { net: ["127.0.0.1:9"] }\ncache: true`,
      },
      {
        file: "reader.ts",
        outputs: ["r"],
        extra: "permissions: { read: [data/] }",
      },
      { file: "heap.ts", outputs: ["h"], extra: "memory: 300MB" },
      { file: "alone.ts", outputs: ["i"], extra: "isolate: true" },
      { file: "plain2.ts", outputs: ["p2"] },
    ]),
    "data/x.csv": "a\n1\n",
    "plain1.ts": pidNode("p1"),
    "net.ts": pidNode("n"),
    "reader.ts": pidNode("r"),
    "heap.ts": pidNode("h"),
    "alone.ts": pidNode("i"),
    "plain2.ts": pidNode("p2"),
  });
  const graph = await loadGraph(dir);
  const pool = new SandboxPool(graph, { capacity: 6 });
  try {
    const r = await runOnce(dir, { pool, concurrency: 1 });
    assert.equal(r.status, "succeeded", JSON.stringify(r.nodes));
    const [p1, n, rd, h, i, p2] = await pids(dir, [
      "p1",
      "n",
      "r",
      "h",
      "i",
      "p2",
    ]);
    assert.equal(p1, p2, "the two plain nodes share");
    assert.equal(new Set([p1, n, rd, h, i]).size, 5, "the others do not");
    assert.equal(pool.spawned, 5);
    // isolate: true is used once: a second run spawns it again.
    const before = pool.spawned;
    await runOnce(dir, { pool, concurrency: 1, force: true });
    assert.equal(pool.spawned, before + 1);
  } finally {
    pool.close();
  }
});

Deno.test("warm workers: a node runs its module afresh in a warm worker; helpers are shared", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "count.ts", outputs: ["c"] }]),
    "helper.ts": `let calls = 0; export const next = () => ++calls;`,
    "count.ts": `import { next } from "./helper.ts";
      let own = 0;
      export default async (ctx) => {
        own++;
        await ctx.table("c", "w").replace([{ own, helper: next(), pid: Deno.pid }]);
      };`,
  });
  const graph = await loadGraph(dir);
  const pool = new SandboxPool(graph, { capacity: 1 });
  try {
    const rows = [];
    for (let i = 0; i < 3; i++) {
      await runOnce(dir, { pool, force: true });
      rows.push((await readTable(dir, "c"))[0]!);
    }
    assert.equal(pool.spawned, 1);
    assert.deepEqual(rows.map((r) => r.own), [1, 1, 1]);
    assert.deepEqual(rows.map((r) => r.helper), [1, 2, 3]);
  } finally {
    pool.close();
  }
});

Deno.test("warm workers: code that changes the worker while it idles makes it hand the next node to a fresh one", async () => {
  // The first node leaves a callback on a pending fetch (pending I/O is what
  // the guard cannot count when a node ends). The test answers the fetch
  // only after the node ended, and learns from a second request that the
  // callback ran while the worker idled; the next node must not run there.
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  let ran!: () => void;
  const callbackRan = new Promise<void>((r) => ran = r);
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    async (req) => {
      if (new URL(req.url).pathname === "/ran") ran();
      else await released;
      return new Response("ok");
    },
  );
  const net =
    `permissions: { net: ["127.0.0.1:${server.addr.port}"] }\ncache: true`;
  try {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "first.ts", outputs: ["a"], extra: net },
        { file: "second.ts", outputs: ["b"], extra: net },
      ]),
      "first.ts": `export default async (ctx) => {
        const base = "http://127.0.0.1:${server.addr.port}";
        fetch(base + "/wait").then((r) => r.text()).then(() => {
          globalThis.late = true;
          return fetch(base + "/ran").then((r) => r.text());
        });
        await ctx.table("a", "w").replace([{ pid: Deno.pid }]);
      };`,
      "second.ts": pidNode("b", "", ", late: globalThis.late === true"),
    });
    const graph = await loadGraph(dir);
    const pool = new SandboxPool(graph, { capacity: 2 });
    try {
      const r1 = await runOnce(dir, { pool, selection: ["first"] });
      assert.equal(r1.status, "succeeded", JSON.stringify(r1.nodes));
      assert.equal(pool.size.idle, 1, "the first node's worker went idle");
      release();
      await callbackRan;
      const r2 = await runOnce(dir, { pool, selection: ["second"] });
      assert.equal(r2.status, "succeeded", JSON.stringify(r2.nodes));
      assert.equal(pool.spawned, 2, "the second node got a fresh worker");
      const [a, b] = [
        (await readTable(dir, "a"))[0]!,
        (await readTable(dir, "b"))[0]!,
      ];
      assert.notEqual(a.pid, b.pid);
      assert.equal(b.late, false);
    } finally {
      pool.close();
    }
  } finally {
    ac.abort();
    await server.finished;
  }
});

Deno.test("warm workers: runnel serve keeps them across runs and retires them when the graph changes", async () => {
  const { createServer } = await import("../server/mod.ts");
  const { waitFor } = await import("../server/_test_util.ts");
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "n.ts", outputs: ["t"] }]),
    "n.ts": pidNode("t", "", ", v: 1"),
  });
  const s = await createServer({ appDir: dir, watch: false });
  const run = async () => {
    const res = await s.app.request("/api/runs", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ force: true }),
    });
    assert.equal(res.status, 202);
    const { runId } = await res.json();
    let status = "running";
    await waitFor(async () => {
      const r = await (await s.app.request(`/api/runs/${runId}`)).json();
      status = r.run?.status ?? "running";
      return status !== "running" && status !== "starting" && !r.active;
    }, "the run to end");
    assert.equal(status, "succeeded");
    const rows = await (await s.app.request("/api/tables/t/rows")).json();
    return rows.rows[0] as { pid: number; v: number };
  };
  try {
    const a = await run();
    const b = await run();
    assert.equal(b.pid, a.pid, "the second run reuses the first's worker");
    await Deno.writeTextFile(join(dir, "n.ts"), pidNode("t", "", ", v: 2"));
    await s.reload();
    const c = await run();
    assert.equal(c.v, 2, "the new code ran");
    assert.notEqual(c.pid, a.pid, "in a new worker: the old one was retired");
  } finally {
    await s.close();
  }
});
