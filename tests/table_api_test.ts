// Every Table method and type coercion, exercised from real sandboxed
// nodes against the real SQLite store.

import assert from "node:assert/strict";
import { graphYml, makeApp, readTable, runOnce } from "./_helpers.ts";

/** Runs one node (writing `out`, reading nothing) and returns its result. */
async function runNode(body: string, extra = "", inputs: string[] = []) {
  const files: Record<string, string> = {
    "node.ts":
      `export default async (ctx) => { const { table, parameter, state, log } = ctx; ${body} };`,
  };
  const fns: Parameters<typeof graphYml>[0] = [];
  if (inputs.length > 0) {
    files["src.ts"] = `export default async ({ table }) => {
      const t = table("src", "w");
      await t.init({ schema: { id: "Integer", name: "Text" }, uniqueOn: "id" });
      await t.append(Array.from({ length: 25 }, (_, i) => ({ id: i + 1, name: "n" + (i + 1) })));
    };`;
    fns.push({ file: "src.ts", outputs: ["src"] });
  }
  fns.push({ file: "node.ts", outputs: ["out"], inputs, extra });
  files["graph.yml"] = graphYml(fns);
  const dir = await makeApp(files);
  const result = await runOnce(dir);
  const node = result.nodes.find((n) => n.id === "node")!;
  return { dir, result, node };
}

const ALL_TYPES =
  `{ b: "Boolean", i: "Integer", f: "Float", d: "Decimal", t: "Text",
  lt: "LongText", bin: "Binary", day: "Date", ts: "datetime", tm: "Time", j: "Json" }`;

Deno.test("every column type round-trips with coercion", async () => {
  const { dir, node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: ${ALL_TYPES} });
    await out.append([
      { b: "yes", i: "42", f: "2.5", d: 10.25, t: 7, lt: "long ✓", bin: new Uint8Array([1, 2, 255]),
        day: "2026-01-31", ts: "2026-01-31T10:00:00Z", tm: "12:34:56", j: { a: [1, "x", null] } },
      { b: null, i: null, f: null, d: null, t: null, lt: null, bin: null, day: null, ts: null, tm: null, j: null },
    ]);
  `);
  assert.equal(node.status, "succeeded", node.error);
  assert.equal(node.rowsWritten, 2);
  const rows = await readTable(dir, "out");
  assert.deepEqual(rows[0], {
    b: true,
    i: 42,
    f: 2.5,
    d: "10.25",
    t: "7",
    lt: "long ✓",
    bin: new Uint8Array([1, 2, 255]),
    day: "2026-01-31",
    ts: new Date("2026-01-31T10:00:00Z"),
    tm: "12:34:56",
    j: { a: [1, "x", null] },
  });
  assert.deepEqual(rows[1], {
    b: null,
    i: null,
    f: null,
    d: null,
    t: null,
    lt: null,
    bin: null,
    day: null,
    ts: null,
    tm: null,
    j: null,
  });
});

Deno.test("a value that does not fit names table, column, row and value; nothing of the batch is written", async () => {
  const { dir, node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { id: "Integer", score: "Float" } });
    await out.append([{ id: 1, score: 0.5 }]);
    try {
      await out.append([{ id: 2, score: 1 }, { id: 3, score: "high" }]);
    } catch (err) {
      log.warn(err.message);
      await out.append([{ id: 4, score: 1 }]);
      return;
    }
    throw new Error("expected a coercion error");
  `);
  assert.equal(node.status, "succeeded", node.error);
  assert.deepEqual(await readTable(dir, "out"), [{ id: 1, score: 0.5 }, {
    id: 4,
    score: 1,
  }]);
});

