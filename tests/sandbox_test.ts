// The sandbox: deny-by-default permissions, host-side authorization,
// timeouts and every way a node can end. Real workers, real SQLite.

import assert from "node:assert/strict";
import { join } from "node:path";
import { graphYml, makeApp, readTable, runOnce } from "./_helpers.ts";

/** An app with one probing node (writes `out`) and a `secret` table written by another node. */
async function probeApp(body: string, extra = ""): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      { file: "secret.ts", outputs: ["secret"] },
      { file: "probe.ts", outputs: ["out"], extra },
    ]),
    "secret.ts": `export default async ({ table }) => {
      const t = table("secret", "w");
      await t.init({ schema: { v: "Text" } });
      await t.append([{ v: "classified" }]);
    };`,
    "probe.ts": `export default async (ctx) => { ${body} };`,
  });
}

async function probeError(body: string, extra = ""): Promise<string> {
  const dir = await probeApp(body, extra);
  const result = await runOnce(dir);
  const probe = result.nodes.find((n) => n.id === "probe")!;
  const secret = result.nodes.find((n) => n.id === "secret")!;
  assert.equal(secret.status, "succeeded", "the other node is unaffected");
  assert.equal(
    probe.status,
    "failed",
    `probe should fail, got ${probe.status}`,
  );
  assert.equal(result.status, "failed");
  return probe.error ?? "";
}

Deno.test("sandbox refuses reading a file outside the grant", async () => {
  const outside = await Deno.makeTempFile();
  await Deno.writeTextFile(outside, "top secret");
  const err = await probeError(
    `await Deno.readTextFile(${JSON.stringify(outside)});`,
  );
  assert.match(err, /NotCapable|Requires read access/);
});

Deno.test("sandbox refuses reading a data file in the app that is not granted", async () => {
  const dir = await probeApp(`await Deno.readTextFile("./data.csv");`);
  await Deno.writeTextFile(join(dir, "data.csv"), "a,b\n");
  const r = await runOnce(dir);
  assert.match(
    r.nodes.find((n) => n.id === "probe")!.error!,
    /Requires read access/,
  );
});

Deno.test("sandbox grants exactly the read paths graph.yml lists", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{
      file: "probe.ts",
      outputs: ["out"],
      extra: "permissions:\n  read: [data.csv]",
    }]),
    "data.csv": "a,b\n1,2\n",
    "probe.ts": `export default async ({ table }) => {
      const text = await Deno.readTextFile(new URL("./data.csv", import.meta.url));
      const t = table("out", "w");
      await t.init({ schema: { text: "Text" } });
      await t.append({ text });
    };`,
  });
  const r = await runOnce(dir);
  assert.equal(r.status, "succeeded", r.nodes[0]?.error);
  assert.deepEqual(await readTable(dir, "out"), [{ text: "a,b\n1,2\n" }]);
});

Deno.test("sandbox refuses opening a socket", async () => {
  const err = await probeError(
    `await Deno.connect({ hostname: "127.0.0.1", port: 5432 });`,
  );
  assert.match(err, /Requires net access/);
});

Deno.test("sandbox refuses fetch to a host that is not granted", async () => {
  const err = await probeError(
    `await fetch("http://127.0.0.1:1234/");`,
    'permissions:\n  net: ["127.0.0.1:1235"]',
  );
  assert.match(err, /Requires net access to "127.0.0.1:1234"/);
});

Deno.test("sandbox refuses reading an environment variable", async () => {
  const err = await probeError(`Deno.env.get("HOME");`);
  assert.match(err, /Requires env access/);
});

Deno.test("sandbox grants only the env names graph.yml lists", async () => {
  Deno.env.set("RUNNEL_TEST_GRANTED", "yes");
  const err = await probeError(
    `if (Deno.env.get("RUNNEL_TEST_GRANTED") !== "yes") throw new Error("not granted");
     Deno.env.get("HOME");`,
    "permissions:\n  env: [RUNNEL_TEST_GRANTED]",
  );
  assert.match(err, /Requires env access to "HOME"/);
});

Deno.test("sandbox refuses spawning a process", async () => {
  const err = await probeError(
    `await new Deno.Command("/bin/sh", { args: ["-c", "true"] }).output();`,
  );
  assert.match(err, /Requires run access/);
});

Deno.test("sandbox refuses Deno.dlopen", async () => {
  const err = await probeError(`Deno.dlopen("libc.so.6", {});`);
  assert.match(err, /Requires ffi access|NotCapable/);
});

