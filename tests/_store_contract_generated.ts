/**
 * Contract tests: columns the store fills itself (`addCreated`,
 * `addMonotonicId`).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { TableDef } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import { col } from "./_store_contract_util.ts";

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

/** Registers the generated-column tests. */
export function registerGeneratedTests(test: ContractTest): void {
  test("addCreated fills the insert time and keeps it on upsert", async (h) => {
    const before = Date.now();
    let pub = await h.store.beginPublication();
    await pub.init("leads", LEADS);
    const given = new Date("2020-01-01T00:00:00.000Z");
    await pub.append("leads", [
      { email: "a@x", score: 1 },
      { email: "b@x", score: 2, created: given },
    ]);
    await pub.commit({ runId: "r1" });
    const after = Date.now();
    let rows = await h.store.readRows("leads");
    const created = rows[0]!.created as Date;
    assert.ok(created instanceof Date);
    assert.ok(created.getTime() >= before && created.getTime() <= after);
    assert.deepEqual(rows[1]!.created, given);
    assert.equal((await h.store.describeTable("leads"))?.addCreated, "created");

    await new Promise((r) => setTimeout(r, 5));
    pub = await h.store.beginPublication();
    await pub.upsert("leads", [
      { email: "a@x", score: 10 },
      { email: "b@x", score: 20, created: new Date() },
      { email: "c@x", score: 30 },
    ]);
    await pub.commit({ runId: "r2" });
    rows = await h.store.readRows("leads");
    assert.deepEqual(col(rows, "score"), [10, 20, 30]);
    assert.deepEqual(rows[0]!.created, created);
    assert.deepEqual(rows[1]!.created, given);
    assert.ok((rows[2]!.created as Date).getTime() >= created.getTime());
  });

  test("addMonotonicId counts up, is kept on upsert and never reused", async (h) => {
    let pub = await h.store.beginPublication();
    await pub.init("leads", LEADS);
    await pub.append("leads", [{ email: "a@x" }, { email: "b@x" }]);
    await pub.append("leads", [{ email: "c@x" }]);
    assert.deepEqual(col(await pub.read("leads"), "seq"), [1, 2, 3]);
    await pub.commit({ runId: "r1" });
    assert.equal((await h.store.describeTable("leads"))?.addMonotonicId, "seq");

    pub = await h.store.beginPublication();
    await pub.upsert("leads", [{ email: "b@x", score: 5 }, { email: "d@x" }]);
    const rows = await pub.read("leads");
    assert.deepEqual(col(rows, "email"), ["a@x", "b@x", "c@x", "d@x"]);
    const seq = col(rows, "seq") as number[];
    assert.deepEqual(seq.slice(0, 3), [1, 2, 3]);
    assert.ok(seq[3]! > 3);
    await pub.commit({ runId: "r2" });

    // A discarded publication's ids are not visible; committed ids never come back.
    pub = await h.store.beginPublication();
    await pub.truncate("leads");
    await pub.append("leads", [{ email: "e@x" }]);
    const afterTruncate = col(await pub.read("leads"), "seq") as number[];
    assert.ok(afterTruncate[0]! > seq[3]!);
    await pub.commit({ runId: "r3" });

    pub = await h.store.beginPublication();
    await pub.append("leads", [{ email: "f@x" }]);
    const final = col(await pub.read("leads"), "seq") as number[];
    assert.ok(final[1]! > final[0]!);
    await pub.discard();

    // Explicit ids are kept and later ids go past them.
    await h.reopen();
    pub = await h.store.beginPublication();
    await pub.append("leads", [{ email: "g@x", seq: 1000 }, { email: "h@x" }]);
    assert.deepEqual(col(await pub.read("leads"), "seq").slice(1), [
      1000,
      1001,
    ]);
    await pub.commit({ runId: "r4" });
  });
}
