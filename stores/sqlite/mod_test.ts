import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DataError, StoreError } from "../../core/errors.ts";
import { openSqliteStore } from "./mod.ts";
import { orderStats, orderTuning } from "../_order_plan.ts";
import { ADA, BOB, physicalTables, seed, withDb } from "./_test_util.ts";

Deno.test("sqlite: each table has a view with its committed rows", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const pub = await store.beginPublication();
    await pub.append("people", [BOB]);
    await pub.commit({ runId: "r2" });
    await store.close();

    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const rows = db.prepare("SELECT * FROM people").all();
      assert.deepEqual(rows.map((r) => ({ ...r })), [
        { id: "a", name: "Ada", active: 1, seen: "2024-05-01T10:00:00.000Z" },
        { id: "b", name: "Bob", active: 0, seen: null },
      ]);
      const cat = db.prepare(
        "SELECT physical, version FROM _runnel_tables WHERE name = 'people'",
      ).get() as { physical: string; version: number };
      assert.equal(cat.version, 2);
      const history = db.prepare(
        "SELECT version FROM _runnel_table_versions WHERE table_name = 'people' ORDER BY version",
      ).all().map((r) => r.version);
      assert.deepEqual(history, [1, 2]);
    } finally {
      db.close();
    }
    // The replaced version was dropped; only the committed one is left.
    assert.equal(physicalTables(path).length, 1);
  });
});

Deno.test("sqlite: orphaned physical tables are collected on open", async () => {
  await withDb(async (path) => {
    let store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const pub = await store.beginPublication();
    await pub.append("people", [BOB]);
    await pub.init("ghost", { schema: { x: "Integer" }, uniqueOn: [] });
    assert.equal(physicalTables(path).length, 3);
    await store.close();
    const raw = new DatabaseSync(path);
    raw.exec('CREATE TABLE "__rt_people_deadbeef0000" (id TEXT)');
    raw.close();

    store = await openSqliteStore(path);
    assert.equal(physicalTables(path).length, 1);
    assert.deepEqual(await store.readRows("people"), [ADA]);
    await store.close();
  });
});

Deno.test("sqlite: opening again does not collect a live publication's tables", async () => {
  await withDb(async (path) => {
    const first = await openSqliteStore(path);
    await seed(first, [ADA]);
    const pub = await first.beginPublication();
    await pub.append("people", [BOB]);
    const second = await openSqliteStore(path);
    assert.equal(physicalTables(path).length, 2);
    await pub.commit({ runId: "r2" });
    assert.deepEqual(await second.readRows("people"), [ADA, BOB]);
    await second.close();
    await first.close();
  });
});

Deno.test("sqlite: a killed writer process leaves committed data intact", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    await store.close();
    const mod = new URL("./mod.ts", import.meta.url).href;
    const code = `
      const { openSqliteStore } = await import(${JSON.stringify(mod)});
      const store = await openSqliteStore(${JSON.stringify(path)});
      const pub = await store.beginPublication();
      await pub.append("people", [{ id: "b", name: "Bob" }]);
      Deno.exit(3);`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 3, new TextDecoder().decode(out.stderr));
    assert.equal(physicalTables(path).length, 2);

    const again = await openSqliteStore(path);
    assert.deepEqual(await again.readRows("people"), [ADA]);
    if (Deno.build.os === "linux") assert.equal(physicalTables(path).length, 1);
    await again.close();
  });
});

Deno.test("sqlite: another connection reads the old data during a publication", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const reader = new DatabaseSync(path, { readOnly: true });
    try {
      const count = () =>
        (reader.prepare("SELECT count(*) AS n FROM people").get() as {
          n: number;
        }).n;
      const pub = await store.beginPublication();
      await pub.append("people", [BOB]);
      await pub.truncate("people");
      await pub.append("people", [BOB, { ...ADA, id: "c" }, {
        ...ADA,
        id: "d",
      }]);
      assert.equal(count(), 1);
      await pub.commit({ runId: "r2" });
      assert.equal(count(), 3);
    } finally {
      reader.close();
      await store.close();
    }
  });
});

Deno.test("sqlite: a store written by a newer Runnel is refused", async () => {
  await withDb(async (path) => {
    await (await openSqliteStore(path)).close();
    const db = new DatabaseSync(path);
    db.exec(
      "UPDATE _runnel_meta SET value = '99' WHERE key = 'schema_version'",
    );
    db.close();
    await assert.rejects(openSqliteStore(path), (err: Error) => {
      assert.ok(err instanceof StoreError);
      assert.match(err.message, /newer Runnel/);
      assert.match(err.message, /99/);
      return true;
    });
  });
});

