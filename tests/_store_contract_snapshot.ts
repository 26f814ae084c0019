/**
 * Contract tests: a read snapshot shows the committed tables as they were
 * when it was opened, through appends, new versions and new tables
 * committed by this store or another instance, until it is closed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { NotFoundError } from "../core/errors.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, PEOPLE, person, rejects, seed } from "./_store_contract_util.ts";

/** Registers the snapshot tests. */
export function registerSnapshotTests(test: ContractTest): void {
  test("snapshot: reads and counts stay put through appends, new versions and other instances", async (h) => {
    await seed(
      h.store,
      "people",
      PEOPLE,
      ["a", "b", "c"].map((id) => person(id)),
    );
    const other = await h.second();
    const snap = await h.store.openSnapshot(["people", "later"]);
    try {
      // Appended in place by this instance, rewritten by another.
      const pub = await h.store.beginPublication();
      await pub.init("people", PEOPLE);
      await pub.append("people", [person("d")]);
      await pub.commit({ runId: "append" });
      const rewrite = await other.beginPublication();
      await rewrite.init("people", PEOPLE);
      await rewrite.truncate("people");
      await rewrite.append("people", [person("x")]);
      await rewrite.commit({ runId: "rewrite" });
      await seed(other, "later", PEOPLE, [person("y")]);
      assert.deepEqual(col(await h.store.readRows("people"), "id"), ["x"]);

      assert.equal(snap.describe("people")?.rowCount, 3);
      assert.deepEqual(col(await snap.read("people"), "id"), ["a", "b", "c"]);
      assert.deepEqual(
        col(await snap.read("people", { offset: 1, limit: 5 }), "id"),
        ["b", "c"],
      );
      assert.equal(snap.describe("later"), undefined);
      await rejects(
        snap.read("later"),
        NotFoundError,
        /"later" does not exist/,
      );
    } finally {
      await snap.close();
      await snap.close();
    }
    // A new snapshot sees what is committed now.
    const now = await h.store.openSnapshot(["people"]);
    try {
      assert.deepEqual(col(await now.read("people"), "id"), ["x"]);
    } finally {
      await now.close();
    }
  });
}
