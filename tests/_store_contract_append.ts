/**
 * Contract tests: publications that only append to a committed table (the
 * stores commit them at the cost of the appended rows) behave exactly like
 * any other publication: invisible until an atomic commit, discarded
 * without a trace, read back as committed rows plus appended ones, with
 * the content version a full rewrite of the same rows has, and generated
 * columns that carry on. Mixed writes: `_store_contract_append_mixed.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Row } from "../core/schema/schema.ts";
import { DataError } from "../core/errors.ts";
import type { Store, TableDef } from "../stores/mod.ts";
import type { ContractTest } from "./store_contract.ts";
import {
  col,
  EVENTS,
  PEOPLE,
  person,
  rejects,
  seed,
} from "./_store_contract_util.ts";
import { registerMixedAppendTests } from "./_store_contract_append_mixed.ts";

/** Webhook-shaped: store-filled id and time, one JSON column. */
const HOOK: TableDef = {
  schema: { _id: "Integer", _created: "DateTime", record: "Json" },
  uniqueOn: [],
  addMonotonicId: "_id",
  addCreated: "_created",
};

/** One publication that (re)declares `table` with its committed definition and appends `rows`. */
async function appendCommit(
  store: Store,
  table: string,
  def: TableDef,
  rows: Row[],
  runId = "append",
) {
  const pub = await store.beginPublication();
  await pub.init(table, def);
  await pub.append(table, rows);
  return await pub.commit({ runId });
}

