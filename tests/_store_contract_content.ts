/**
 * Contract tests: content versions change exactly when a table's contents
 * (rows as a multiset, or its definition) change, whichever way they were
 * written; identical rewrites keep the committed version.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Row } from "../core/schema/schema.ts";
import type { Store, TableDef } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import { EVENTS, PEOPLE, seed } from "./_store_contract_util.ts";
import { ALL_TYPES, allTypeRows } from "./_store_contract_values.ts";

/** Types a materialized table can have, so every write path can produce it. */
const MIXED: TableDef = {
  schema: { kind: "Text", n: "Integer", x: "Float", raw: "Binary" },
  uniqueOn: [],
};

const MIXED_ROWS: Row[] = [
  { kind: "a", n: 1, x: 0.5, raw: new Uint8Array([1, 2, 3]) },
  { kind: "b", n: 2, x: 2, raw: null },
  { kind: "a", n: 1, x: 0.5, raw: new Uint8Array([1, 2, 3]) },
  { kind: null, n: -7, x: -1e-9, raw: new Uint8Array([]) },
  { kind: "ü 🎉", n: 2 ** 40, x: null, raw: new Uint8Array([255]) },
];

async function cv(store: Store, table: string): Promise<string> {
  const info = await store.describeTable(table);
  assert.ok(info !== undefined, `table ${table} exists`);
  assert.equal(typeof info.contentVersion, "string");
  assert.ok(info.contentVersion.length > 0);
  return info.contentVersion;
}

/** Commits `rows` as the whole contents of `table` and returns its content version. */
async function write(
  store: Store,
  table: string,
  def: TableDef,
  rows: Row[],
): Promise<string> {
  const pub = await store.beginPublication();
  await pub.init(table, def);
  await pub.truncate(table);
  if (rows.length > 0) await pub.append(table, rows);
  const summary = await pub.commit({ runId: "cv" });
  assert.equal(summary.contentVersions[table], await cv(store, table));
  return summary.contentVersions[table]!;
}

