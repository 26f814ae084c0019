// Hostile nodes: forged protocol messages of every type, throws that cannot
// be turned into text, and data the host cannot send back. Each fails its
// own node with a clear message, at once; the host, the run's records and
// an independent node in the same run are unharmed.

import assert from "node:assert/strict";
import { createServer } from "../server/mod.ts";
import { graphYml, makeApp, runOnce } from "./_helpers.ts";
import { freePort, runnel, serve } from "./_cli.ts";

const GOOD = `export default async ({ table }) => {
  const t = table("good_out", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.append({ v: 1 });
};`;

/**
 * A node whose body is `body`, next to a well-behaved one; with `memory`,
 * its sandbox differs from its neighbour's (a heap limit of its own), so
 * the two never share a worker.
 */
async function hostileApp(body: string, memory?: string): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      {
        file: "bad.ts",
        title: "Bad",
        outputs: ["bad_out"],
        extra: memory ? `timeout: 20s\nmemory: ${memory}` : "timeout: 20s",
      },
      { file: "good.ts", title: "Good", outputs: ["good_out"] },
    ]),
    "bad.ts": `export default async ({ table, log, state }) => {\n${body}\n};`,
    "good.ts": GOOD,
  });
}

interface Case {
  name: string;
  body: string;
  /** What the bad node's error must say. */
  error: RegExp;
}

const wait = "await new Promise((r) => setTimeout(r, 15000));";

const CASES: Case[] = [
  {
    name: "log whose level and message are objects",
    body:
      `self.postMessage({ t: "log", level: { x: 1 }, message: { toString: 1 } }); ${wait}`,
    error: /sent a log line with an unknown level/,
  },
  {
    name: "log whose message is not text",
    body:
      `self.postMessage({ t: "log", level: "info", message: { toString: 1 } }); ${wait}`,
    error: /sent a log line whose message is an object, not text/,
  },
  {
    name: "state holding a BigInt",
    body: `self.postMessage({ t: "state", state: { n: 10n } }); ${wait}`,
    error: /sent a state that is not JSON: it holds a bigint/,
  },
  {
    name: "state that refers to itself",
    body:
      `const s = { a: 1 }; s.self = s; self.postMessage({ t: "state", state: s }); ${wait}`,
    error: /sent a state that is not JSON: it refers to itself \(a cycle\)/,
  },
  {
    name: "state that is not an object",
    body: `self.postMessage({ t: "state", state: 42 }); ${wait}`,
    error: /sent a state that is a number, not an object/,
  },
  {
    name: "state holding a Map",
    body:
      `self.postMessage({ t: "state", state: { m: new Map([[1, 2]]) } }); ${wait}`,
    error: /sent a state that is not JSON: it holds a Map/,
  },
  {
    name: "state nested too deep",
    body:
      `let s = {}; const top = s; for (let i = 0; i < 100; i++) { s.a = {}; s = s.a; } self.postMessage({ t: "state", state: top }); ${wait}`,
    error: /sent a state that is not JSON: it nests deeper than 64 levels/,
  },
  {
    name: "table call with a bad id",
    body:
      `self.postMessage({ t: "call", id: "x", op: "read", port: "bad_out" }); ${wait}`,
    error: /sent a table call without a valid id/,
  },
  {
    name: "table call for an unknown operation",
    body:
      `self.postMessage({ t: "call", id: 99, op: "drop", port: "bad_out" }); ${wait}`,
    error: /sent a table call for an unknown operation/,
  },
  {
    name: "failure report in the wrong shape",
    body:
      `self.postMessage({ t: "failed", error: { name: {}, message: 5 } }); ${wait}`,
    error: /reported a failure in a form the host cannot read/,
  },
  {
    name: "unknown message type",
    body: `self.postMessage({ t: "reply", id: 1, ok: true }); ${wait}`,
    error: /sent an unknown message type "reply"/,
  },
  {
    name: "a message that is not an object",
    body: `self.postMessage("hello"); ${wait}`,
    error: /sent a string instead of a protocol message/,
  },
  {
    name: "a message that is a Date",
    body: `self.postMessage(new Date()); ${wait}`,
    error: /sent a Date instead of a protocol message/,
  },
  {
    name: "throws an object whose toString throws",
    body: `throw { toString() { throw new Error("no text for you"); } };`,
    error: /threw a value that cannot be shown as text \(object\)/,
  },
  {
    name: "throws a revoked Proxy",
    body:
      `const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); throw proxy;`,
    error: /threw a value that cannot be shown as text/,
  },
  {
    name: "throws a Proxy of an Error whose traps throw",
    body:
      `throw new Proxy(new Error("x"), { get() { throw new Error("trap"); }, getPrototypeOf() { throw new Error("trap"); } });`,
    error: /threw a value that cannot be shown as text/,
  },
  {
    name: "rejects, unhandled, with a value that cannot be shown",
    body: `Promise.reject({ toString() { throw 1; } }); ${wait}`,
    error:
      /unhandled promise rejection: threw a value that cannot be shown as text/,
  },
  {
    name: "throws null",
    body: `throw null;`,
    error: /^null$/,
  },
];

