/**
 * Contract tests: appends mixed with upserts, truncates and SQL in one
 * publication stay correct, and a concurrent append commit never leaks
 * into what another publication reads.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DataError, StoreError } from "../core/errors.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, PEOPLE, person, rejects, seed } from "./_store_contract_util.ts";

/** Registers the mixed append tests. */
export function registerMixedAppendTests(test: ContractTest): void {
  test("appends mixed with upserts, truncates and SQL in one publication", async (h) => {
    const s = h.store;
    await seed(s, "people", PEOPLE, [person("a"), person("b")]);

    let pub = await s.beginPublication();
    await pub.append("people", [person("c")]);
    await pub.upsert("people", [person("a", 40), person("d")]);
    await pub.append("people", [person("e")]);
    await rejects(pub.append("people", [person("b")]), DataError, /"b"/);
    await pub.upsert("people", [person("e", 50)]);
    await pub.commit({ runId: "r2" });
    const expected = [
      person("a", 40),
      person("b"),
      person("c"),
      person("d"),
      person("e", 50),
    ];
    assert.deepEqual(await s.readRows("people"), expected);
    await seed(s, "copy", PEOPLE, [...expected].reverse());
    assert.equal(
      (await s.describeTable("people"))?.contentVersion,
      (await s.describeTable("copy"))?.contentVersion,
    );

    pub = await s.beginPublication();
    await pub.append("people", [person("f")]);
    await pub.truncate("people");
    await pub.append("people", [person("a"), person("g")]);
    assert.deepEqual(col(await pub.read("people"), "id"), ["a", "g"]);
    await pub.commit({ runId: "r3" });
    assert.deepEqual(col(await s.readRows("people"), "id"), ["a", "g"]);

    pub = await s.beginPublication();
    await pub.append("people", [person("h", 7)]);
    const name = await pub.sqlName("people");
    const [{ n }] = await pub.query(
      `SELECT sum(age) AS n FROM ${name}`,
      [],
      ["people"],
    ) as [{ n: number }];
    assert.equal(Number(n), 9);
    await pub.materialize(
      "ages",
      `SELECT id, age FROM ${await pub.sqlName("people")} WHERE age > 1`,
      [],
      ["people"],
    );
    await pub.append("people", [person("i")]);
    assert.deepEqual(
      col(
        await pub.read("people", { orderBy: [{ column: "id", desc: true }] }),
        "id",
      ),
      ["i", "h", "g", "a"],
    );
    await pub.commit({ runId: "r4" });
    assert.deepEqual(col(await s.readRows("people"), "id"), [
      "a",
      "g",
      "h",
      "i",
    ]);
    assert.deepEqual(await s.readRows("ages"), [{ id: "h", age: 7 }]);
  });

  test("a concurrent append commit never shows in another publication's reads, whose commit is refused", async (h) => {
    await seed(h.store, "people", PEOPLE, [person("a"), person("b")]);
    const slow = await h.store.beginPublication();
    await slow.append("people", [person("s")]);
    const fast = await h.store.beginPublication();
    await fast.append("people", [person("f")]);
    await fast.commit({ runId: "fast" });
    assert.deepEqual(col(await h.store.readRows("people"), "id"), [
      "a",
      "b",
      "f",
    ]);

    assert.deepEqual(col(await slow.read("people"), "id"), ["a", "b", "s"]);
    assert.deepEqual(
      col(await slow.read("people", { offset: 1, limit: 2 }), "id"),
      [
        "b",
        "s",
      ],
    );
    assert.equal(await slow.count("people"), 3);
    await slow.append("people", [person("t")]);
    const [{ n }] = await slow.query(
      `SELECT count(*) AS n FROM ${await slow.sqlName("people")}`,
      [],
      ["people"],
    ) as [{ n: number }];
    assert.equal(Number(n), 4);
    await rejects(slow.commit({ runId: "slow" }), StoreError, /changed while/);
    await slow.discard();
    assert.deepEqual(col(await h.store.readRows("people"), "id"), [
      "a",
      "b",
      "f",
    ]);
    assert.equal((await h.store.describeTable("people"))?.version, 2);
  });
}
