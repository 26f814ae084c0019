// Interrupting a run (Ctrl-C, the dashboard's Stop, server shutdown) and
// runs left open by a process that died: nothing half-published, every
// record closed, the store free for the next run.

import assert from "node:assert/strict";
import { INTERRUPTED } from "../core/sandbox/host.ts";
import { STALE_REASON } from "../core/run/mod.ts";
import { closeStaleRuns } from "../core/run/_stale_runs.ts";
import { InterruptedError } from "../core/errors.ts";
import { graphYml, makeApp, runApp, storeTest } from "./_helpers.ts";
import { dropSchema, freshSchema, pgUrl, skipReason } from "./_pg_env.ts";

const SLOW = `export default async ({ table, log, parameter }) => {
  const ticks = parameter("ticks", { type: "integer", default: 400 });
  const t = table("slow_out", "w");
  await t.init({ schema: { i: "Integer" } });
  log.info("started");
  for (let i = 0; i < ticks; i++) {
    await t.append({ i });
    await t.flush();
    await new Promise((r) => setTimeout(r, 50));
  }
};`;

const QUICK = `export default async ({ table }) => {
  const t = table("quick_out", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.append({ v: 1 });
};`;

const AFTER = `export default async ({ table }) => {
  const rows = await table("slow_out").read();
  const t = table("after_out", "w");
  await t.init({ schema: { n: "Integer" } });
  await t.append({ n: rows.length });
};`;

async function app(): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      { file: "slow.ts", outputs: ["slow_out"] },
      { file: "quick.ts", outputs: ["quick_out"] },
      { file: "after.ts", inputs: ["slow_out"], outputs: ["after_out"] },
    ]),
    "slow.ts": SLOW,
    "quick.ts": QUICK,
    "after.ts": AFTER,
  });
}

storeTest(
  "an interrupted run stops its nodes, publishes nothing of them, and closes its records",
  async (s) => {
    const dir = await app();
    const abort = new AbortController();
    let slowStarted = false, quickDone = false;
    const maybeAbort = () => {
      if (slowStarted && quickDone) abort.abort();
    };
    const { result, store } = await s.runApp(dir, {
      concurrency: 2,
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === "log" && e.message === "started") slowStarted = true;
        if (e.type === "node-finished" && e.nodeId === "quick") {
          quickDone = true;
        }
        maybeAbort();
      },
    });
    try {
      assert.equal(result.status, "failed");
      const by = new Map(result.nodes.map((n) => [n.id, n]));
      assert.equal(by.get("quick")?.status, "succeeded");
      assert.equal(by.get("slow")?.status, "failed");
      assert.equal(by.get("slow")?.error, INTERRUPTED);
      assert.equal(by.get("after")?.status, "skipped");
      assert.match(by.get("after")?.reason ?? "", /interrupted/);
      // Finished work is kept; the interrupted node's rows are not.
      assert.deepEqual(await store.readRows("quick_out"), [{ v: 1 }]);
      assert.equal(await store.describeTable("slow_out"), undefined);
      const run = await store.getRun(result.runId);
      assert.equal(run?.status, "failed");
      assert.ok(run?.finishedAt instanceof Date);
      const nodes = await store.listNodeRuns(result.runId);
      assert.deepEqual(
        nodes.map((n) => [n.nodeId, n.status]).sort(),
        [["after", "skipped"], ["quick", "succeeded"], ["slow", "failed"]],
      );
    } finally {
      await store.close();
    }
    // The store is free at once, and the next run does the rest.
    const again = await s.runOnce(dir, {
      wait: false,
      concurrency: 2,
      params: [{ name: "ticks", value: "2" }],
    });
    assert.equal(again.status, "succeeded");
    assert.deepEqual(
      again.nodes.map((n) => [n.id, n.status]),
      [["slow", "succeeded"], ["quick", "cached"], ["after", "succeeded"]],
    );
  },
);