/** Registers the content version tests. */
export function registerContentVersionTests(test: ContractTest): void {
  test("content version: equal contents are equal whatever the write path or order", async (h) => {
    const s = h.store;
    const rev = [...MIXED_ROWS].reverse();
    const base = await write(s, "a", MIXED, MIXED_ROWS);

    // Other order, several batches, an empty batch.
    let pub = await s.beginPublication();
    await pub.init("b", MIXED);
    await pub.append("b", rev.slice(0, 2));
    await pub.append("b", []);
    await pub.append("b", rev.slice(2));
    assert.equal((await pub.describe("b"))?.contentVersion, base);
    await pub.commit({ runId: "r" });
    assert.equal(await cv(s, "b"), base);

    // Evaluated by the database, in yet another order.
    pub = await s.beginPublication();
    const a = await pub.sqlName("a");
    await pub.materialize(
      "c",
      `SELECT kind, n, x, raw FROM ${a} ORDER BY n DESC, kind`,
      [],
      ["a"],
    );
    assert.deepEqual((await pub.describe("c"))?.schema, MIXED.schema);
    assert.equal((await pub.describe("c"))?.contentVersion, base);
    await pub.commit({ runId: "r" });
    assert.equal(await cv(s, "c"), base);

    // Every column type, appended vs. upserted over different rows.
    const typed: TableDef = {
      schema: { ...ALL_TYPES.schema, id: "Integer" },
      uniqueOn: ["id"],
    };
    const rows = allTypeRows().map((r, i) => ({ ...r, id: i }));
    const t1 = await write(s, "t1", typed, rows);
    pub = await s.beginPublication();
    await pub.init("t2", typed);
    await pub.append("t2", [
      { ...rows[1]!, t: "old", j: { old: true } },
      rows[0]!,
      { ...rows[3]!, f: 0, bin: new Uint8Array([9]) },
    ]);
    await pub.upsert("t2", [rows[4]!, rows[3]!, rows[2]!, rows[1]!]);
    await pub.commit({ runId: "r" });
    assert.equal(await cv(s, "t2"), t1);

    // The same table rewritten by each path keeps its content version.
    for (
      const sql of [
        (t: string) => `SELECT * FROM ${t}`,
        (t: string) =>
          `SELECT kind, n, x, raw FROM ${t} WHERE n > 1 UNION ALL SELECT kind, n, x, raw FROM ${t} WHERE n <= 1`,
      ]
    ) {
      pub = await s.beginPublication();
      await pub.materialize("a", sql(await pub.sqlName("a")), [], ["a"]);
      const summary = await pub.commit({ runId: "again" });
      assert.deepEqual(summary.contentVersions, { a: base });
      assert.deepEqual(summary.versions, { a: 1 });
      assert.deepEqual(summary.changed, []);
    }
  });

  test("content version changes with any row, with the multiset and with the definition", async (h) => {
    const s = h.store;
    const rows: Row[] = [{ kind: "a", n: 1 }, { kind: "b", n: 2 }];
    const seen = new Map<string, string>();
    const check = async (label: string, def: TableDef, r: Row[]) => {
      const v = await write(s, "t", def, r);
      const dup = seen.get(v);
      assert.equal(
        dup,
        undefined,
        `${label} has the content version of ${dup}`,
      );
      seen.set(v, label);
    };
    await check("base", EVENTS, rows);
    await check("empty", EVENTS, []);
    await check("added", EVENTS, [...rows, { kind: "c", n: 3 }]);
    await check("deleted", EVENTS, rows.slice(1));
    await check("value changed", EVENTS, [rows[0]!, { kind: "b", n: 3 }]);
    await check("null instead of 0", EVENTS, [rows[0]!, {
      kind: "b",
      n: null,
    }]);
    await check("0", EVENTS, [rows[0]!, { kind: "b", n: 0 }]);
    await check("empty text", EVENTS, [rows[0]!, { kind: "", n: 2 }]);
    await check("null text", EVENTS, [rows[0]!, { kind: null, n: 2 }]);
    await check("values swapped between rows", EVENTS, [
      { kind: "a", n: 2 },
      { kind: "b", n: 1 },
    ]);
    await check("duplicate", EVENTS, [...rows, rows[0]!]);
    await check("other duplicate", EVENTS, [...rows, rows[1]!]);
    await check("uniqueOn", { ...EVENTS, uniqueOn: ["kind"] }, rows);
    await check("column type", {
      schema: { kind: "Text", n: "Float" },
      uniqueOn: [],
    }, rows);
    await check("column order", {
      schema: { n: "Integer", kind: "Text" },
      uniqueOn: [],
    }, rows);
    await check("column name", {
      schema: { kind: "Text", m: "Integer" },
      uniqueOn: [],
    }, rows.map((r) => ({ kind: r.kind, m: r.n })));
    const two: TableDef = { schema: { p: "Text", q: "Text" }, uniqueOn: [] };
    await check("p=x q=y", two, [{ p: "x", q: "y" }]);
    await check("p=y q=x", two, [{ p: "y", q: "x" }]);
    await check("p=xy", two, [{ p: "xy", q: "" }]);
    const json: TableDef = { schema: { j: "Json" }, uniqueOn: [] };
    await check("json 1", json, [{ j: 1 }]);
    await check('json "1"', json, [{ j: "1" }]);
    // Writing the same contents again gives back an earlier version.
    assert.equal(
      await write(s, "t", EVENTS, [...rows].reverse()),
      [
        ...seen,
      ].find(([, l]) => l === "base")![0],
    );
  });

  test("an identical rewrite keeps version and content version and is not changed", async (h) => {
    const s = h.store;
    const rows = [
      { id: "a", name: "Ada", age: 36 },
      { id: "b", name: "Bob", age: 30 },
    ];
    await seed(s, "people", PEOPLE, rows);
    await seed(s, "events", EVENTS, [{ kind: "x", n: 1 }]);
    const before = await s.describeTable("people");
    assert.equal(before?.version, 1);

    let pub = await s.beginPublication();
    await pub.truncate("people");
    await pub.append("people", [rows[1]!]);
    await pub.upsert("people", [{ ...rows[0]!, age: 99 }]);
    await pub.upsert("people", [rows[0]!]);
    await pub.append("events", [{ kind: "y", n: 2 }]);
    let summary = await pub.commit({ runId: "r2", nodeId: "n2" });
    assert.deepEqual(summary.versions, { people: 1, events: 2 });
    assert.equal(summary.contentVersions.people, before?.contentVersion);
    assert.deepEqual(summary.changed, ["events"]);
    const after = await s.describeTable("people");
    assert.equal(after?.version, 1);
    assert.equal(after?.contentVersion, before?.contentVersion);
    assert.equal(after?.runId, "seed");
    assert.deepEqual(
      await s.readRows("people", { orderBy: [{ column: "id" }] }),
      rows,
    );

    // Upserting rows that are already there changes nothing either.
    pub = await s.beginPublication();
    await pub.upsert("people", rows);
    summary = await pub.commit({ runId: "r3" });
    assert.deepEqual(summary, {
      versions: { people: 1 },
      contentVersions: { people: before!.contentVersion },
      changed: [],
    });

    // A real change bumps the version once.
    pub = await s.beginPublication();
    await pub.upsert("people", [{ ...rows[0]!, age: 37 }]);
    summary = await pub.commit({ runId: "r4" });
    assert.deepEqual(summary.versions, { people: 2 });
    assert.deepEqual(summary.changed, ["people"]);
    assert.notEqual(summary.contentVersions.people, before?.contentVersion);
    assert.equal(
      (await s.describeTable("people"))?.contentVersion,
      summary.contentVersions.people,
    );
    assert.equal((await s.describeTable("people"))?.runId, "r4");
  });

  test("content version: upserts that keep generated columns count the kept values", async (h) => {
    const s = h.store;
    const LEADS: TableDef = {
      schema: {
        email: "Text",
        score: "Float",
        created: "DateTime",
        seq: "Integer",
      },
      uniqueOn: ["email"],
      addCreated: "created",
      addMonotonicId: "seq",
    };
    const d1 = new Date("2024-01-01T00:00:00.000Z");
    const d2 = new Date("2024-01-02T00:00:00.000Z");
    const rows = [
      { email: "a@x", score: 1, created: d1, seq: 1 },
      { email: "b@x", score: 2, created: d2, seq: 2 },
    ];
    const base = await write(s, "leads", LEADS, rows);

    // Upserting the same data without the generated values keeps the
    // stored ones: nothing changed.
    let pub = await s.beginPublication();
    await pub.upsert("leads", [{ email: "a@x", score: 1 }, {
      email: "b@x",
      score: 2,
      created: new Date(),
      seq: 99,
    }]);
    let summary = await pub.commit({ runId: "r2" });
    assert.deepEqual(summary.changed, []);
    assert.equal(summary.contentVersions.leads, base);
    assert.equal((await s.describeTable("leads"))?.version, 1);

    // A changed score with kept generated values equals the same rows appended.
    pub = await s.beginPublication();
    await pub.upsert("leads", [{ email: "a@x", score: 5 }]);
    summary = await pub.commit({ runId: "r3" });
    assert.deepEqual(summary.changed, ["leads"]);
    const appended = await write(s, "other", LEADS, [
      { ...rows[0]!, score: 5 },
      rows[1]!,
    ]);
    assert.equal(summary.contentVersions.leads, appended);
    assert.deepEqual(await s.readRows("leads"), [
      { ...rows[0]!, score: 5 },
      rows[1]!,
    ]);
  });
}
