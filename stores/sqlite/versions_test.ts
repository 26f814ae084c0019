import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DataError } from "../../core/errors.ts";
import { openSqliteStore } from "./mod.ts";
import { ADA, BOB, physicalTables, seed, withDb } from "./_test_util.ts";

Deno.test("sqlite: an identical commit keeps the committed physical table", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA, BOB]);
    const [before] = physicalTables(path);
    const pub = await store.beginPublication();
    await pub.truncate("people");
    await pub.append("people", [BOB, ADA]);
    assert.equal(physicalTables(path).length, 2);
    const summary = await pub.commit({ runId: "r2" });
    assert.deepEqual(summary.changed, []);
    assert.deepEqual(physicalTables(path), [before]);
    assert.deepEqual(await store.readRows("people"), [ADA, BOB]);
    await store.close();
  });
});

Deno.test("sqlite: a failed commit saves no cache record or state", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const slow = await store.beginPublication();
    await slow.append("people", [BOB]);
    slow.setState("n", { x: 1 });
    slow.setNodeCache({
      nodeId: "n",
      key: "k",
      components: {},
      runId: "slow",
      savedAt: new Date(),
    });
    const fast = await store.beginPublication();
    await fast.append("people", [{ ...BOB, id: "c" }]);
    await fast.commit({ runId: "fast" });
    await assert.rejects(slow.commit({ runId: "slow" }), /changed while/);
    await slow.discard();
    assert.equal((await store.getNodeCache()).size, 0);
    assert.deepEqual(await store.getState("n"), {});
    await store.close();
  });
});

Deno.test("sqlite: materialize() infers Text for text mixed with numbers, refuses mixed blobs", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA, BOB]);
    const pub = await store.beginPublication();
    const people = await pub.sqlName("people");
    await pub.materialize(
      "mixed",
      `SELECT CASE WHEN id = 'a' THEN 'x' ELSE 1.5 END AS v, active FROM ${people}`,
      [],
      ["people"],
    );
    // `active` is selected straight from a Boolean column: it stays one.
    assert.deepEqual((await pub.describe("mixed"))?.schema, {
      v: "Text",
      active: "Boolean",
    });
    assert.deepEqual(await pub.read("mixed"), [
      { v: "x", active: true },
      { v: "1.5", active: false },
    ]);
    await assert.rejects(
      pub.materialize(
        "bad",
        `SELECT CASE WHEN id = 'a' THEN x'00' ELSE 1 END AS v FROM ${people}`,
        [],
        ["people"],
      ),
      (err: Error) => err instanceof DataError && /"v" mixes/.test(err.message),
    );
    // The rows are hashed as stored: a rewrite of the same values is no change.
    await pub.commit({ runId: "r2" });
    const again = await store.beginPublication();
    await again.init("mixed", {
      schema: { v: "Text", active: "Boolean" },
      uniqueOn: [],
    });
    await again.truncate("mixed");
    await again.append("mixed", [{ v: "1.5", active: false }, {
      v: "x",
      active: true,
    }]);
    assert.deepEqual((await again.commit({ runId: "r3" })).changed, []);
    await store.close();
  });
});

Deno.test("sqlite: a store of schema version 1 is upgraded in place", async () => {
  await withDb(async (path) => {
    let store = await openSqliteStore(path);
    await seed(store, [ADA, BOB]);
    const before = await store.describeTable("people");
    await store.close();
    // Turn the file back into the version-1 layout.
    const db = new DatabaseSync(path);
    const [physical] = physicalTables(path);
    db.exec(`
      ALTER TABLE "${physical}" DROP COLUMN "runnel:rh";
      ALTER TABLE _runnel_tables DROP COLUMN content_version;
      ALTER TABLE _runnel_tables DROP COLUMN hash_lo;
      ALTER TABLE _runnel_tables DROP COLUMN hash_hi;
      ALTER TABLE _runnel_table_versions DROP COLUMN content_version;
      DROP TABLE _runnel_node_cache;
      UPDATE _runnel_meta SET value = '1' WHERE key = 'schema_version';
      CREATE TABLE "__rt_people_0123456789ab" (id TEXT);`);
    db.close();

    store = await openSqliteStore(path);
    const after = await store.describeTable("people");
    assert.equal(after?.contentVersion, before?.contentVersion);
    assert.equal(after?.version, 1);
    assert.deepEqual(await store.readRows("people"), [ADA, BOB]);
    assert.deepEqual(physicalTables(path), [physical]);
    const pub = await store.beginPublication();
    await pub.upsert("people", [BOB]);
    assert.deepEqual((await pub.commit({ runId: "r2" })).changed, []);
    const grow = await store.beginPublication();
    await grow.append("people", [{ ...BOB, id: "c" }]);
    grow.setNodeCache({
      nodeId: "n",
      key: "k",
      components: {},
      runId: "r3",
      savedAt: new Date(),
    });
    assert.deepEqual((await grow.commit({ runId: "r3" })).versions, {
      people: 2,
    });
    assert.equal((await store.getNodeCache()).get("n")?.key, "k");
    await store.close();
    const check = new DatabaseSync(path, { readOnly: true });
    assert.equal(
      (check.prepare(
        "SELECT value FROM _runnel_meta WHERE key = 'schema_version'",
      ).get() as { value: string }).value,
      "2",
    );
    check.close();
  });
});

Deno.test("sqlite: a version a read snapshot shows outlives its replacement until the snapshot closes", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA, BOB]);
    const [old] = physicalTables(path);
    const snap = await store.openSnapshot(["people"]);
    const pub = await store.beginPublication();
    await pub.truncate("people");
    await pub.append("people", [BOB]);
    await pub.commit({ runId: "r2" });
    // Neither the commit nor another instance's garbage collection drops it.
    const other = await openSqliteStore(path);
    assert.equal(physicalTables(path).length, 2);
    assert.ok(physicalTables(path).includes(old!));
    await snap.close();
    assert.equal(physicalTables(path).length, 1);
    assert.ok(!physicalTables(path).includes(old!));
    await other.close();
    await store.close();
  });
});

Deno.test("sqlite: a pin left by a process that died holds nothing", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const [old] = physicalTables(path);
    const db = new DatabaseSync(path);
    // No process has this pid (above Linux's pid_max); the pin is a day old.
    db.prepare(
      "INSERT INTO _runnel_pins (physical, snapshot, pid, host, created_at) VALUES (?, 'gone', 99999999, 'elsewhere', ?)",
    ).run(old!, new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString());
    db.close();
    const pub = await store.beginPublication();
    await pub.truncate("people");
    await pub.append("people", [BOB]);
    await pub.commit({ runId: "r2" });
    assert.equal(physicalTables(path).length, 1);
    assert.ok(!physicalTables(path).includes(old!));
    await store.close();
  });
});
