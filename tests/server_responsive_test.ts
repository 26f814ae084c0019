// `runnel serve` keeps answering while SQLite works: during a long SQL
// node (whose statement runs in its query process, holding no lock on the
// store) and during an order-index build (in the store's query process).
// Proven by the order of events, never by timing: the long work is long by
// construction (a statement that runs until it is stopped, a build that
// waits for a write lock the test holds).

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { createServer } from "../server/mod.ts";
import { readSse } from "../server/_test_util.ts";
import { makeApp } from "./_helpers.ts";
import { orderStats, orderTuning } from "../stores/_order_plan.ts";
import { orderBuild } from "../stores/sqlite/_order.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

type Server = Awaited<ReturnType<typeof createServer>>;

async function json(s: Server, path: string, init?: RequestInit) {
  const res = await s.app.request(path, init);
  return { status: res.status, body: await res.json() as Any };
}

const post = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

const linux = Deno.build.os === "linux";

/**
 * Processes other than this one holding a WAL read mark on the store at
 * `db` (bytes 123–127 of its -shm file: an open read transaction), from
 * /proc/locks.
 */
function readers(db: string): Set<number> {
  const ino = Deno.statSync(`${db}-shm`).ino;
  const out = new Set<number>();
  for (const line of Deno.readTextFileSync("/proc/locks").split("\n")) {
    const f = line.trim().split(/\s+/);
    // 1: POSIX ADVISORY READ <pid> <maj:min:inode> <start> <end>
    const at = f.indexOf("ADVISORY");
    if (at < 0) continue;
    const pid = Number(f[at + 2]);
    const inode = Number(f[at + 3]?.split(":").at(-1));
    const start = Number(f[at + 4]), end = Number(f[at + 5]);
    if (pid === Deno.pid || inode !== ino) continue;
    if (start <= 127 && end >= 123) out.add(pid);
  }
  return out;
}

/** Waits (turning the event loop) until `cond` holds. */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) [ZX]/.test(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return false;
  }
};

// Four cross-joined lists of 1,000: 10^12 rows to count, far more than any
// test waits for. It ends when it is stopped.
const LIST = `json_each('[${
  Array.from({ length: 1000 }, (_, i) => i).join(",")
}]')`;
const ENDLESS_SQL =
  `SELECT count(*) AS n FROM ${LIST}, ${LIST}, ${LIST}, ${LIST}\n`;

Deno.test({
  name:
    "server: while a SQLite SQL node runs, the API answers and webhooks are stored; stopping the run kills its statement",
  ignore: !linux,
  fn: async () => {
    const dir = await makeApp({
      "graph.yml":
        "title: Busy\nfunctions:\n  - webhook: events\n  - node_file: endless.sql\n    outputs:\n      output_table: counted\n",
      "endless.sql": ENDLESS_SQL,
    });
    const s = await createServer({ appDir: dir, watch: false, ui: false });
    try {
      const db = s.store.location;
      const events = await s.app.request("/api/events");
      const { runId } = (await json(s, "/api/runs", post({}))).body;
      await readSse(events, (m) => m.some((e) => e.event === "node-started"));
      // The statement is under way: its query process reads the store.
      await until(() => readers(db).size > 0);
      const [proc] = readers(db);

      const runs = await json(s, "/api/runs");
      assert.equal(runs.status, 200);
      assert.equal(runs.body.runs[0].id, runId);
      assert.deepEqual(runs.body.runs[0].nodes, { running: 1 });
      // A write goes through too: the statement holds no lock on the store.
      const hook = await json(s, "/webhooks/events", post({ n: 1 }));
      assert.deepEqual([hook.status, hook.body], [200, { received: 1 }]);
      const run = await json(s, `/api/runs/${runId}`);
      const node = run.body.nodes.find((n: Any) => n.id === "endless");
      assert.equal(node.status, "running", "answered while the node runs");
      // Its query process is still at it (between its first read and the
      // long statement it may hold no read mark for a moment, so the mark
      // is not what is checked here).
      assert.ok(alive(proc!), "and while its statement runs");

      const stop = await json(s, `/api/runs/${runId}/cancel`, {
        method: "POST",
      });
      assert.equal(stop.status, 202);
      await s.idle(); // the statement would run for hours: it was stopped
      const done = (await json(s, `/api/runs/${runId}`)).body;
      assert.equal(done.run.status, "failed");
      assert.deepEqual(
        done.nodes.map((n: Any) => [n.id, n.status, n.error]),
        [[
          "endless",
          "failed",
          "interrupted: the run was stopped before it finished",
        ]],
      );
      assert.equal(await s.store.describeTable("counted"), undefined);
      assert.equal((await s.store.describeTable("events"))?.rowCount, 1);
      await until(() => !alive(proc!));
    } finally {
      await s.close();
    }
  },
});

