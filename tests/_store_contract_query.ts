/**
 * Contract tests: `Publication.query()` reads only declared tables and
 * never writes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DataError } from "../core/errors.ts";
import type { ContractTest } from "./store_contract.ts";
import { EVENTS, PEOPLE, rejects, seed } from "./_store_contract_util.ts";

/** Registers the query tests. */
export function registerQueryTests(test: ContractTest): void {
  test("query() reads the allowed tables, staged versions included", async (h) => {
    await seed(h.store, "people", PEOPLE, [
      { id: "a", name: "Ada", age: 36 },
      { id: "b", name: "Bob", age: 30 },
    ]);
    await seed(h.store, "events", EVENTS, [
      { kind: "a", n: 5 },
      { kind: "a", n: 7 },
      { kind: "b", n: 1 },
    ]);
    const pub = await h.store.beginPublication();
    const people = await pub.sqlName("people");
    const events = await pub.sqlName("events");
    let rows = await pub.query(
      `SELECT p.name AS name, sum(e.n) AS total
         FROM ${people} p JOIN ${events} e ON e.kind = p.id
        WHERE p.age > ? GROUP BY p.name ORDER BY p.name`,
      [18],
      ["people", "events"],
    );
    assert.deepEqual(rows, [{ name: "Ada", total: 12 }, {
      name: "Bob",
      total: 1,
    }]);

    rows = await pub.query(
      `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3)
       SELECT x, upper(?) AS s FROM c`,
      ["hi"],
      [],
    );
    assert.deepEqual(rows, [
      { x: 1, s: "HI" },
      { x: 2, s: "HI" },
      { x: 3, s: "HI" },
    ]);

    await pub.append("people", [{ id: "c", name: "Cleo", age: 20 }]);
    rows = await pub.query(
      `SELECT id FROM ${await pub.sqlName("people")} ORDER BY id`,
      [],
      ["people"],
    );
    assert.deepEqual(rows, [{ id: "a" }, { id: "b" }, { id: "c" }]);
    rows = await pub.query("SELECT ? AS big", [2 ** 40], []);
    assert.deepEqual(rows, [{ big: 2 ** 40 }]);
    await pub.discard();
  });

  test("query() refuses tables that are not allowed", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    await seed(h.store, "secret", EVENTS, [{ kind: "s", n: 1 }]);
    const pub = await h.store.beginPublication();
    const secret = await pub.sqlName("secret");
    const people = await pub.sqlName("people");
    await rejects(
      pub.query(`SELECT * FROM ${secret}`, [], ["people"]),
      DataError,
      /secret/,
    );
    await rejects(
      pub.query(
        `SELECT * FROM ${people} WHERE id IN (SELECT kind FROM ${secret})`,
        [],
        ["people"],
      ),
      DataError,
      /secret/,
    );
    await rejects(
      pub.query(`SELECT * FROM ${people}`, [], []),
      DataError,
      /people/,
    );
    await pub.discard();
  });

  test("query() refuses anything but one SELECT", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const pub = await h.store.beginPublication();
    const people = await pub.sqlName("people");
    const allowed = ["people"];
    for (
      const sql of [
        `INSERT INTO ${people} (id, name, age) VALUES ('x', 'X', 1)`,
        `UPDATE ${people} SET age = 2`,
        `DELETE FROM ${people}`,
        `DROP TABLE ${people}`,
        `CREATE TABLE hack (a)`,
        `SELECT * FROM ${people}; DELETE FROM ${people}`,
      ]
    ) {
      await rejects(pub.query(sql, [], allowed), DataError);
    }
    assert.deepEqual(await h.store.readRows("people"), [
      { id: "a", name: "Ada", age: 1 },
    ]);
    const rows = await pub.query(
      `SELECT ';' AS semi FROM ${people}; -- trailing comment`,
      [],
      allowed,
    );
    assert.deepEqual(rows, [{ semi: ";" }]);
    await pub.discard();
  });
}
