import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StoreError } from "../../core/errors.ts";
import { openSqliteStore } from "./mod.ts";
import { ADA, BOB, PEOPLE, seed, withDb } from "./_test_util.ts";

const CAROL = { id: "c", name: "Carol", active: true, seen: null };
const DAN = { id: "d", name: "Dan", active: false, seen: null };

function pinCount(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM _runnel_pins").get() as {
      n: number;
    }).n;
  } finally {
    db.close();
  }
}

Deno.test("sqlite: snapshots open one after another each see their own moment, sorted and paged", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [BOB, ADA]);
    const first = await store.openSnapshot(["people"]);
    const append = await store.beginPublication();
    await append.append("people", [CAROL]);
    await append.commit({ runId: "r2" });
    const second = await store.openSnapshot(["people"]);
    await first.close();
    // The first one closed: the next one shows nothing of its moment.
    const third = await store.openSnapshot(["people"]);
    const more = await store.beginPublication();
    await more.append("people", [DAN]);
    await more.commit({ runId: "r3" });
    const ids = async (snap: typeof first, desc = false) =>
      (await snap.read("people", { orderBy: [{ column: "id", desc }] }))
        .map((r) => r.id);
    assert.deepEqual(await ids(second), ["a", "b", "c"]);
    assert.deepEqual(await ids(second, true), ["c", "b", "a"]);
    assert.deepEqual(
      (await second.read("people", { offset: 2, limit: 5 })).map((r) => r.id),
      ["c"],
    );
    assert.deepEqual(await ids(third), ["a", "b", "c"]);
    assert.equal(third.describe("people")?.rowCount, 3);
    await assert.rejects(first.read("people"), /snapshot is closed/);
    await second.close();
    await third.close();
    const now = await store.openSnapshot(["people"]);
    assert.deepEqual(await ids(now), ["a", "b", "c", "d"]);
    await now.close();
    assert.equal(pinCount(path), 0);
    await store.close();
  });
});

Deno.test("sqlite: a snapshot of a closed store refuses reads, and closes quietly", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    await seed(store, [ADA]);
    const snap = await store.openSnapshot(["people", "missing"]);
    assert.deepEqual(snap.tables, ["people", "missing"]);
    await store.close();
    await assert.rejects(
      snap.read("people"),
      (err: Error) =>
        err instanceof StoreError && /is closed/.test(err.message),
    );
    await snap.close();
  });
});

Deno.test("sqlite: a table or index named like a table is refused at commit, and nothing is published", async () => {
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    const db = new DatabaseSync(path);
    db.exec(
      `CREATE TABLE mine (a); CREATE TABLE other (a); CREATE INDEX idx ON other (a);`,
    );
    db.close();
    for (const [name, type] of [["mine", "table"], ["idx", "index"]]) {
      const pub = await store.beginPublication();
      await pub.init(name!, PEOPLE);
      await pub.append(name!, [ADA]);
      await assert.rejects(
        pub.commit({ runId: "r" }),
        new RegExp(
          `holds a ${type} named "${name}" that Runnel does not manage`,
        ),
      );
      await pub.discard();
      assert.equal(await store.describeTable(name!), undefined);
    }
    // A delta (rows appended to a committed table) is checked as well.
    await seed(store, [ADA]);
    const raw = new DatabaseSync(path);
    raw.exec(`DROP VIEW people; CREATE TABLE people (a);`);
    raw.close();
    const pub = await store.beginPublication();
    await pub.append("people", [BOB]);
    await assert.rejects(
      pub.commit({ runId: "r2" }),
      /holds a table named "people" that Runnel does not manage/,
    );
    await pub.discard();
    assert.equal((await store.describeTable("people"))?.rowCount, 1);
    await store.close();
  });
});

Deno.test("sqlite: a store file without the case-insensitive name index gets it, and still refuses clashing names", async () => {
  await withDb(async (path) => {
    let store = await openSqliteStore(path);
    await seed(store, [ADA]);
    await store.close();
    const db = new DatabaseSync(path);
    db.exec("DROP INDEX _runnel_tables_nocase");
    db.close();
    store = await openSqliteStore(path);
    const pub = await store.beginPublication();
    await assert.rejects(pub.init("People", PEOPLE), /clashes with existing/);
    await pub.discard();
    await store.close();
    const check = new DatabaseSync(path, { readOnly: true });
    assert.ok(
      check.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = '_runnel_tables_nocase'",
      ).get() !== undefined,
    );
    check.close();
  });
});
