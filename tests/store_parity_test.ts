// The same app on both stores gives the same tables: every column type
// written by a TypeScript node, read back by read(), readChunks() and
// readSql() (each value's JS kind recorded as data), and selected by a SQL
// node. Ignored without a reachable RUNNEL_TEST_POSTGRES_URL.

import assert from "node:assert/strict";
import type { Row } from "../core/schema/schema.ts";
import { dropSchema, freshSchema, pgUrl, skipReason } from "./_pg_env.ts";
import { makeApp, runApp } from "./_helpers.ts";

const MAKE = `export default async ({ table }) => {
  const t = table("things", "w");
  await t.init({
    schema: { id: "Text", n: "Integer", f: "Float", d: "Decimal", b: "Boolean", day: "Date", at: "DateTime", tm: "Time", j: "Json", bin: "Binary", long: "LongText", seq: "Integer", made: "DateTime" },
    uniqueOn: "id", addMonotonicId: "seq", addCreated: "made",
  });
  await t.replace([
    { id: "a", n: 1, f: 0.1, d: "123456789012345678901234567890.123456789", b: true, day: "2026-02-28", at: "2026-12-07T06:30:01.5Z", tm: "23:59:59.123456", j: { nested: { list: [1, "x", null, true] } }, bin: new Uint8Array([0, 255]), long: "é".repeat(3) },
    { id: "b", n: -9007199254740991, f: 1e300, d: "-0.000001", b: false, day: "1970-01-01", at: new Date(0), tm: "00:00", j: [], bin: new Uint8Array([]), long: "" },
    { id: "c", n: null, f: null, d: null, b: null, day: null, at: null, tm: null, j: null, bin: null, long: null },
    { id: "d", n: "42", f: "3.5", d: 7, b: "yes", day: new Date(Date.UTC(2026, 0, 1)), at: 1700000000000, tm: "12:34:56", j: "just a string", bin: null, long: "x" },
  ]);
  await t.upsert([
    { id: "b", n: 2, f: 2.5, d: "2", b: true, day: "2000-02-29", at: "2000-02-29T00:00:00Z", tm: "01:02:03", j: { a: 1 }, bin: null, long: "upd" },
    { id: "e", n: 5 },
  ]);
};
`;

const PROBE =
  `const kind = (v) => v === null ? "null" : v instanceof Date ? "Date" : v instanceof Uint8Array ? "bytes" : Array.isArray(v) ? "array" : typeof v;
const show = (v) => v instanceof Date ? v.toISOString() : v instanceof Uint8Array ? [...v].join(",") : JSON.stringify(v);
export default async ({ table }) => {
  const src = table("things");
  const out = table("echo", "w");
  await out.init({ schema: { how: "Text", id: "Text", col: "Text", kind: "Text", value: "Text" } });
  const rows = [];
  const add = (how, list) => {
    for (const r of list) {
      for (const [k, v] of Object.entries(r)) {
        if (k !== "made") rows.push({ how, id: String(r.id), col: k, kind: kind(v), value: show(v) });
      }
    }
  };
  add("read", await src.read());
  const chunks = [];
  for await (const c of src.readChunks(2)) chunks.push(...c);
  add("chunks", chunks);
  add("sql", await src.readSql("SELECT id, n, f, d, b, day, at, tm, j, bin, long, seq FROM {{ this }} WHERE id <> ? ORDER BY id", ["c"]));
  rows.push({ how: "count", id: "-", col: "-", kind: "number", value: String(await src.recordCount()) });
  await out.replace(rows);
};
`;

const PICK = `select id, n, f, d, b, day, at, tm, j, bin, long, seq
from {{ Table("things") }}
where id <> 'zz'
order by id
`;

const GRAPH = `title: Parity
functions:
  - node_file: make.ts
    outputs: [things]
  - node_file: probe.ts
    inputs: [things]
    outputs: [echo]
  - node_file: pick.sql
    inputs:
      things: things
    outputs:
      output_table: picked
`;

type Snapshot = Record<string, { schema: unknown; rows: Row[] }>;

async function snapshot(url: string | undefined): Promise<Snapshot> {
  const dir = await makeApp({
    "graph.yml": GRAPH,
    "make.ts": MAKE,
    "probe.ts": PROBE,
    "pick.sql": PICK,
  });
  const { result, store } = await runApp(dir, {}, url);
  try {
    assert.equal(result.status, "succeeded", JSON.stringify(result.nodes));
    const out: Snapshot = {};
    for (const t of ["things", "echo", "picked"]) {
      const info = await store.describeTable(t);
      const rows = (await store.readRows(t)).map((r) => {
        const { made: _made, ...rest } = r;
        return rest;
      });
      out[t] = { schema: info?.schema, rows };
    }
    return out;
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the same app gives the same tables on SQLite and PostgreSQL",
  ignore: skipReason !== undefined,
  fn: async () => {
    const schema = freshSchema();
    try {
      const [lite, pg] = [
        await snapshot(undefined),
        await snapshot(pgUrl(schema)),
      ];
      // Each table on its own, for a readable diff.
      for (const t of Object.keys(lite)) {
        assert.deepEqual(pg[t], lite[t], `table ${t}`);
      }
      // The probe saw typed values through every read path.
      const echo = lite.echo!.rows;
      const seen = (how: string, id: string, col: string) =>
        echo.find((r) => r.how === how && r.id === id && r.col === col);
      for (const how of ["read", "chunks", "sql"]) {
        assert.deepEqual(
          [
            seen(how, "a", "b")?.kind,
            seen(how, "a", "at")?.kind,
            seen(how, "a", "j")?.kind,
          ],
          ["boolean", "Date", "object"],
          how,
        );
      }
      assert.equal(seen("count", "-", "-")?.value, "5");
    } finally {
      await dropSchema(schema);
    }
  },
});