Deno.test("coercion error message is precise", async () => {
  const { node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { id: "Integer", when: "DateTime" } });
    await out.append([{ id: 1, when: "2026-01-01" }, { id: 2, when: "yesterday" }]);
  `);
  assert.equal(node.status, "failed");
  assert.match(
    node.error!,
    /Cannot write to table "out": column "when" of row 1 does not fit type DateTime \(value "yesterday"\); nothing of this batch was written/,
  );
});

Deno.test("unknown columns and unknown types are refused with the fix", async () => {
  const a = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { id: "Integer" } });
    await out.append({ id: 1, extra: "x" });
  `);
  assert.match(
    a.node.error!,
    /column "extra" of row 0 is not a column of the table \(columns: id\); add it to init/,
  );
  const b = await runNode(
    `await table("out", "w").init({ schema: { id: "Number" } });`,
  );
  assert.match(
    b.node.error!,
    /column "id" has unknown type "Number": use one of Boolean, Integer/,
  );
});

Deno.test("upsert, uniqueOn, addCreated and addMonotonicId", async () => {
  const { dir, node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { key: "Text", v: "Integer" }, uniqueOn: "key", addCreated: "created", addMonotonicId: "seq" });
    await out.upsert([{ key: "a", v: 1 }, { key: "b", v: 2 }]);
    const first = await out.read();
    await new Promise((r) => setTimeout(r, 5));
    await out.upsert([{ key: "a", v: 10 }, { key: "c", v: 3 }]);
    const rows = await out.read();
    const a0 = first.find((r) => r.key === "a");
    const a1 = rows.find((r) => r.key === "a");
    if (a1.v !== 10) throw new Error("upsert did not update");
    if (a1.created.getTime() !== a0.created.getTime()) throw new Error("created changed on upsert");
    if (a1.seq !== a0.seq) throw new Error("seq changed on upsert");
    if (rows.length !== 3) throw new Error("expected 3 rows, got " + rows.length);
    // Ids increase and are never reused; like SQL sequences they may skip.
    if (!(rows.find((r) => r.key === "c").seq > a0.seq)) throw new Error("seq of c");
  `);
  assert.equal(node.status, "succeeded", node.error);
  const rows = await readTable(dir, "out");
  assert.deepEqual(rows.map((r) => [r.key, r.v]), [["a", 10], ["b", 2], [
    "c",
    3,
  ]]);
  const seqs = rows.map((r) => r.seq as number);
  assert.deepEqual(seqs.slice(0, 2), [1, 2]);
  assert.ok(seqs[2]! > 2, `c gets a fresh id, got ${seqs[2]}`);
  assert.ok(rows.every((r) => r.created instanceof Date));
});

Deno.test("upsert without a unique key explains the fix", async () => {
  const { node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { v: "Integer" } });
    await out.upsert({ v: 1 });
  `);
  assert.match(
    node.error!,
    /has no unique key; call init\(\{ uniqueOn: "<column>" \}\) first, or use append\(\)/,
  );
});