// The well-behaved node runs after the hostile one in the same sandbox
// (the hostile node's worker is retired, so it gets a fresh one), or in a
// sandbox apart (the hostile node has a heap limit of its own).
for (const where of ["shared sandbox", "memory: 128MB"] as const) {
  for (const c of CASES) {
    Deno.test(`hostile node (${where}): ${c.name}`, async () => {
      const dir = await hostileApp(
        c.body,
        where === "shared sandbox" ? undefined : "128MB",
      );
      const result = await runOnce(dir);
      assert.equal(result.status, "failed");
      const bad = result.nodes.find((n) => n.id === "bad")!;
      const good = result.nodes.find((n) => n.id === "good")!;
      assert.equal(bad.status, "failed");
      assert.match(bad.error ?? "", c.error);
      assert.doesNotMatch(bad.error ?? "", /timed out/);
      assert.equal(good.status, "succeeded");
    });
  }
}

Deno.test("hostile nodes under runnel serve: each run records the failure and the server keeps answering", async () => {
  const s = await createServer({
    appDir: await hostileApp(CASES[0]!.body),
    watch: false,
  });
  try {
    for (let i = 0; i < 2; i++) {
      const res = await s.app.request("/api/runs", { method: "POST" });
      assert.equal(res.status, 202);
      const { runId } = await res.json();
      await s.idle();
      const run = await (await s.app.request(`/api/runs/${runId}`)).json();
      assert.equal(run.run.status, "failed");
      const byId = new Map<string, { status: string; error?: string }>(
        run.nodes.map((n: { id: string }) => [n.id, n]),
      );
      assert.match(byId.get("bad")?.error ?? "", CASES[0]!.error);
      // Ran the first time, unchanged (so cached) the second.
      assert.equal(byId.get("good")?.status, i === 0 ? "succeeded" : "cached");
    }
    assert.equal((await s.app.request("/api/graph")).status, 200);
  } finally {
    await s.close();
  }
});

const HOG = `export default async ({ log }) => {
  log.info("allocating");
  const keep = [];
  for (let i = 0; i < 1e7; i++) keep.push(new Array(1e5).fill(i));
};`;

/** A run of a node that exhausts its heap under `memory:`, beside two that behave. */
async function memoryApp(): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      {
        file: "hog.ts",
        title: "Hog",
        outputs: ["hog_out"],
        extra: "memory: 96MB",
      },
      {
        file: "bounded.ts",
        title: "Bounded",
        outputs: ["bounded_out"],
        extra: "memory: 256MB",
      },
      { file: "good.ts", title: "Good", outputs: ["good_out"] },
    ]),
    "hog.ts": HOG,
    // Tables, logs, state and the sandbox work the same in a sandbox process.
    "bounded.ts": `export default async ({ table, log, state }) => {
      const t = table("bounded_out", "w");
      await t.init({ schema: { v: "Integer", s: "Text" } });
      await t.append(Array.from({ length: 20000 }, (_, i) => ({ v: i, s: "r" + i })));
      log.info("wrote " + await t.recordCount());
      state.set("seen", 1);
      let denied = "";
      try { Deno.readTextFileSync("/etc/passwd"); } catch (e) { denied = e.name; }
      if (denied !== "NotCapable") throw new Error("read /etc/passwd: " + denied);
    };`,
    "good.ts": GOOD,
  });
}