Deno.test("server: while an order index builds, the API answers; one build serves concurrent pages", async () => {
  const dir = await makeApp({
    "graph.yml": "title: Big\nstores:\n  - table: big\nfunctions: []\n",
  });
  const tuning = { ...orderTuning }, busyMs = orderBuild.busyMs;
  // "Large" from 100 rows; a build waits for the test's write lock.
  Object.assign(orderTuning, { indexFrom: 100, step: 16 });
  orderBuild.busyMs = 600_000;
  const s = await createServer({ appDir: dir, watch: false, ui: false });
  let writer: DatabaseSync | undefined;
  try {
    const pub = await s.store.beginPublication();
    await pub.init("big", {
      schema: { id: "Integer", n: "Integer" },
      uniqueOn: [],
    });
    const rows = Array.from({ length: 300 }, (_, i) => ({ id: i, n: i % 7 }));
    await pub.append("big", rows);
    await pub.commit({ runId: "seed" });
    // Descending n, ties in reverse insertion order.
    const sorted = [...rows].sort((a, b) => b.n - a.n || b.id - a.id);

    writer = new DatabaseSync(s.store.location);
    writer.exec("BEGIN IMMEDIATE");
    const builds = orderStats.builds;
    const settled: string[] = [];
    const page = (offset: number) => {
      const p = json(
        s,
        `/api/tables/big/rows?order=-n&offset=${offset}&limit=20`,
      );
      p.then(() => settled.push(`page ${offset}`), () => {});
      return p;
    };
    const first = page(0), second = page(40);
    // The build cannot end before the lock goes; the API answers meanwhile,
    // request after request (a build on this thread, or one that gave up,
    // would have settled the pages by now).
    for (let i = 0; i < 3; i++) {
      const runs = await json(s, "/api/runs");
      assert.equal(runs.status, 200);
      settled.push("runs");
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.deepEqual(settled, ["runs", "runs", "runs"], "pages wait");
    assert.equal(orderStats.builds, builds + 1, "one build for both pages");

    const indexes = writer.prepare(
      "SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND substr(name, 1, 5) = '__ro_'",
    );
    assert.equal((indexes.get() as { n: number }).n, 0);
    writer.exec("COMMIT");
    settled.push("released");
    const [a, b] = await Promise.all([first, second]);
    assert.deepEqual(settled.slice(0, 4), ["runs", "runs", "runs", "released"]);
    assert.deepEqual(settled.slice(4).sort(), ["page 0", "page 40"]);
    assert.deepEqual(a.body.rows, sorted.slice(0, 20));
    assert.deepEqual(b.body.rows, sorted.slice(40, 60));
    assert.equal(orderStats.builds, builds + 1);
    assert.equal((indexes.get() as { n: number }).n, 1, "built after it");
    // Errors surface as before.
    const bad = await json(s, "/api/tables/big/rows?order=nope");
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /no such column/);
  } finally {
    writer?.close();
    Object.assign(orderTuning, tuning);
    orderBuild.busyMs = busyMs;
    await s.close();
  }
});