/** Registers the append-only publication tests. */
export function registerAppendTests(test: ContractTest): void {
  test("append-only publication: invisible until commit, then all at once; reads see committed plus appended rows", async (h) => {
    await seed(
      h.store,
      "people",
      PEOPLE,
      ["a", "b", "c"].map((id) => person(id)),
    );
    const other = await h.second();
    const before = await h.store.describeTable("people");
    const pub = await h.store.beginPublication();
    await pub.init("people", PEOPLE);
    await pub.append("people", [person("d"), person("e")]);
    await pub.append("people", [person("f")]);

    for (const s of [h.store, other]) {
      assert.deepEqual(col(await s.readRows("people"), "id"), ["a", "b", "c"]);
      assert.deepEqual(await s.describeTable("people"), before);
    }
    assert.equal(await pub.count("people"), 6);
    assert.equal((await pub.describe("people"))?.rowCount, 6);
    const ids = async (opts?: { offset?: number; limit?: number }) =>
      col(await pub.read("people", opts), "id");
    assert.deepEqual(await ids(), ["a", "b", "c", "d", "e", "f"]);
    assert.deepEqual(await ids({ offset: 2, limit: 3 }), ["c", "d", "e"]);
    assert.deepEqual(await ids({ offset: 4 }), ["e", "f"]);
    assert.deepEqual(await ids({ offset: 1, limit: 1 }), ["b"]);
    assert.deepEqual(await ids({ offset: 3, limit: 10 }), ["d", "e", "f"]);
    assert.deepEqual(await ids({ offset: 6 }), []);
    assert.deepEqual(await ids({ limit: 0 }), []);
    await rejects(pub.read("people", { offset: -1 }), DataError, /offset/);

    const summary = await pub.commit({ runId: "r2", nodeId: "n2" });
    assert.deepEqual(summary.versions, { people: 2 });
    assert.deepEqual(summary.changed, ["people"]);
    for (const s of [h.store, other]) {
      assert.deepEqual(col(await s.readRows("people"), "id"), [
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
      ]);
      const info = await s.describeTable("people");
      assert.equal(info?.version, 2);
      assert.equal(info?.rowCount, 6);
      assert.equal(info?.runId, "r2");
      assert.equal(info?.contentVersion, summary.contentVersions.people);
    }
    await h.reopen();
    assert.equal((await h.store.readRows("people", { offset: 5 }))[0]?.id, "f");
  });

  test("append-only publication: discard, refused batches and a crash leave the table as it was", async (h) => {
    await seed(h.store, "people", PEOPLE, [person("a"), person("b")]);
    const before = await h.store.describeTable("people");
    let pub = await h.store.beginPublication();
    await pub.append("people", [person("c")]);
    await pub.discard();
    assert.deepEqual(await h.store.describeTable("people"), before);
    assert.deepEqual(col(await h.store.readRows("people"), "id"), ["a", "b"]);

    pub = await h.store.beginPublication();
    await pub.append("people", [person("c")]);
    await rejects(
      pub.append("people", [person("d"), person("a", 9)]),
      DataError,
      /"a" of row 1 is already in the table/,
      /nothing of this batch was written/,
    );
    await rejects(
      pub.append("people", [person("e"), person("c")]),
      DataError,
      /"c" of row 1 is already in the table/,
    );
    await rejects(
      pub.append("people", [person("f"), person("f")]),
      DataError,
      /"f" of row 1 repeats row 0/,
    );
    assert.equal(await pub.count("people"), 3);
    assert.deepEqual(col(await pub.read("people"), "id"), ["a", "b", "c"]);
    await pub.append("people", [person("d")]);
    assert.deepEqual(
      (await pub.commit({ runId: "r2" })).versions,
      { people: 2 },
    );
    assert.deepEqual(col(await h.store.readRows("people"), "id"), [
      "a",
      "b",
      "c",
      "d",
    ]);

    const committed = await h.store.describeTable("people");
    pub = await h.store.beginPublication();
    await pub.append("people", [person("x"), person("y")]);
    const store = await h.reopen(); // the process "died" before commit
    assert.deepEqual(await store.describeTable("people"), committed);
    assert.deepEqual(col(await store.readRows("people"), "id"), [
      "a",
      "b",
      "c",
      "d",
    ]);
    await appendCommit(store, "people", PEOPLE, [person("x")]);
    assert.equal((await store.describeTable("people"))?.rowCount, 5);
  });

  test("append-only publication: content version equals a full rewrite's and changes with every appended row", async (h) => {
    const s = h.store;
    const first: Row[] = [{ kind: "a", n: 1 }, { kind: "b", n: 2 }];
    const more: Row[] = [{ kind: "c", n: 3 }, { kind: "a", n: 1 }];
    await seed(s, "t", EVENTS, first);
    const cv0 = (await s.describeTable("t"))!.contentVersion;

    const pub = await s.beginPublication();
    await pub.append("t", more);
    const staged = (await pub.describe("t"))!.contentVersion;
    assert.notEqual(staged, cv0);
    const summary = await pub.commit({ runId: "r2" });
    const cv1 = summary.contentVersions.t!;
    assert.equal(cv1, staged);
    assert.equal((await s.describeTable("t"))?.contentVersion, cv1);

    // The same rows written from empty, in another order, into another table.
    await seed(s, "u", EVENTS, [...more, ...first].reverse());
    assert.equal((await s.describeTable("u"))?.contentVersion, cv1);

    // Rewriting the table with its own rows is no change at all.
    let again = await s.beginPublication();
    await again.truncate("t");
    await again.append("t", [...first, ...more].reverse());
    let done = await again.commit({ runId: "r3" });
    assert.deepEqual(done.changed, []);
    assert.deepEqual(done.versions, { t: 2 });
    assert.equal(done.contentVersions.t, cv1);

    // Appending nothing changes nothing; appending a duplicate row does.
    done = await appendCommit(s, "t", EVENTS, []);
    assert.deepEqual(done.changed, []);
    assert.equal((await s.describeTable("t"))?.version, 2);
    const cv2 = (await appendCommit(s, "t", EVENTS, [first[0]!]))
      .contentVersions.t!;
    assert.ok(![cv0, cv1].includes(cv2));
    assert.equal((await s.describeTable("t"))?.version, 3);
    again = await s.beginPublication();
    await again.init("u", EVENTS);
    await again.append("u", [first[0]!]);
    assert.equal((await again.commit({ runId: "r4" })).contentVersions.u, cv2);
  });

  test("append-only publication: addMonotonicId carries on across commits and addCreated is filled", async (h) => {
    const t0 = Date.now();
    for (const n of [2, 3, 1]) {
      await appendCommit(
        h.store,
        "hook",
        HOOK,
        Array.from({ length: n }, (_, i) => ({ record: { n, i } })),
      );
    }
    let rows = await h.store.readRows("hook");
    assert.deepEqual(col(rows, "_id"), [1, 2, 3, 4, 5, 6]);
    for (const r of rows) {
      assert.ok(r._created instanceof Date);
      assert.ok(
        r._created.getTime() >= t0 && r._created.getTime() <= Date.now(),
      );
    }
    assert.deepEqual(rows[3]?.record, { n: 3, i: 1 });

    // Ids handed out by a commit whose rows a later truncate removed stay used.
    await appendCommit(h.store, "hook", HOOK, [{ record: 7 }, { record: 8 }]);
    const pub = await h.store.beginPublication();
    await pub.append("hook", [{ record: 9 }]);
    await pub.truncate("hook");
    await pub.append("hook", [{ record: 10 }]);
    await pub.commit({ runId: "r" });
    await appendCommit(h.store, "hook", HOOK, [{ record: 11 }]);
    rows = await h.store.readRows("hook");
    assert.deepEqual(col(rows, "_id"), [10, 11]);
    assert.deepEqual(col(rows, "record"), [10, 11]);
  });
  registerMixedAppendTests(test);
}