storeTest(
  "an aborted signal before the run starts skips every node",
  async (s) => {
    const dir = await app();
    const abort = new AbortController();
    abort.abort();
    const result = await s.runOnce(dir, { signal: abort.signal });
    assert.equal(result.status, "failed");
    assert.ok(result.nodes.every((n) => n.status === "skipped"));
    assert.equal(await s.exists(dir), true);
  },
);

storeTest(
  "runs a dead process left open are closed by the next run",
  async (s) => {
    const dir = await app();
    const store = await s.open(dir);
    try {
      await store.createRun({
        id: "20260101-000000-dead00",
        status: "running",
        startedAt: new Date("2026-01-01T00:00:00Z"),
        selection: [],
        params: {},
        trigger: "cli",
      });
      const base = {
        runId: "20260101-000000-dead00",
        file: "x.ts",
        rowsWritten: 0,
      };
      await store.saveNodeRuns([
        {
          ...base,
          nodeId: "slow",
          title: "Slow",
          status: "running",
          reason: "never ran successfully",
          startedAt: new Date("2026-01-01T00:00:03Z"),
        },
        { ...base, nodeId: "after", title: "After", status: "pending" },
        { ...base, nodeId: "quick", title: "Quick", status: "succeeded" },
      ]);
    } finally {
      await store.close();
    }
    const result = await s.runOnce(dir, { selection: ["quick"] });
    assert.equal(result.status, "succeeded");
    const check = await s.open(dir);
    try {
      const dead = await check.getRun("20260101-000000-dead00");
      assert.equal(dead?.status, "failed");
      // Finished, as far as anyone can tell, at its last recorded activity.
      assert.deepEqual(dead?.finishedAt, new Date("2026-01-01T00:00:03Z"));
      const nodes = new Map(
        (await check.listNodeRuns("20260101-000000-dead00")).map((
          n,
        ) => [n.nodeId, n]),
      );
      assert.equal(nodes.get("slow")?.status, "failed");
      assert.equal(nodes.get("slow")?.error, STALE_REASON);
      assert.equal(nodes.get("slow")?.reason, "never ran successfully");
      assert.equal(nodes.get("after")?.status, "skipped");
      assert.equal(nodes.get("after")?.reason, STALE_REASON);
      assert.equal(nodes.get("quick")?.status, "succeeded");
      // The new run itself is finished, not swept.
      assert.equal((await check.getRun(result.runId))?.status, "succeeded");
    } finally {
      await check.close();
    }
  },
);

Deno.test({
  name:
    "[postgres] an interrupted SQL node is cancelled inside the database, whenever the stop comes",
  ignore: skipReason !== undefined,
  fn: async () => {
    const schema = freshSchema();
    try {
      const dir = await makeApp({
        "graph.yml":
          "title: Sleepy\nfunctions:\n  - node_file: sleepy.sql\n    outputs:\n      output_table: slept\n",
        "sleepy.sql": "select pg_sleep(60) is null as done\n",
      });
      // From before the statement is sent to well into it.
      for (const delayMs of [0, 1, 3, 10, 30, 200]) {
        const abort = new AbortController();
        const run = runApp(dir, {
          signal: abort.signal,
          onEvent: (e) => {
            if (e.type === "node-started") {
              setTimeout(() => abort.abort(), delayMs);
            }
          },
        }, pgUrl(schema));
        let timer: ReturnType<typeof setTimeout> | undefined;
        const { result, store } = await Promise.race([
          run,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(new Error(`stop after ${delayMs} ms: still running`)),
              20_000,
            );
          }),
        ]).finally(() => clearTimeout(timer));
        try {
          assert.equal(result.status, "failed", `after ${delayMs} ms`);
          assert.equal(result.nodes[0]?.error, INTERRUPTED);
          assert.equal(await store.describeTable("slept"), undefined);
        } finally {
          await store.close();
        }
      }
    } finally {
      await dropSchema(schema);
    }
  },
});

