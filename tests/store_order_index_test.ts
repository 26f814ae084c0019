// The order indexes behind sorted pages of large tables, on both stores:
// built once per table version and order (either direction), reused by
// later pages and by other store instances, dropped with their version,
// and skipped — the page then sorted in full — when a writer holds the
// table. Page contents themselves are proven in the contract suite
// (tests/_store_contract_order.ts).

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "npm:postgres@^3.4.5";
import type { Row } from "../core/schema/schema.ts";
import type { Store, TableDef } from "../stores/store.ts";
import { openSqliteStore } from "../stores/sqlite/mod.ts";
import { openPostgresStore } from "../stores/postgres/mod.ts";
import { orderStats, orderTuning } from "../stores/_order_plan.ts";
import { pgUrl, skipReason } from "./_pg_env.ts";
import { seed } from "./_store_contract_util.ts";
import { bruteSort } from "./_store_contract_order.ts";
import { withPgStore } from "./_pg_store.ts";

const DEF: TableDef = {
  schema: { id: "Text", n: "Integer", s: "Text", long: "LongText" },
  uniqueOn: ["id"],
};

function rows(count: number): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    n: i % 5 === 0 ? null : i % 4,
    s: `s${(i * 7) % 13}`,
    long: "x".repeat(i % 3),
  }));
}

/** What the test needs to know of a store's indexes. */
interface Probe {
  physical(): Promise<string>;
  /** Order indexes of a physical table. */
  indexes(physical: string): Promise<string[]>;
}

/** Runs `fn` with the indexed path on from 100 rows, restoring the knobs. */
async function tuned(fn: () => Promise<void>): Promise<void> {
  const saved = { ...orderTuning };
  Object.assign(orderTuning, { indexFrom: 100, step: 16 });
  try {
    await fn();
  } finally {
    Object.assign(orderTuning, saved);
  }
}

async function checkBuiltOnce(
  store: Store,
  reopen: () => Promise<Store>,
  probe: Probe,
  unsortedIndexes: number,
): Promise<void> {
  await seed(store, "t", DEF, rows(300));
  const all = await store.readRows("t");
  const page = (s: Store, column: string, desc: boolean, offset: number) =>
    s.readRows("t", { orderBy: [{ column, desc }], offset, limit: 20 });
  const physical = await probe.physical();
  assert.deepEqual(await probe.indexes(physical), []);
  await store.readRows("t", { orderBy: [{ column: "n" }] });
  assert.deepEqual(await probe.indexes(physical), [], "only pages");

  const builds = orderStats.builds, pages = orderStats.indexedPages;
  await page(store, "n", false, 0);
  const [first] = await probe.indexes(physical);
  assert.ok(first?.startsWith("__ro_"));
  for (const offset of [0, 17, 150, 290]) {
    for (const desc of [false, true]) {
      const sorted = bruteSort(all, DEF, [{ column: "n", desc }]);
      assert.deepEqual(
        await page(store, "n", desc, offset),
        sorted.slice(offset, offset + 20),
      );
    }
  }
  assert.deepEqual(await probe.indexes(physical), [first], "one, both ways");
  assert.equal(orderStats.builds, builds + 1);
  assert.equal(orderStats.indexedPages, pages + 9);

  await page(store, "s", true, 40);
  assert.equal((await probe.indexes(physical)).length, 2);
  await page(store, "long", false, 40); // too large to index: sorted in full
  assert.equal((await probe.indexes(physical)).length, 2);
  assert.equal(orderStats.builds, builds + 2);

  // Another instance (as another process) uses the index it finds.
  const other = await reopen();
  try {
    await page(other, "n", true, 100);
    assert.equal(orderStats.builds, builds + 2);
    assert.equal(orderStats.indexedPages, pages + 11);
  } finally {
    await other.close();
  }

  // A new version starts without indexes; the old one's went with it.
  const pub = await store.beginPublication();
  await pub.upsert("t", [{ id: "r3", n: 42, s: "new", long: "" }]);
  await pub.commit({ runId: "up" });
  const next = await probe.physical();
  assert.notEqual(next, physical);
  assert.deepEqual(await probe.indexes(physical), []);
  assert.deepEqual(await probe.indexes(next), []);
  const changed = await store.readRows("t");
  assert.deepEqual(
    await page(store, "n", false, 280),
    bruteSort(changed, DEF, [{ column: "n" }]).slice(280, 300),
  );
  assert.equal((await probe.indexes(next)).length, 1);

  // Insertion order: SQLite reads by rowid, PostgreSQL indexes the position.
  for (const offset of [0, 33, 250]) {
    assert.deepEqual(
      await store.readRows("t", { offset, limit: 20 }),
      changed.slice(offset, offset + 20),
    );
  }
  assert.equal((await probe.indexes(next)).length, 1 + unsortedIndexes);
}

