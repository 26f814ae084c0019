/**
 * Contract tests: table definitions, column types and row operations.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DataError, NotFoundError, StoreError } from "../core/errors.ts";
import type { TableDef } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, EVENTS, PEOPLE, rejects, seed } from "./_store_contract_util.ts";
import { ALL_TYPES, allTypeRows } from "./_store_contract_values.ts";

/** Registers the table and row tests. */
export function registerTableTests(test: ContractTest): void {
  test("every column type round-trips, null included", async (h) => {
    const expected = allTypeRows();
    const pub = await h.store.beginPublication();
    await pub.init("all_types", ALL_TYPES);
    assert.equal(await pub.append("all_types", allTypeRows()), 5);
    assert.deepEqual(await pub.read("all_types"), expected);
    await pub.commit({ runId: "r1" });
    const rows = await h.store.readRows("all_types");
    assert.deepEqual(rows, expected);
    for (const row of rows) {
      assert.equal(Object.getPrototypeOf(row), Object.prototype);
      assert.deepEqual(Object.keys(row), Object.keys(ALL_TYPES.schema));
    }
    assert.ok(rows[0]!.ts instanceof Date);
    assert.ok(rows[0]!.bin instanceof Uint8Array);
    await h.reopen();
    assert.deepEqual(await h.store.readRows("all_types"), expected);
    const info = await h.store.describeTable("all_types");
    assert.deepEqual(info?.schema, ALL_TYPES.schema);
    assert.deepEqual(Object.keys(info!.schema), Object.keys(ALL_TYPES.schema));
  });

  test("append, read with offset/limit/orderBy, count, describe", async (h) => {
    const pub = await h.store.beginPublication();
    await pub.init("people", PEOPLE);
    await pub.append("people", [
      { id: "c", name: "Cleo", age: 30 },
      { id: "a", name: "Ada", age: 36 },
    ]);
    await pub.append("people", [{ id: "b", name: "Bob", age: 30 }]);
    assert.equal(await pub.count("people"), 3);
    const info = await pub.describe("people");
    assert.equal(info?.name, "people");
    assert.deepEqual(info?.schema, PEOPLE.schema);
    assert.deepEqual(info?.uniqueOn, ["id"]);
    assert.equal(info?.rowCount, 3);
    await pub.commit({ runId: "r1", nodeId: "n1" });

    const s = h.store;
    assert.deepEqual(col(await s.readRows("people"), "id"), ["c", "a", "b"]);
    assert.deepEqual(
      col(await s.readRows("people", { offset: 1, limit: 1 }), "id"),
      ["a"],
    );
    assert.deepEqual(col(await s.readRows("people", { offset: 2 }), "id"), [
      "b",
    ]);
    assert.deepEqual(col(await s.readRows("people", { limit: 0 }), "id"), []);
    assert.deepEqual(
      col(await s.readRows("people", { orderBy: [{ column: "id" }] }), "id"),
      ["a", "b", "c"],
    );
    assert.deepEqual(
      col(
        await s.readRows("people", {
          orderBy: [{ column: "age", desc: true }, { column: "name" }],
        }),
        "id",
      ),
      ["a", "b", "c"],
    );
    // Ties keep insertion order.
    assert.deepEqual(
      col(await s.readRows("people", { orderBy: [{ column: "age" }] }), "id"),
      ["c", "b", "a"],
    );
    const d = await s.describeTable("people");
    assert.equal(d?.rowCount, 3);
    assert.equal(d?.version, 1);
    assert.equal(d?.runId, "r1");
    assert.equal(d?.nodeId, "n1");
    assert.ok(d?.updatedAt instanceof Date);
    assert.deepEqual((await s.listTables()).map((t) => t.name), ["people"]);
  });

  test("bad reads: unknown column, unknown table", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "A", age: 1 }]);
    await rejects(
      h.store.readRows("people", { orderBy: [{ column: "nope" }] }),
      DataError,
      /nope/,
    );
    await rejects(h.store.readRows("missing"), NotFoundError, /missing/);
    assert.equal(await h.store.describeTable("missing"), undefined);
    const pub = await h.store.beginPublication();
    assert.equal(await pub.count("missing"), 0);
    assert.equal(await pub.describe("missing"), undefined);
    await rejects(pub.read("missing"), NotFoundError, /missing/);
    await rejects(
      pub.read("people", { orderBy: [{ column: "nope" }] }),
      DataError,
      /nope/,
    );
    await rejects(pub.append("missing", [{ a: 1 }]), StoreError, /missing/);
    await pub.discard();
  });

  test("upsert updates by key and inserts new keys", async (h) => {
    await seed(h.store, "people", PEOPLE, [
      { id: "a", name: "Ada", age: 36 },
      { id: "b", name: "Bob", age: 30 },
    ]);
    const pub = await h.store.beginPublication();
    assert.equal(
      await pub.upsert("people", [
        { id: "b", name: "Bobby", age: 31 },
        { id: "c", name: "Cleo", age: 20 },
        { id: "c", name: "Cleo B.", age: 21 },
      ]),
      3,
    );
    assert.equal(await pub.count("people"), 3);
    await pub.commit({ runId: "r2" });
    assert.deepEqual(await h.store.readRows("people"), [
      { id: "a", name: "Ada", age: 36 },
      { id: "b", name: "Bobby", age: 31 },
      { id: "c", name: "Cleo B.", age: 21 },
    ]);
    assert.equal((await h.store.describeTable("people"))?.rowCount, 3);
  });

  test("truncate + append replaces the contents", async (h) => {
    await seed(h.store, "events", EVENTS, [{ kind: "old", n: 1 }]);
    const pub = await h.store.beginPublication();
    await pub.truncate("events");
    assert.equal(await pub.count("events"), 0);
    await pub.append("events", [{ kind: "new", n: 2 }, { kind: "new", n: 3 }]);
    await pub.commit({ runId: "r2" });
    assert.deepEqual(await h.store.readRows("events"), [
      { kind: "new", n: 2 },
      { kind: "new", n: 3 },
    ]);
    assert.equal((await h.store.describeTable("events"))?.version, 2);
  });

  test("unique conflict on append is a DataError and writes nothing of the batch", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const pub = await h.store.beginPublication();
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await rejects(
      pub.append("people", [
        { id: "c", name: "Cleo", age: 3 },
        { id: "a", name: "Again", age: 4 },
      ]),
      DataError,
      /people/,
      /"a"/,
    );
    await rejects(
      pub.append("people", [
        { id: "d", name: "Dan", age: 5 },
        { id: "d", name: "Dan again", age: 6 },
      ]),
      DataError,
      /people/,
      /"d"/,
    );
    assert.deepEqual(col(await pub.read("people"), "id"), ["a", "b"]);
    assert.equal(await pub.count("people"), 2);
    await pub.append("people", [{ id: "c", name: "Cleo", age: 3 }]);
    await pub.commit({ runId: "r2" });
    assert.deepEqual(col(await h.store.readRows("people"), "id"), [
      "a",
      "b",
      "c",
    ]);
  });

  test("upsert without a unique key is a DataError naming the fix", async (h) => {
    await seed(h.store, "events", EVENTS, [{ kind: "x", n: 1 }]);
    const pub = await h.store.beginPublication();
    await rejects(
      pub.upsert("events", [{ kind: "y", n: 2 }]),
      DataError,
      /events/,
      /uniqueOn/,
    );
    await pub.discard();
    assert.deepEqual(await h.store.readRows("events"), [{ kind: "x", n: 1 }]);
  });

  test("init with a changed definition starts empty; the same one keeps rows", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    let pub = await h.store.beginPublication();
    await pub.init("people", PEOPLE);
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await pub.commit({ runId: "r2" });
    assert.deepEqual(col(await h.store.readRows("people"), "id"), ["a", "b"]);

    const changed: TableDef = {
      schema: { id: "Text", name: "Text", age: "Integer", email: "Text" },
      uniqueOn: ["id"],
    };
    pub = await h.store.beginPublication();
    await pub.init("people", changed);
    assert.equal(await pub.count("people"), 0);
    assert.deepEqual((await pub.describe("people"))?.schema, changed.schema);
    await pub.append("people", [{
      id: "z",
      name: "Zoe",
      age: 9,
      email: "z@x",
    }]);
    // Other readers still see the old definition until commit.
    assert.deepEqual(
      (await h.store.describeTable("people"))?.schema,
      PEOPLE.schema,
    );
    await pub.commit({ runId: "r3" });
    assert.deepEqual(await h.store.readRows("people"), [
      { id: "z", name: "Zoe", age: 9, email: "z@x" },
    ]);
    const info = await h.store.describeTable("people");
    assert.deepEqual(info?.schema, changed.schema);
    assert.equal(info?.version, 3);
  });

  test("init alone creates an empty table", async (h) => {
    const pub = await h.store.beginPublication();
    await pub.init("empty", EVENTS);
    const summary = await pub.commit({ runId: "r1" });
    assert.deepEqual(summary.versions, { empty: 1 });
    assert.deepEqual(await h.store.readRows("empty"), []);
    assert.equal((await h.store.describeTable("empty"))?.rowCount, 0);
  });
}
