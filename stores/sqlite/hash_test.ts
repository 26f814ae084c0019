import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import type { TableDef } from "../mod.ts";
import { openSqliteStore } from "./mod.ts";
import { HASH_COL, HASH_FN, registerHashFunction } from "./_hash.ts";

const EDGES: TableDef = {
  schema: {
    i: "Integer",
    f: "Float",
    t: "Text",
    bin: "Binary",
    j: "Json",
    b: "Boolean",
  },
  uniqueOn: [],
};

/** Values whose stored form differs from what was bound, or that are easy to get wrong. */
const ROWS = [
  { i: 0, f: 3, t: "", bin: new Uint8Array([]), j: 1, b: true },
  { i: -0, f: -0, t: "a\uD800b", bin: new Uint8Array([1]), j: "1", b: false },
  { i: 2 ** 53 - 1, f: 1e300, t: "é 🎉", bin: new Uint8Array([1, 2, 3, 4]) },
  { i: -(2 ** 53), f: 2 ** 70, t: "x", bin: new Uint8Array([1, 2, 3, 4, 5]) },
  { i: 2 ** 60, f: -Infinity, t: "null", j: null },
  { i: 1e20, f: NaN, t: "1" },
  { i: 1.5, f: Infinity, t: "1.0" },
  { i: NaN, f: 0.1 + 0.2 },
  { i: 2n ** 62n + 1n, f: -1e-300 },
  { i: -(2n ** 63n), f: 2 ** 53 + 2 },
  { i: 2 ** 63, f: -(2 ** 63) },
];

Deno.test("sqlite row hashes: written in JS, equal to SQL's hash of the stored row", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runnel_hash_" });
  const path = `${dir}/runnel.db`;
  try {
    const store = await openSqliteStore(path);
    const pub = await store.beginPublication();
    await pub.init("edges", EDGES);
    await pub.append("edges", ROWS);
    await pub.commit({ runId: "r1" });
    const copy = await store.beginPublication();
    const edges = await copy.sqlName("edges");
    await copy.materialize("same", `SELECT * FROM ${edges}`, [], ["edges"]);
    await copy.materialize(
      "ints",
      `SELECT i FROM ${edges} WHERE typeof(i) = 'integer'`,
      [],
      ["edges"],
    );
    await copy.commit({ runId: "r2" });
    await store.close();

    const db = new DatabaseSync(path, { readOnly: true });
    try {
      registerHashFunction(db);
      const tables = db.prepare(
        "SELECT name, physical, def FROM _runnel_tables",
      ).all() as { name: string; physical: string; def: string }[];
      assert.equal(tables.length, 3);
      for (const t of tables) {
        const cols = Object.keys(JSON.parse(t.def).schema)
          .map((c) => `"${c}"`).join(", ");
        const r = db.prepare(
          `SELECT count(*) AS n, sum("${HASH_COL}" = ${HASH_FN}(${cols})) AS ok, count(DISTINCT "${HASH_COL}") AS distinct_hashes FROM "${t.physical}"`,
        ).get() as { n: number; ok: number; distinct_hashes: number };
        assert.equal(r.ok, r.n, `table ${t.name}`);
        // Every row differs (but 0 and -0 are the same integer).
        if (t.name !== "ints") assert.equal(r.distinct_hashes, r.n, t.name);
      }
    } finally {
      db.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