storeTest(
  "a run interrupted while waiting for the store gives up without a record",
  async (s) => {
    const dir = await app();
    const holder = await s.open(dir);
    const lock = await holder.lock({ owner: "someone else", wait: false });
    try {
      const abort = new AbortController();
      await assert.rejects(
        s.runOnce(dir, {
          signal: abort.signal,
          onLockWait: () => abort.abort(),
        }),
        (err: unknown) =>
          err instanceof InterruptedError &&
          /interrupted before it started/.test(err.message),
      );
      assert.deepEqual(await holder.listRuns(10), []);
    } finally {
      await lock.release();
      await holder.close();
    }
  },
);

/**
 * Runs the app in a child process that is SIGKILLed the moment the first
 * node's publish has committed (when the runner reports the node
 * finished): before the run records anything more.
 */
async function runKilledAfterPublish(
  dir: string,
  url: string | undefined,
): Promise<void> {
  const mod = (p: string) => new URL(p, import.meta.url).href;
  const code = `
    const { loadGraph } = await import(${
    JSON.stringify(mod("../core/graph/load.ts"))
  });
    const { openStore } = await import(${
    JSON.stringify(mod("../stores/mod.ts"))
  });
    const { runGraph } = await import(${
    JSON.stringify(mod("../core/run/runner.ts"))
  });
    const graph = await loadGraph(${JSON.stringify(dir)});
    const store = await openStore(${
    JSON.stringify(url ?? null)
  } ?? undefined, ${JSON.stringify(dir)}, { slug: graph.slug });
    await runGraph(graph, store, {
      onEvent: (e) => {
        if (e.type === "node-finished" && e.status === "succeeded") {
          Deno.kill(Deno.pid, "SIGKILL");
        }
      },
    });
    console.log("not killed");
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--unstable-worker-options", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.signal, "SIGKILL", new TextDecoder().decode(out.stderr));
}

storeTest(
  "a run killed right after its publish committed is recorded as what it published",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([{ file: "quick.ts", outputs: ["quick_out"] }]),
      "quick.ts": QUICK,
    });
    await runKilledAfterPublish(dir, s.url);
    // The next run closes the dead one, and finds the output published.
    const next = await s.runOnce(dir);
    assert.equal(next.status, "succeeded");
    assert.deepEqual(next.nodes.map((n) => n.status), ["cached"]);
    const store = await s.open(dir);
    try {
      const runs = await store.listRuns(5);
      const dead = runs.find((r) => r.id !== next.runId)!;
      assert.equal(dead.status, "succeeded", "every node had published");
      const [node] = await store.listNodeRuns(dead.id);
      assert.equal(node?.status, "succeeded");
      assert.equal(node?.error, undefined);
      assert.deepEqual(await store.readRows("quick_out"), [{ v: 1 }]);
    } finally {
      await store.close();
    }
  },
);

storeTest(
  "a run killed after one of two publishes is failed, and the published node says succeeded",
  async (s) => {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "quick.ts", outputs: ["quick_out"] },
        { file: "after.ts", inputs: ["quick_out"], outputs: ["after_out"] },
      ]),
      "quick.ts": QUICK,
      "after.ts": AFTER.replace('"slow_out"', '"quick_out"'),
    });
    await runKilledAfterPublish(dir, s.url);
    const store = await s.open(dir);
    try {
      // Closed by whoever takes the run lock next.
      const lock = await store.lock({ owner: "test", wait: false });
      try {
        assert.equal((await closeStaleRuns(store, "none")).length, 1);
      } finally {
        await lock.release();
      }
      const [dead] = await store.listRuns(5);
      assert.equal(dead?.status, "failed");
      const nodes = new Map(
        (await store.listNodeRuns(dead!.id)).map((n) => [n.nodeId, n]),
      );
      assert.equal(nodes.get("quick")?.status, "succeeded");
      assert.equal(nodes.get("after")?.status, "skipped");
      assert.equal(nodes.get("after")?.reason, STALE_REASON);
      assert.deepEqual(await store.readRows("quick_out"), [{ v: 1 }]);
    } finally {
      await store.close();
    }
  },
);