Deno.test("sqlite: a file that is not a database is a StoreError", async () => {
  await withDb(async (path) => {
    await Deno.writeTextFile(path, "this is not sqlite ".repeat(100));
    await assert.rejects(openSqliteStore(path), StoreError);
  });
});

Deno.test("sqlite: a concurrent commit of a copied table is refused", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const slow = await store.beginPublication();
    await slow.append("people", [BOB]);
    const fast = await store.beginPublication();
    await fast.append("people", [{ ...BOB, id: "c" }]);
    await fast.commit({ runId: "fast" });
    await assert.rejects(slow.commit({ runId: "slow" }), /changed while/);
    await slow.discard();
    assert.deepEqual((await store.readRows("people")).map((r) => r.id), [
      "a",
      "c",
    ]);
    await store.close();
  });
});

Deno.test("sqlite: query() cannot reach the catalog or run pragmas", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const pub = await store.beginPublication();
    for (
      const sql of [
        "SELECT * FROM _runnel_tables",
        "SELECT * FROM sqlite_master",
        "PRAGMA table_info(people)",
        "SELECT * FROM pragma_table_info('people')",
        "ATTACH 'other.db' AS other",
        "SELECT load_extension('x')",
      ]
    ) {
      await assert.rejects(pub.query(sql, [], ["people"]), DataError, sql);
    }
    // The view name works too, and reads the committed version.
    assert.deepEqual(await pub.query("SELECT id FROM people", [], ["people"]), [
      { id: "a" },
    ]);
    await pub.discard();
    await store.close();
  });
});

Deno.test("sqlite: a table whose columns hide every row id name is refused and nothing changes", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const before = await store.describeTable("people");
    const pub = await store.beginPublication();
    await assert.rejects(
      pub.init("ids", {
        schema: { RowId: "Integer", _rowid_: "Text", oid: "Text" },
        uniqueOn: [],
      }),
      (err: unknown) =>
        err instanceof DataError &&
        /table "ids".*rowid, _rowid_ and oid.*rename one of them/.test(
          err.message,
        ),
    );
    await pub.discard();
    // Two of the three hidden is fine: the third reaches the row order.
    const ok = await store.beginPublication();
    await ok.init("two", {
      schema: { rowid: "Integer", OID: "Integer" },
      uniqueOn: [],
    });
    await ok.append("two", [{ rowid: 2, OID: 1 }, { rowid: 1, OID: 2 }]);
    await ok.commit({ runId: "r2" });
    assert.deepEqual(await store.readRows("two", { offset: 1 }), [
      { rowid: 1, OID: 2 },
    ]);
    assert.equal(await store.describeTable("ids"), undefined);
    assert.deepEqual(await store.describeTable("people"), before);
    await store.close();
    assert.equal(physicalTables(path).length, 2);
  });
});

Deno.test("sqlite: deep pages seek by rowid only while rowids are consecutive", async () => {
  await withDb(async (path) => {
    const saved = { ...orderTuning };
    Object.assign(orderTuning, { indexFrom: 100, step: 100 });
    try {
      const store = await openSqliteStore(path);
      const pub = await store.beginPublication();
      await pub.init("n", { schema: { i: "Integer" }, uniqueOn: [] });
      await pub.append("n", Array.from({ length: 1_000 }, (_, i) => ({ i })));
      await pub.commit({ runId: "r" });
      const page = async () =>
        (await store.readRows("n", { offset: 990, limit: 20 })).map((r) => r.i);
      const expected = Array.from({ length: 10 }, (_, k) => 990 + k);
      let seeks = orderStats.rowidSeeks;
      assert.deepEqual(await page(), expected);
      assert.equal(orderStats.rowidSeeks, seeks + 1);
      // A gap in the rowids (not made by Runnel itself): bookmarks instead.
      const raw = new DatabaseSync(path);
      const [physical] = physicalTables(path);
      raw.exec(
        `UPDATE "${physical}" SET rowid = rowid + 5000 WHERE rowid = (SELECT max(rowid) FROM "${physical}")`,
      );
      raw.close();
      seeks = orderStats.rowidSeeks;
      assert.deepEqual(await page(), expected);
      assert.equal(orderStats.rowidSeeks, seeks, "no seek over a gap");
      await store.close();
    } finally {
      Object.assign(orderTuning, saved);
    }
  });
});