function sqliteProbe(path: string): Probe {
  const query = <T>(sql: string, ...args: string[]): T[] => {
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      return db.prepare(sql).all(...args) as T[];
    } finally {
      db.close();
    }
  };
  return {
    physical: () =>
      Promise.resolve(
        query<{ physical: string }>(
          "SELECT physical FROM _runnel_tables WHERE name = 't'",
        )[0]!.physical,
      ),
    indexes: (physical) =>
      Promise.resolve(
        query<{ name: string }>(
          "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name LIKE '\\_\\_ro\\_%' ESCAPE '\\' ORDER BY name",
          physical,
        ).map((r) => r.name),
      ),
  };
}

async function withSqlite(fn: (path: string, s: Store) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "runnel_order_" });
  const path = `${dir}/runnel.db`;
  const store = await openSqliteStore(path);
  try {
    await tuned(() => fn(path, store));
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("sqlite: an order index is built once, serves both directions, goes with its version", async () => {
  await withSqlite(async (path, store) => {
    await checkBuiltOnce(
      store,
      () => openSqliteStore(path),
      sqliteProbe(path),
      0,
    );
  });
});

Deno.test("sqlite: while another writer holds the database, pages are sorted in full", async () => {
  await withSqlite(async (path, store) => {
    await seed(store, "t", DEF, rows(300));
    const probe = sqliteProbe(path);
    const physical = await probe.physical();
    const expected = bruteSort(await store.readRows("t"), DEF, [{
      column: "s",
    }]);
    const writer = new DatabaseSync(path);
    writer.exec("BEGIN IMMEDIATE");
    try {
      const page = await store.readRows("t", {
        orderBy: [{ column: "s" }],
        offset: 100,
        limit: 30,
      });
      assert.deepEqual(page, expected.slice(100, 130));
      assert.deepEqual(await probe.indexes(physical), []);
    } finally {
      writer.exec("COMMIT");
      writer.close();
    }
    // Once the writer is done, the next sorted page builds the index.
    orderTuning.retryBusyMs = 0;
    assert.deepEqual(
      await store.readRows("t", {
        orderBy: [{ column: "s" }],
        offset: 200,
        limit: 30,
      }),
      expected.slice(200, 230),
    );
    assert.equal((await probe.indexes(physical)).length, 1);
  });
});

const ignore = skipReason !== undefined;

function pgProbe(raw: postgres.Sql, schema: string): Probe {
  return {
    physical: async () =>
      (await raw.unsafe(
        `SELECT physical FROM "${schema}"._runnel_tables WHERE name = 't'`,
      ))[0]!.physical,
    indexes: async (physical) =>
      (await raw.unsafe(
        `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND left(indexname, 5) = '__ro_' ORDER BY 1`,
        [schema, physical],
      )).map((r) => r.indexname as string),
  };
}

function withPostgres(
  fn: (store: Store, raw: postgres.Sql, schema: string) => Promise<void>,
): Promise<void> {
  return withPgStore((store, raw, schema) =>
    tuned(() => fn(store, raw, schema))
  );
}

Deno.test({
  name:
    "postgres: an order index is built once, serves both directions, goes with its version",
  ignore,
  fn: () =>
    withPostgres(async (store, raw, schema) => {
      await checkBuiltOnce(
        store,
        () => openPostgresStore(pgUrl(schema)),
        pgProbe(raw, schema),
        1,
      );
    }),
});

Deno.test({
  name:
    "postgres: a writer on the table leaves pages sorted in full; commits meanwhile go through",
  ignore,
  fn: () =>
    withPostgres(async (store, raw, schema) => {
      await seed(store, "t", DEF, rows(300));
      const probe = pgProbe(raw, schema);
      const physical = await probe.physical();
      const expected = bruteSort(await store.readRows("t"), DEF, [{
        column: "s",
        desc: true,
      }]);
      const read = (offset: number) =>
        store.readRows("t", {
          orderBy: [{ column: "s", desc: true }],
          offset,
          limit: 30,
        });
      // A transaction appending to the committed table holds it.
      await raw.begin(async (tx) => {
        await tx.unsafe(
          `LOCK TABLE "${schema}"."${physical}" IN ROW EXCLUSIVE MODE`,
        );
        assert.deepEqual(await read(100), expected.slice(100, 130));
        assert.deepEqual(await probe.indexes(physical), []);
      });
      orderTuning.retryBusyMs = 0;
      assert.deepEqual(await read(200), expected.slice(200, 230));
      assert.equal((await probe.indexes(physical)).length, 1);
      // A build racing a commit that replaces the version: both succeed.
      const pub = await store.beginPublication();
      await pub.upsert("t", [{ id: "r1", n: 7, s: "zz", long: "" }]);
      const [page, summary] = await Promise.all([
        store.readRows("t", {
          orderBy: [{ column: "n" }],
          offset: 5,
          limit: 5,
        }),
        pub.commit({ runId: "race" }),
      ]);
      assert.equal(page.length, 5);
      assert.deepEqual(summary.changed, ["t"]);
      const now = await store.readRows("t");
      assert.deepEqual(
        await store.readRows("t", {
          orderBy: [{ column: "n" }],
          offset: 5,
          limit: 5,
        }),
        bruteSort(now, DEF, [{ column: "n" }]).slice(5, 10),
      );
    }),
});
