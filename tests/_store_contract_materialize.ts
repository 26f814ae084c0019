/**
 * Contract tests: `Publication.materialize()` evaluates one read-only
 * SELECT into the staged version of a table, inferring its columns.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DataError } from "../core/errors.ts";
import type { TableDef } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, EVENTS, PEOPLE, rejects, seed } from "./_store_contract_util.ts";

const SCORES: TableDef = {
  schema: { id: "Text", score: "Float", raw: "Binary" },
  uniqueOn: ["id"],
};

const ROWS = [
  { id: "a", name: "Ada", age: 36 },
  { id: "b", name: "Bob", age: 20 },
  { id: "k", name: "Kid", age: 9 },
];

/** Registers the materialize tests. */
export function registerMaterializeTests(test: ContractTest): void {
  test("materialize() stages the result of a SELECT with inferred types", async (h) => {
    await seed(h.store, "people", PEOPLE, ROWS);
    await seed(h.store, "scores", SCORES, [
      { id: "a", score: 0.5, raw: new Uint8Array([1, 2]) },
      { id: "b", score: 7.25, raw: new Uint8Array([]) },
      { id: "k", score: 1, raw: null },
    ]);
    let pub = await h.store.beginPublication();
    const people = await pub.sqlName("people");
    const scores = await pub.sqlName("scores");
    const n = await pub.materialize(
      "summary",
      `SELECT p.id AS id, p.age AS age, s.score AS score, s.raw AS raw,
              NULL AS blank,
              CASE WHEN p.age > 30 THEN p.age ELSE s.score END AS mixed
         FROM ${people} p JOIN ${scores} s ON s.id = p.id
        WHERE p.age > ?
        ORDER BY p.age DESC`,
      [18],
      ["people", "scores"],
    );
    assert.equal(n, 2);
    const info = await pub.describe("summary");
    assert.deepEqual(info?.schema, {
      id: "Text",
      age: "Integer",
      score: "Float",
      raw: "Binary",
      blank: "Text",
      mixed: "Float",
    });
    assert.deepEqual(info?.uniqueOn, []);
    assert.equal(info?.rowCount, 2);
    const expected = [
      {
        id: "a",
        age: 36,
        score: 0.5,
        raw: new Uint8Array([1, 2]),
        blank: null,
        mixed: 36,
      },
      {
        id: "b",
        age: 20,
        score: 7.25,
        raw: new Uint8Array([]),
        blank: null,
        mixed: 7.25,
      },
    ];
    assert.deepEqual(await pub.read("summary"), expected);
    assert.equal(await pub.count("summary"), 2);
    assert.equal(await h.store.describeTable("summary"), undefined);
    const summary = await pub.commit({ runId: "r1", nodeId: "sql" });
    assert.deepEqual(summary.versions, { summary: 1 });
    assert.deepEqual(summary.changed, ["summary"]);
    assert.deepEqual(await h.store.readRows("summary"), expected);

    // Materializing again replaces the contents and the definition; later
    // writes in the same publication use the inferred definition.
    pub = await h.store.beginPublication();
    const s = await pub.sqlName("summary");
    assert.equal(
      await pub.materialize("summary", `SELECT id FROM ${s}`, [], ["summary"]),
      2,
    );
    await pub.append("summary", [{ id: "z" }]);
    await pub.commit({ runId: "r2" });
    const after = await h.store.describeTable("summary");
    assert.deepEqual(after?.schema, { id: "Text" });
    assert.equal(after?.version, 2);
    assert.deepEqual(col(await h.store.readRows("summary"), "id"), [
      "a",
      "b",
      "z",
    ]);
  });

  test("materialize() keeps the types of the columns it selects, and their content", async (h) => {
    const typed: TableDef = {
      schema: {
        t: "Text",
        long: "LongText",
        i: "Integer",
        f: "Float",
        d: "Decimal",
        b: "Boolean",
        day: "Date",
        at: "DateTime",
        tm: "Time",
        j: "Json",
        bin: "Binary",
      },
      uniqueOn: [],
    };
    const rows = [
      {
        t: "x",
        long: "a long text",
        i: 1,
        f: 1.5,
        d: "-12.50",
        b: true,
        day: "2026-12-07",
        at: new Date(Date.UTC(2026, 11, 7, 6, 30)),
        tm: "06:30:00",
        j: { a: [1, "two"], b: null },
        bin: new Uint8Array([1]),
      },
      {
        t: null,
        long: null,
        i: null,
        f: null,
        d: null,
        b: false,
        day: null,
        at: null,
        tm: null,
        j: "a JSON string",
        bin: null,
      },
    ];
    await seed(h.store, "typed", typed, rows);
    const pub = await h.store.beginPublication();
    const src = await pub.sqlName("typed");
    await pub.materialize("copy", `SELECT * FROM ${src}`, [], ["typed"]);
    // LongText comes back as Text: a result column has no length to tell.
    const expected: TableDef["schema"] = { ...typed.schema, long: "Text" };
    assert.deepEqual((await pub.describe("copy"))?.schema, expected);
    assert.deepEqual(await pub.read("copy"), rows);
    // Through an alias, a WHERE and a join of the table with itself.
    await pub.materialize(
      "picked",
      `SELECT a.j AS doc, a.b AS flag, a.day, b.at AS seen
         FROM ${src} a JOIN ${src} b ON b.b = a.b WHERE a.b`,
      [],
      ["typed"],
    );
    assert.deepEqual((await pub.describe("picked"))?.schema, {
      doc: "Json",
      flag: "Boolean",
      day: "Date",
      seen: "DateTime",
    });
    assert.deepEqual(await pub.read("picked"), [{
      doc: rows[0]!.j,
      flag: true,
      day: "2026-12-07",
      seen: rows[0]!.at,
    }]);
    await pub.commit({ runId: "r1" });
    // The same rows and types: the same content version.
    await seed(h.store, "direct", { schema: expected, uniqueOn: [] }, rows);
    assert.equal(
      (await h.store.describeTable("copy"))?.contentVersion,
      (await h.store.describeTable("direct"))?.contentVersion,
    );
  });

  test("materialize() reads only the allowed tables, staged versions included", async (h) => {
    await seed(h.store, "people", PEOPLE, ROWS);
    await seed(h.store, "secret", EVENTS, [{ kind: "s", n: 1 }]);
    const pub = await h.store.beginPublication();
    await pub.append("people", [{ id: "c", name: "Cleo", age: 3 }]);
    const people = await pub.sqlName("people");
    assert.equal(
      await pub.materialize(
        "copy",
        `SELECT id FROM ${people} ORDER BY id`,
        [],
        ["people"],
      ),
      4,
    );
    assert.deepEqual(col(await pub.read("copy"), "id"), ["a", "b", "c", "k"]);

    // Its own staged version can be read back.
    const copy = await pub.sqlName("copy");
    await pub.materialize(
      "copy",
      `SELECT id FROM ${copy} WHERE id <> ?`,
      ["a"],
      ["copy"],
    );
    assert.deepEqual(col(await pub.read("copy"), "id"), ["b", "c", "k"]);

    // SELECT * gives the table's own columns only.
    await pub.materialize("all", `SELECT * FROM ${people}`, [], ["people"]);
    assert.deepEqual((await pub.describe("all"))?.schema, PEOPLE.schema);
    assert.equal(await pub.count("all"), 4);

    const secret = await pub.sqlName("secret");
    await rejects(
      pub.materialize("leak", `SELECT * FROM ${secret}`, [], ["people"]),
      DataError,
      /secret/,
    );
    await rejects(
      pub.materialize(
        "leak",
        `SELECT id FROM ${people} WHERE id IN (SELECT kind FROM ${secret})`,
        [],
        ["people"],
      ),
      DataError,
      /secret/,
    );
    assert.equal(await pub.describe("leak"), undefined);
    await pub.commit({ runId: "r1" });
    assert.equal(await h.store.describeTable("leak"), undefined);
    assert.deepEqual(col(await h.store.readRows("copy"), "id"), [
      "b",
      "c",
      "k",
    ]);
  });

  test("materialize() errors are DataErrors and leave the staged version alone", async (h) => {
    await seed(h.store, "people", PEOPLE, ROWS);
    const pub = await h.store.beginPublication();
    const people = await pub.sqlName("people");
    await pub.materialize("out", `SELECT id FROM ${people}`, [], ["people"]);
    const bad: [string, RegExp][] = [
      [`SELECT id || '!' FROM ${people}`, /alias/],
      [`SELECT id, name AS id FROM ${people}`, /"id"/],
      [`SELEC id FROM ${people}`, /syntax error/],
      [`SELECT nosuch FROM ${people}`, /nosuch/],
      [`DELETE FROM ${people}`, /./],
      [`SELECT 1 AS a; SELECT 2 AS b`, /one/],
      ["", /SELECT/],
    ];
    for (const [sql, re] of bad) {
      await rejects(
        pub.materialize("out", sql, [], ["people"]),
        DataError,
        re,
      );
      await rejects(
        pub.materialize("other", sql, [], ["people"]),
        DataError,
        re,
      );
    }
    assert.deepEqual((await pub.describe("out"))?.schema, { id: "Text" });
    assert.equal(await pub.count("out"), 3);
    assert.equal(await pub.describe("other"), undefined);
    assert.equal(await pub.count("people"), 3);
    await pub.commit({ runId: "r1" });
    assert.deepEqual((await h.store.listTables()).map((t) => t.name), [
      "out",
      "people",
    ]);
    assert.deepEqual(await h.store.readRows("people"), ROWS);
  });
}