Deno.test("append with a duplicate unique key fails", async () => {
  const { node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { id: "Integer" }, uniqueOn: "id" });
    await out.append([{ id: 1 }]);
    await out.append([{ id: 1 }]);
  `);
  assert.equal(node.status, "failed");
  assert.match(node.error!, /out/);
});

Deno.test("replace, truncate, flush, recordCount, exists", async () => {
  const { dir, node } = await runNode(`
    const out = table("out", "w");
    if (await out.exists()) throw new Error("exists before init");
    await out.init({ schema: { v: "Integer" } });
    await out.append([{ v: 1 }, { v: 2 }]);
    await out.flush();
    if (await out.recordCount() !== 2) throw new Error("count 2");
    await out.replace([{ v: 7 }]);
    if (await out.recordCount() !== 1) throw new Error("count after replace");
    await out.truncate();
    if (await out.recordCount() !== 0) throw new Error("count after truncate");
    await out.append({ v: 9 });
    if (!(await out.exists())) throw new Error("exists");
  `);
  assert.equal(node.status, "succeeded", node.error);
  assert.deepEqual(await readTable(dir, "out"), [{ v: 9 }]);
});

Deno.test("read, readChunks and readSql on an input", async () => {
  const { dir, node } = await runNode(
    `
    const src = table("src");
    const all = await src.read();
    const sizes = [];
    for await (const chunk of src.readChunks(10)) sizes.push(chunk.length);
    const big = await src.readSql("select id, name from {{ this }} where id > ? order by id desc", [22]);
    const viaPort = await src.readSql("select count(*) as n from {{ Table('src') }}");
    const out = table("out", "w");
    await out.init({ schema: { k: "Text", v: "Json" } });
    await out.append([
      { k: "all", v: all.length }, { k: "sizes", v: sizes }, { k: "big", v: big }, { k: "n", v: viaPort[0].n },
      { k: "count", v: await src.recordCount() },
    ]);
  `,
    "",
    ["src"],
  );
  assert.equal(node.status, "succeeded", node.error);
  const rows = Object.fromEntries(
    (await readTable(dir, "out")).map((r) => [r.k, r.v]),
  );
  assert.equal(rows.all, 25);
  assert.deepEqual(rows.sizes, [10, 10, 5]);
  assert.deepEqual(rows.big, [
    { id: 25, name: "n25" },
    { id: 24, name: "n24" },
    { id: 23, name: "n23" },
  ]);
  assert.equal(rows.n, 25);
  assert.equal(rows.count, 25);
});

Deno.test("a schema is inferred when init gives none", async () => {
  const { dir, node } = await runNode(`
    await table("out", "w").append([{ a: 1, b: "x", c: true, d: 1.5 }, { a: 2, b: "y", c: false, d: 2 }]);
  `);
  assert.equal(node.status, "succeeded", node.error);
  assert.deepEqual(await readTable(dir, "out"), [
    { a: 1, b: "x", c: true, d: 1.5 },
    { a: 2, b: "y", c: false, d: 2 },
  ]);
});

Deno.test("undeclared ports are refused with the graph.yml fix", async () => {
  const w = await runNode(`table("elsewhere", "w");`);
  assert.match(
    w.node.error!,
    /Node "Node" writes table port "elsewhere", which is not one of its outputs: add "elsewhere" under outputs: of the function "Node" in graph.yml/,
  );
  const r = await runNode(`table("missing");`);
  assert.match(
    r.node.error!,
    /reads table port "missing", which is not one of its inputs: add "missing" under inputs:/,
  );
  const ro = await runNode(`await table("src").append({ id: 1 });`, "", [
    "src",
  ]);
  assert.match(
    ro.node.error!,
    /writes table port "src", which is not one of its outputs|opened for reading/,
  );
});

Deno.test("parameters: CLI over graph.yml over default, typed", async () => {
  const body = `
    const out = table("out", "w");
    await out.init({ schema: { k: "Text", v: "Json" } });
    await out.append([
      { k: "limit", v: parameter("limit", { type: "integer", default: 5 }) },
      { k: "ratio", v: parameter("ratio", { type: "float", default: 0.5 }) },
      { k: "on", v: parameter("on", { type: "boolean", default: false }) },
      { k: "tags", v: parameter("tags", { type: "list", default: [] }) },
      { k: "day", v: parameter("day", { type: "date", default: "2026-01-01" }) },
      { k: "at", v: parameter("at", { type: "datetime", default: "2026-01-01T00:00:00Z" }).toISOString() },
    ]);`;
  const dir = await makeApp({
    "graph.yml": graphYml([{
      file: "node.ts",
      outputs: ["out"],
      extra: "parameters:\n  limit: 7\n  ratio: 0.25",
    }]),
    "node.ts": `export default async ({ table, parameter }) => { ${body} };`,
  });
  const r = await runOnce(dir, {
    params: [{ name: "ratio", value: "0.75" }, { name: "on", value: "yes" }, {
      node: "Node",
      name: "tags",
      value: "a,b",
    }, { name: "at", value: "2026-02-03T04:05:06Z" }],
  });
  assert.equal(r.status, "succeeded", r.nodes[0]?.error);
  const rows = Object.fromEntries(
    (await readTable(dir, "out")).map((x) => [x.k, x.v]),
  );
  assert.deepEqual(rows, {
    limit: 7,
    ratio: 0.75,
    on: true,
    tags: ["a", "b"],
    day: "2026-01-01",
    at: "2026-02-03T04:05:06.000Z",
  });
});

Deno.test("a missing parameter without default is an error before the node starts", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "node.ts", outputs: ["out"] }]),
    "node.ts":
      `export default ({ parameter }) => { parameter("api_url", { type: "string" }); };`,
  });
  await assert.rejects(
    () => runOnce(dir),
    /Node "Node" needs parameter "api_url" \(string\), which has no default: pass --param api_url=<value>/,
  );
});

Deno.test("a badly typed --param is reported before the run", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "node.ts", outputs: ["out"] }]),
    "node.ts":
      `export default ({ parameter }) => { parameter("n", { type: "integer", default: 1 }); };`,
  });
  await assert.rejects(
    () => runOnce(dir, { params: [{ name: "n", value: "many" }] }),
    /parameter "n" must be integer, from --param n: expected an integer, got "many"/,
  );
  await assert.rejects(
    () => runOnce(dir, { params: [{ name: "nope", value: "1" }] }),
    /no node declares a parameter "nope"/,
  );
});

Deno.test("state persists across runs, and only when the node succeeds", async () => {
  const dir = await makeApp({
    "graph.yml": graphYml([{ file: "node.ts", outputs: ["out"] }]),
    "node.ts": `export default async ({ table, state, parameter }) => {
      const n = state.get("n", 0) + 1;
      state.set("n", n);
      const out = table("out", "w");
      await out.init({ schema: { n: "Integer" } });
      await out.replace({ n });
      if (parameter("fail", { type: "boolean", default: false })) throw new Error("planned");
    };`,
  });
  await runOnce(dir, { force: true });
  await runOnce(dir, { force: true });
  const failed = await runOnce(dir, {
    params: [{ name: "fail", value: "true" }],
    force: true,
  });
  assert.equal(failed.status, "failed");
  await runOnce(dir, { force: true });
  assert.deepEqual(await readTable(dir, "out"), [{ n: 3 }]);
});

Deno.test("a host-side write error surfaces at flush() and can be handled", async () => {
  const { dir, node } = await runNode(`
    const out = table("out", "w");
    await out.init({ schema: { id: "Integer" }, uniqueOn: "id" });
    await out.append([{ id: 1 }]);
    await out.append([{ id: 1 }]); // valid values, but a duplicate key: only the host can tell
    try {
      await out.flush();
    } catch (err) {
      log.warn("duplicate refused: " + err.message);
      await out.append([{ id: 2 }]);
      return;
    }
    throw new Error("expected the duplicate to be refused");
  `);
  assert.equal(node.status, "succeeded", node.error);
  assert.deepEqual(await readTable(dir, "out"), [{ id: 1 }, { id: 2 }]);
});

Deno.test("readSql binds parameters anywhere: LIMIT ?, LIKE ?", async () => {
  const { dir, node } = await runNode(
    `
    const src = table("src");
    const limited = await src.readSql("select id from {{ this }} order by id limit ?", [2]);
    const liked = await src.readSql("select count(*) as n from {{ this }} where name like ?", ["n1%"]);
    const out = table("out", "w");
    await out.init({ schema: { k: "Text", v: "Json" } });
    await out.append([{ k: "limited", v: limited }, { k: "liked", v: liked[0].n }]);
  `,
    "",
    ["src"],
  );
  assert.equal(node.status, "succeeded", node.error);
  const rows = Object.fromEntries(
    (await readTable(dir, "out")).map((r) => [r.k, r.v]),
  );
  assert.deepEqual(rows.limited, [{ id: 1 }, { id: 2 }]);
  assert.equal(rows.liked, 11); // n1, n10..n19
});

Deno.test("replace on a table never initialised infers its columns from the rows, as append does", async () => {
  const { dir, node } = await runNode(
    `await table("out", "w").replace([{ n: 5, label: "five" }]);`,
  );
  assert.equal(node.status, "succeeded", node.error);
  assert.deepEqual(await readTable(dir, "out"), [{ n: 5, label: "five" }]);
  const empty = await runNode(`await table("out", "w").replace([]);`);
  assert.equal(empty.node.status, "failed");
  assert.match(
    empty.node.error ?? "",
    /Cannot write to table "out": its columns are unknown; call init\(\{ schema: \{ … \} \}\) or write at least one row/,
  );
});