Deno.test("hostile node: exhausting its heap under memory: fails that node only, saying so", async () => {
  const dir = await memoryApp();
  const result = await runOnce(dir);
  assert.equal(result.status, "failed");
  const by = new Map(result.nodes.map((n) => [n.id, n]));
  assert.equal(by.get("hog")?.status, "failed");
  assert.match(
    by.get("hog")?.error ?? "",
    /^ran out of memory \(its limit is 96 MB\) and was stopped; raise memory: for this function in graph\.yml if it needs more/,
  );
  assert.equal(
    by.get("bounded")?.status,
    "succeeded",
    by.get("bounded")?.error,
  );
  assert.equal(by.get("bounded")?.rowsWritten, 20000);
  assert.equal(by.get("good")?.status, "succeeded");
});

Deno.test("hostile node: runnel serve survives a node exhausting its heap and records it", async () => {
  const s = await createServer({ appDir: await memoryApp(), watch: false });
  try {
    const res = await s.app.request("/api/runs", { method: "POST" });
    const { runId } = await res.json();
    await s.idle();
    const run = await (await s.app.request(`/api/runs/${runId}`)).json();
    assert.equal(run.run.status, "failed");
    const hog = run.nodes.find((n: { id: string }) => n.id === "hog");
    assert.match(hog.error, /ran out of memory \(its limit is 96 MB\)/);
    assert.ok(
      run.logs.some((l: { message: string }) => l.message === "wrote 20000"),
    );
    assert.equal((await s.app.request("/api/graph")).status, 200);
  } finally {
    await s.close();
  }
});

/** A hog without `memory:` of its own, beside a node that behaves. */
async function unboundedHogApp(): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      { file: "hog.ts", title: "Hog", outputs: ["hog_out"] },
      { file: "good.ts", title: "Good", outputs: ["good_out"] },
    ]),
    "hog.ts": HOG,
    "good.ts": GOOD,
  });
}

/** `runnel run …args` fails the hog at its `limitMb` heap and runs the good node. */
async function assertHogFailsAlone(
  dir: string,
  args: string[],
  limitMb: number,
): Promise<void> {
  const r = await runnel(dir, ["run", ...args, "--json"]);
  assert.equal(r.code, 1, r.stderr);
  const result = JSON.parse(r.stdout);
  const by = new Map(
    result.nodes.map((n: { id: string }) => [n.id, n] as const),
  ) as Map<string, { status: string; error?: string }>;
  assert.match(
    by.get("hog")?.error ?? "",
    new RegExp(`ran out of memory \\(its limit is ${limitMb} MB\\)`),
  );
  assert.equal(by.get("good")?.status, "succeeded");
}

Deno.test("hostile node: runnel run --memory bounds every node without a limit of its own", async () => {
  const dir = await unboundedHogApp();
  await assertHogFailsAlone(dir, ["--memory", "96MB"], 96);
  const bad = await runnel(dir, ["run", "--memory", "lots"]);
  assert.equal(bad.code, 2);
  assert.match(
    bad.stderr,
    /--memory "lots" is not a size: use e\.g\. 512MB or 2GB/,
  );
});

Deno.test("hostile node: runnel run bounds every node by default (2GB), and records the hog", async () => {
  const dir = await unboundedHogApp();
  await assertHogFailsAlone(dir, [], 2048);
  // The run is recorded as it ended, not left "running".
  const runs = await runnel(dir, ["runs", "--json"]);
  assert.equal(JSON.parse(runs.stdout)[0].status, "failed");
});

Deno.test("hostile node: runnel serve bounds every node by default, and survives a hog", async () => {
  const dir = await unboundedHogApp();
  const { child, url, stderr } = await serve([
    "--app",
    dir,
    "--port",
    String(freePort()),
  ]);
  try {
    const res = await fetch(`${url}api/runs`, { method: "POST" });
    assert.equal(res.status, 202);
    const { runId } = await res.json();
    let run;
    for (let i = 0; i < 400; i++) {
      run = await (await fetch(`${url}api/runs/${runId}`)).json();
      if (run.run.status !== "running" && run.run.status !== "starting") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(run.run.status, "failed");
    const hog = run.nodes.find((n: { id: string }) => n.id === "hog");
    assert.match(hog.error, /ran out of memory \(its limit is 2048 MB\)/);
    assert.equal((await fetch(`${url}api/graph`)).status, 200);
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await stderr;
  }
});
