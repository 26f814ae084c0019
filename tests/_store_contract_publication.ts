/**
 * Contract tests: publications (isolation, atomic commit, discard, crash
 * recovery, versions, state) and read-only queries.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DataError, StoreError } from "../core/errors.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, EVENTS, PEOPLE, rejects, seed } from "./_store_contract_util.ts";
import { registerGeneratedTests } from "./_store_contract_generated.ts";
import { registerQueryTests } from "./_store_contract_query.ts";

/** Registers the publication tests. */
export function registerPublicationTests(test: ContractTest): void {
  test("a publication is invisible to others until commit", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const pub = await h.store.beginPublication();
    const other = await h.store.beginPublication();
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await pub.init("fresh", EVENTS);
    await pub.append("fresh", [{ kind: "k", n: 1 }]);

    assert.deepEqual(col(await pub.read("people"), "id"), ["a", "b"]);
    assert.deepEqual(col(await h.store.readRows("people"), "id"), ["a"]);
    assert.deepEqual(col(await other.read("people"), "id"), ["a"]);
    assert.equal(await other.count("people"), 1);
    assert.equal(await other.count("fresh"), 0);
    assert.equal(await h.store.describeTable("fresh"), undefined);
    assert.equal((await h.store.describeTable("people"))?.rowCount, 1);
    assert.deepEqual((await h.store.listTables()).map((t) => t.name), [
      "people",
    ]);

    await pub.commit({ runId: "r2" });
    assert.deepEqual(col(await h.store.readRows("people"), "id"), ["a", "b"]);
    assert.deepEqual(col(await other.read("people"), "id"), ["a", "b"]);
    assert.deepEqual(await other.read("fresh"), [{ kind: "k", n: 1 }]);
    await other.discard();
  });

  test("commit publishes several tables and state atomically, with versions", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const pub = await h.store.beginPublication();
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await pub.init("events", EVENTS);
    await pub.append("events", [{ kind: "x", n: 1 }]);
    pub.setState("node_a", { cursor: 42, seen: ["a", "b"] });
    const summary = await pub.commit({ runId: "run_2", nodeId: "node_a" });
    assert.deepEqual(summary.versions, { events: 1, people: 2 });
    const tables = await h.store.listTables();
    assert.deepEqual(tables.map((t) => [t.name, t.version, t.rowCount]), [
      ["events", 1, 1],
      ["people", 2, 2],
    ]);
    for (const t of tables) {
      assert.equal(t.runId, "run_2");
      assert.equal(t.nodeId, "node_a");
    }
    assert.deepEqual(await h.store.getState("node_a"), {
      cursor: 42,
      seen: ["a", "b"],
    });

    const again = await h.store.beginPublication();
    await again.upsert("people", [{ id: "a", name: "Ada L.", age: 37 }]);
    assert.deepEqual((await again.commit({ runId: "run_3" })).versions, {
      people: 3,
    });
    const info = await h.store.describeTable("people");
    assert.equal(info?.version, 3);
    assert.equal(info?.runId, "run_3");
    assert.equal(info?.nodeId, undefined);
    assert.equal((await h.store.describeTable("events"))?.version, 1);

    // A publication is single-use.
    await rejects(again.append("people", []), StoreError);
    await rejects(again.commit({ runId: "run_4" }), StoreError);
    await again.discard();
  });

  test("discard leaves everything unchanged", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const before = await h.store.listTables();
    const pub = await h.store.beginPublication();
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await pub.truncate("people");
    await pub.init("other", EVENTS);
    pub.setState("n", { x: 1 });
    await pub.discard();
    await pub.discard();
    assert.deepEqual(await h.store.listTables(), before);
    assert.deepEqual(col(await h.store.readRows("people"), "id"), ["a"]);
    assert.deepEqual(await h.store.getState("n"), {});
    await rejects(pub.commit({ runId: "r" }), StoreError);

    const done = await h.store.beginPublication();
    await done.append("people", [{ id: "c", name: "Cleo", age: 3 }]);
    await done.commit({ runId: "r3" });
    await done.discard();
    assert.deepEqual(col(await h.store.readRows("people"), "id"), ["a", "c"]);
  });

  test("an uncommitted publication leaves nothing behind after a crash", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const pub = await h.store.beginPublication();
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await pub.init("ghost", EVENTS);
    await pub.append("ghost", [{ kind: "boo", n: 1 }]);
    pub.setState("n", { lost: true });
    const store = await h.reopen();
    assert.deepEqual((await store.listTables()).map((t) => t.name), [
      "people",
    ]);
    assert.deepEqual(await store.readRows("people"), [
      { id: "a", name: "Ada", age: 1 },
    ]);
    assert.equal((await store.describeTable("people"))?.version, 1);
    assert.deepEqual(await store.getState("n"), {});
    const next = await store.beginPublication();
    await next.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    await next.commit({ runId: "r2" });
    assert.equal((await store.describeTable("people"))?.version, 2);
    assert.equal((await store.describeTable("people"))?.rowCount, 2);
  });

  test("node state is written only by a committed publication", async (h) => {
    assert.deepEqual(await h.store.getState("n1"), {});
    let pub = await h.store.beginPublication();
    pub.setState("n1", { a: 1 });
    pub.setState("n1", { a: 2, nested: { list: [1, "x", null] } });
    assert.deepEqual(await h.store.getState("n1"), {});
    await pub.commit({ runId: "r1", nodeId: "n1" });
    assert.deepEqual(await h.store.getState("n1"), {
      a: 2,
      nested: { list: [1, "x", null] },
    });

    pub = await h.store.beginPublication();
    pub.setState("n1", { b: 3 });
    await pub.discard();
    assert.deepEqual(await h.store.getState("n1"), {
      a: 2,
      nested: { list: [1, "x", null] },
    });

    pub = await h.store.beginPublication();
    pub.setState("n1", { b: 3 });
    await pub.commit({ runId: "r2", nodeId: "n1" });
    assert.deepEqual(await h.store.getState("n1"), { b: 3 });
    assert.deepEqual(await h.store.getState("n2"), {});
    await h.reopen();
    assert.deepEqual(await h.store.getState("n1"), { b: 3 });
  });

  test("sqlName names the visible version", async (h) => {
    await seed(h.store, "people", PEOPLE, [{ id: "a", name: "Ada", age: 1 }]);
    const pub = await h.store.beginPublication();
    const committed = await pub.sqlName("people");
    assert.equal(typeof committed, "string");
    await pub.append("people", [{ id: "b", name: "Bob", age: 2 }]);
    const staged = await pub.sqlName("people");
    const rows = await pub.query(
      `SELECT count(*) AS n FROM ${staged}`,
      [],
      ["people"],
    );
    assert.equal(rows[0]?.n, 2);
    await rejects(pub.upsert("people", [{ id: null }]), DataError);
    await pub.discard();
  });

  registerGeneratedTests(test);
  registerQueryTests(test);
}
