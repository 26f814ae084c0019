/**
 * Contract tests: user columns named like SQLite's hidden row ids (`rowid`,
 * `oid`, `_rowid_`, in any case) are ordinary columns. Insertion order,
 * deep pages, sorted pages, appends with key checks, upserts and copies
 * behave as for any other name, however the column's values run.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DataError } from "../core/errors.ts";
import type { Row } from "../core/schema/schema.ts";
import type { TableDef } from "../stores/mod.ts";
import { orderStats, orderTuning } from "../stores/_order_plan.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, rejects, seed } from "./_store_contract_util.ts";

/** `rowid` counts down while rows are added, so it can't pass for the order. */
const SHADOWED: TableDef = {
  schema: { ROWID: "Integer", oid: "Text", v: "Integer" },
  uniqueOn: ["oid"],
};

const row = (i: number): Row => ({ ROWID: 1000 - i, oid: `k${i}`, v: i });
const vs = (rows: Row[]) => col(rows, "v");
const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i);

/** Registers the row-id column name tests. */
export function registerRowidTests(test: ContractTest): void {
  test("columns named rowid and oid are plain columns: insertion order, pages, sorts, appends, upserts", async (h) => {
    const saved = { ...orderTuning };
    // Small thresholds: deep and sorted pages go through bookmarks and indexes.
    Object.assign(orderTuning, { indexFrom: 20, step: 8 });
    try {
      await seed(h.store, "ids", SHADOWED, range(0, 40).map(row));
      assert.deepEqual(vs(await h.store.readRows("ids")), range(0, 40));
      assert.deepEqual(
        vs(await h.store.readRows("ids", { offset: 30, limit: 5 })),
        range(30, 35),
      );
      const before = orderStats.indexedPages;
      assert.deepEqual(
        vs(
          await h.store.readRows("ids", {
            orderBy: [{ column: "v", desc: true }],
            offset: 10,
            limit: 3,
          }),
        ),
        [29, 28, 27],
      );
      assert.deepEqual(
        vs(
          await h.store.readRows("ids", {
            orderBy: [{ column: "ROWID" }],
            offset: 0,
            limit: 3,
          }),
        ),
        [39, 38, 37],
      );
      assert.ok(orderStats.indexedPages > before, "sorted pages used an index");

      // An append-only publication (a delta) checks keys against the table.
      let pub = await h.store.beginPublication();
      await pub.append("ids", [row(40), row(41)]);
      await rejects(
        pub.append("ids", [row(42), row(3)]),
        DataError,
        /"k3" of row 1 is already in the table/,
      );
      assert.deepEqual(vs(await pub.read("ids", { offset: 38 })), [
        38,
        39,
        40,
        41,
      ]);
      await pub.commit({ runId: "more" });
      assert.deepEqual(vs(await h.store.readRows("ids")), range(0, 42));

      // An upsert keeps the updated row in place and adds new ones last.
      pub = await h.store.beginPublication();
      await pub.upsert("ids", [{ ...row(5), v: 500 }, row(42)]);
      await pub.commit({ runId: "up" });
      const after = vs(await h.store.readRows("ids"));
      assert.deepEqual(after, [
        ...range(0, 5),
        500,
        ...range(6, 42),
        42,
      ]);

      // A rewrite over the appended version copies it in order.
      pub = await h.store.beginPublication();
      await pub.append("ids", [row(43)]);
      await pub.upsert("ids", [{ ...row(0), v: -1 }]);
      await pub.commit({ runId: "mixed" });
      assert.deepEqual(vs(await h.store.readRows("ids")), [
        -1,
        ...after.slice(1),
        43,
      ]);
      await h.reopen();
      assert.deepEqual(
        vs(await h.store.readRows("ids", { offset: 40 })),
        [40, 41, 42, 43],
      );
    } finally {
      Object.assign(orderTuning, saved);
    }
  });
}
