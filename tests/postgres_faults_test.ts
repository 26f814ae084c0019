// PostgreSQL faults, on a throwaway cluster this test starts and removes:
// unreachable servers, bad URLs, wrong passwords and missing databases give
// one-line errors; a server restart in the middle of a run fails that run
// cleanly and the next run succeeds.

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadGraph } from "../core/graph/load.ts";
import { runGraph } from "../core/run/runner.ts";
import { openStore } from "../stores/mod.ts";
import { createServer } from "../server/mod.ts";
import { clusterUnavailable, startCluster } from "./_pg_cluster.ts";
import { makeApp } from "./_helpers.ts";
import { runnel } from "./_cli.ts";

const unavailable = await clusterUnavailable();

const WRITER = `export default async ({ table, parameter, log }) => {
  const gen = parameter("gen", { type: "integer", default: 1 });
  const signal = parameter("signal", { type: "string", default: "" });
  const t = table("t1", "w");
  await t.init({ schema: { id: "Integer", gen: "Integer" }, uniqueOn: "id" });
  await t.truncate();
  await t.append(Array.from({ length: 100 }, (_, i) => ({ id: i, gen })));
  await t.flush();
  if (signal !== "") {
    log.warn("waiting for " + signal);
    for (;;) {
      try { await Deno.stat(signal); break; } catch { await new Promise((r) => setTimeout(r, 50)); }
    }
  }
  await t.append(Array.from({ length: 100 }, (_, i) => ({ id: 100 + i, gen })));
};`;

const READER = `export default async ({ table }) => {
  const rows = await table("t1").read();
  const t = table("t2", "w");
  await t.init({ schema: { n: "Integer", gen: "Integer" } });
  await t.replace([{ n: rows.length, gen: rows[0].gen }]);
};`;

Deno.test({
  name: "PostgreSQL faults on a throwaway cluster",
  ignore: unavailable !== undefined,
  async fn(t) {
    const cluster = await startCluster();
    const dir = await makeApp({
      "graph.yml": `title: Faults
functions:
  - node_file: w1.ts
    title: Writer
    stage: s
    outputs: [t1]
    permissions:
      read: [signal]
  - node_file: w2.ts
    stage: s
    inputs: [t1]
    outputs: [t2]
`,
      "w1.ts": WRITER,
      "w2.ts": READER,
    });
    try {
      await t.step(
        "connection problems: one line, exit 1, no password, no stack",
        async () => {
          const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
          const freePort = (free.addr as Deno.NetAddr).port;
          free.close();
          const cases: [string, Record<string, string>, RegExp][] = [
            [
              `postgres://postgres:secret@127.0.0.1:${freePort}/postgres`,
              {},
              /connection refused\. Is the server running/,
            ],
            [
              "postgres://postgres:secret@127.0.0.1:99999/postgres",
              {},
              /Invalid PostgreSQL URL .*port "99999"/,
            ],
            [
              cluster.url({ password: "wrong-secret" }),
              {},
              /refused the password of user "postgres"/,
            ],
            [
              `postgres://postgres@127.0.0.1:${cluster.port}/postgres`,
              { PGPASSWORD: "wrong-secret" },
              /refused the password/,
            ],
            [
              cluster.url({ db: "nosuchdb" }),
              {},
              /database "nosuchdb" does not exist .*createdb nosuchdb/,
            ],
          ];
          for (const [url, env, re] of cases) {
            for (const cmd of [["run"], ["tables"]]) {
              const out = await runnel(dir, [...cmd, "--store", url], env);
              assert.equal(out.code, 1, `${cmd} ${url}: ${out.stderr}`);
              const lines = out.stderr.trim().split("\n");
              assert.equal(lines.length, 1, out.stderr);
              assert.match(lines[0]!, /^error: /);
              assert.match(lines[0]!, re);
              assert.doesNotMatch(out.stderr + out.stdout, /secret/);
            }
          }
          const debug = await runnel(dir, [
            "run",
            "--debug",
            "--store",
            cluster.url({ db: "nosuchdb" }),
          ]);
          assert.equal(debug.code, 1);
          assert.match(debug.stderr, /\n\s+at /, "--debug adds the stack");
          assert.doesNotMatch(debug.stderr, /secret/);
        },
      );

      await t.step(
        "a server restart mid-stage fails the run, publishes nothing, and the next run succeeds",
        async () => {
          const url = `${cluster.url()}?schema=runnel_faults`;
          const graph = await loadGraph(dir);
          const store = await openStore(url, dir);
          try {
            const first = await runGraph(graph, store, {});
            assert.equal(
              first.status,
              "succeeded",
              JSON.stringify(first.nodes),
            );
            const before = {
              t1: await store.readRows("t1"),
              t2: await store.readRows("t2"),
            };
            assert.equal(before.t1.length, 200);

            const signal = join(dir, "signal");
            let waiting!: () => void;
            const reached = new Promise<void>((r) => (waiting = r));
            const running = runGraph(graph, store, {
              params: [
                { name: "gen", value: "2" },
                { name: "signal", value: signal },
              ],
              onEvent: (e) => {
                if (e.type === "log" && e.message.startsWith("waiting")) {
                  waiting();
                }
              },
            });
            await reached;
            await cluster.restart();
            await Deno.writeTextFile(signal, "go");
            const broken = await running;
            assert.equal(broken.status, "failed");
            const w1 = broken.nodes.find((n) => n.id === "w1")!;
            assert.equal(w1.status, "failed");
            assert.equal(w1.title, "Writer");
            assert.match(w1.error!, /lost the connection to PostgreSQL/);
            assert.match(w1.error!, /run again/);
            assert.doesNotMatch(w1.error!, /secret/);
            assert.notEqual(
              broken.nodes.find((n) => n.id === "w2")!.status,
              "succeeded",
            );
            await Deno.remove(signal);

            // Nothing of the stage was published, seen from a new connection.
            const other = await openStore(url, dir);
            try {
              assert.deepEqual(await other.readRows("t1"), before.t1);
              assert.deepEqual(await other.readRows("t2"), before.t2);
            } finally {
              await other.close();
            }

            // The same store instance runs again once the server is back.
            const next = await runGraph(graph, store, {
              params: [{ name: "gen", value: "2" }],
            });
            assert.equal(next.status, "succeeded", JSON.stringify(next.nodes));
            assert.deepEqual(await store.readRows("t2"), [{ n: 200, gen: 2 }]);
          } finally {
            await store.close();
          }
        },
      );

      await t.step(
        "a server restart while serving: webhooks work again as soon as it is back, no run needed",
        async () => {
          const app = await makeApp({
            "graph.yml": "title: Hooks\nfunctions:\n  - webhook: events\n",
          });
          const server = await createServer({
            appDir: app,
            storeUrl: `${cluster.url()}?schema=runnel_hooks`,
            watch: false,
          });
          const post = async (n: number) => {
            const res = await server.app.request("/webhooks/events", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ n }),
            });
            return { status: res.status, body: await res.json() };
          };
          try {
            assert.equal((await post(1)).status, 200);
            await cluster.restart();
            const after = await post(2);
            assert.equal(after.status, 200, JSON.stringify(after.body));
            assert.equal((await post(3)).status, 200);
            const rows = await server.store.readRows("events");
            assert.deepEqual(rows.map((r) => r.record), [
              { n: 1 },
              { n: 2 },
              { n: 3 },
            ]);
          } finally {
            await server.close();
          }
        },
      );
    } finally {
      await cluster.destroy();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