Deno.test("sandbox: raw protocol messages cannot reach an undeclared table", async () => {
  const err = await probeError(`
    const reply = await new Promise((resolve) => {
      self.addEventListener("message", (e) => {
        if (e.data?.t === "reply" && e.data.id === 424242) resolve(e.data);
      });
      self.postMessage({ t: "call", id: 424242, op: "read", port: "secret", args: { offset: 0, limit: 10 } });
    });
    if (reply.ok) throw new Error("LEAKED " + JSON.stringify(reply.value));
    throw new Error("refused: " + reply.error.message);
  `);
  // The raw message lacks the node run's token: the host refuses it before
  // it reaches any table (and would refuse the port, see table_service_test).
  assert.match(err, /ProtocolError|did not come from its SDK/);
  assert.doesNotMatch(err, /LEAKED|classified/);
});

Deno.test("sandbox: raw protocol messages cannot write an input port", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([
      { file: "src.ts", outputs: ["src"] },
      { file: "probe.ts", inputs: ["src"], outputs: ["out"] },
    ]),
    "src.ts": `export default async ({ table }) => {
      const t = table("src", "w"); await t.init({ schema: { v: "Text" } }); await t.append({ v: "x" });
    };`,
    "probe.ts": `export default async () => {
      const reply = await new Promise((resolve) => {
        self.addEventListener("message", (e) => { if (e.data?.id === 7777) resolve(e.data); });
        self.postMessage({ t: "call", id: 7777, op: "truncate", port: "src", args: null });
      });
      throw new Error(reply.ok ? "TRUNCATED" : reply.error.message);
    };`,
  });
  const r = await runOnce(dir);
  const probe = r.nodes.find((n) => n.id === "probe")!;
  assert.match(probe.error!, /did not come from its SDK/);
  assert.doesNotMatch(probe.error!, /TRUNCATED/);
  assert.deepEqual(await readTable(dir, "src"), [{ v: "x" }]);
});

Deno.test("sandbox: readSql cannot read a table the node does not declare", async () => {
  const err = await probeError(`
    const out = ctx.table("out", "w");
    await out.init({ schema: { v: "Text" } });
    await out.readSql("select * from secret");
  `);
  assert.match(err, /secret/);
  assert.doesNotMatch(err, /classified/);
});

Deno.test("sandbox: readSql cannot write", async () => {
  const err = await probeError(`
    const out = ctx.table("out", "w");
    await out.init({ schema: { v: "Text" } });
    await out.append({ v: "a" });
    await out.readSql("delete from {{ this }}");
  `);
  assert.ok(err.length > 0);
});

Deno.test("a node stuck in an endless loop is stopped at its timeout", async () => {
  const dir = await probeApp(`while (true) {}`, "timeout: 1s");
  const r = await runOnce(dir);
  const probe = r.nodes.find((n) => n.id === "probe")!;
  assert.equal(probe.status, "failed");
  assert.match(probe.error!, /timed out after 1\.00s/);
  assert.equal(r.nodes.find((n) => n.id === "secret")!.status, "succeeded");
});

Deno.test("a node that throws is failed with its message and stack", async () => {
  const err = await probeError(`
    function inner() { throw new Error("bad lead data"); }
    inner();
  `);
  assert.match(err, /^bad lead data/);
  assert.match(err, /at inner \(file:.*probe\.ts:\d+:\d+\)/);
});

Deno.test("a node that calls Deno.exit is reported as failed", async () => {
  const err = await probeError(`Deno.exit(3);`);
  assert.match(err, /called Deno\.exit\(3\)/);
});

Deno.test("a node that closes its worker is reported as failed", async () => {
  const err = await probeError(`self.close();`);
  assert.match(err, /closed its worker/);
});

Deno.test("an unhandled rejection fails the node", async () => {
  const err = await probeError(
    `Promise.reject(new Error("late")); await new Promise((r) => setTimeout(r, 200));`,
  );
  assert.match(err, /unhandled promise rejection: late/);
});

Deno.test("a node without a default export function fails clearly", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "probe.ts", outputs: ["out"] }]),
    "probe.ts": `export const x = 1;`,
  });
  const r = await runOnce(dir);
  assert.match(r.nodes[0]!.error!, /no default export function/);
});

Deno.test("a node importing a remote module is refused before it starts", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "probe.ts", outputs: ["out"] }]),
    "probe.ts": `import _ from "npm:lodash";\nexport default () => {};`,
  });
  const r = await runOnce(dir);
  assert.match(r.nodes[0]!.error!, /may import only local files/);
});
