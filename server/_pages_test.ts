import assert from "node:assert/strict";
import { openStore } from "../stores/mod.ts";
import type { ReadOptions, TableDef } from "../stores/store.ts";
import { orderStats, orderTuning } from "../stores/_order_plan.ts";
import { makeApp, storeTest } from "../tests/_helpers.ts";
import { seed } from "../tests/_store_contract_util.ts";
import { bruteSort } from "../tests/_store_contract_order.ts";
import { readPage } from "./_pages.ts";
import { parseOrder } from "./api/tables.ts";
import { createServer } from "./mod.ts";

const SCHEMA = {
  id: "Text",
  n: "Integer",
  f: "Float",
  ok: "Boolean",
  d: "Decimal",
  day: "Date",
  at: "DateTime",
  t: "Time",
  j: "Json",
  b: "Binary",
  long: "LongText",
} as const;

function row(i: number) {
  return {
    id: `k${i}`,
    n: i % 7 === 0 ? null : i,
    f: i / 3,
    ok: i % 2 === 0,
    d: `${i}.50`,
    day: "2026-01-02",
    at: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    t: "12:34:56",
    j: { i, tags: ["a", i] },
    b: new Uint8Array([i % 256, 1, 2]),
    long: "x".repeat(i % 10),
  };
}

Deno.test("readPage: deep pages of every type equal slices of the whole table, seek or not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runnel_pages_" });
  const store = await openStore(undefined, dir);
  const saved = { ...orderTuning };
  // Small thresholds: these tables count as large, deep pages start at 1,000.
  Object.assign(orderTuning, { indexFrom: 1_000, step: 1_000 });
  try {
    const pub = await store.beginPublication();
    await pub.init("t", { schema: { ...SCHEMA }, uniqueOn: ["id"] });
    await pub.append("t", Array.from({ length: 12_000 }, (_, i) => row(i)));
    await pub.commit({ runId: "r" });
    const check = async (label: string) => {
      const info = (await store.describeTable("t"))!;
      const all = await store.readRows("t");
      for (const offset of [0, 4_999, 5_000, 7_777, 11_990, 11_999, 12_000]) {
        assert.deepEqual(
          await readPage(store, info, offset, 20),
          all.slice(offset, offset + 20),
          `${label}: offset ${offset}`,
        );
      }
    };
    // Consecutive rowids: deep pages are rowid seeks.
    let seeks = orderStats.rowidSeeks;
    await check("appended");
    assert.ok(orderStats.rowidSeeks - seeks >= 5, "deep pages sought");
    // An upsert updates rows in place and appends new ones: still seeks.
    const up = await store.beginPublication();
    await up.upsert("t", [{ ...row(3), f: 99 }, { ...row(20_000) }]);
    await up.commit({ runId: "r2" });
    seeks = orderStats.rowidSeeks;
    await check("after upsert");
    assert.ok(orderStats.rowidSeeks > seeks, "still sought");
    // Ordered pages as readRows gives them.
    const after = (await store.describeTable("t"))!;
    assert.deepEqual(
      await readPage(store, after, 6_000, 5, [{ column: "f", desc: true }]),
      await store.readRows("t", {
        offset: 6_000,
        limit: 5,
        orderBy: [{ column: "f", desc: true }],
      }),
    );
  } finally {
    Object.assign(orderTuning, saved);
    await store.close();
  }
});

Deno.test("readPage: generated columns through a seek, a column named rowid, past the end", async () => {
  const dir = await Deno.makeTempDir({ prefix: "runnel_pages_" });
  const store = await openStore(undefined, dir);
  const saved = { ...orderTuning };
  Object.assign(orderTuning, { indexFrom: 1_000, step: 1_000 });
  try {
    const pub = await store.beginPublication();
    await pub.init("g", {
      schema: {
        seq: "Integer",
        created: "DateTime",
        v: "Text",
        rowid: "Integer",
      },
      uniqueOn: [],
      addMonotonicId: "seq",
      addCreated: "created",
    });
    await pub.append(
      "g",
      Array.from({ length: 6_000 }, (_, i) => ({ v: `v${i}`, rowid: -i })),
    );
    await pub.commit({ runId: "r" });
    const info = (await store.describeTable("g"))!;
    const seeks = orderStats.rowidSeeks;
    const page = await readPage(store, info, 5_500, 3);
    assert.equal(orderStats.rowidSeeks, seeks + 1, "served by a seek");
    assert.deepEqual(page.map((r) => [r.seq, r.v, r.rowid]), [
      [5_501, "v5500", -5_500],
      [5_502, "v5501", -5_501],
      [5_503, "v5502", -5_502],
    ]);
    assert.ok(page[0]!.created instanceof Date);
    assert.deepEqual(await readPage(store, info, 6_000, 3), []);
  } finally {
    Object.assign(orderTuning, saved);
    await store.close();
  }
});

const SORTABLE: TableDef = {
  schema: { id: "Text", n: "Integer", f: "Float", s: "Text" },
  uniqueOn: ["id"],
};

function sortable(i: number) {
  return {
    id: `k${String(i).padStart(3, "0")}`,
    n: i % 6 === 0 ? null : i % 5,
    f: i % 9 === 0 ? null : ((i * 31) % 17) / 2,
    s: ["b", "a", null, "ab", ""][i % 5]!,
  };
}

storeTest(
  "sorted pages (readPage and the API): any offset, ties and NULLs, index built once",
  async (s) => {
    const saved = { ...orderTuning };
    Object.assign(orderTuning, { indexFrom: 100, step: 16 });
    const dir = await makeApp({
      "graph.yml": "title: Pages\nstores:\n  - table: t\nfunctions: []\n",
    });
    const store = await s.open(dir);
    let closed = false;
    try {
      await seed(
        store,
        "t",
        SORTABLE,
        Array.from({ length: 500 }, (_, i) => sortable(i)),
      );
      const all = await store.readRows("t");
      const info = (await store.describeTable("t"))!;
      const builds = orderStats.builds;
      const orders = ["n", "-n", "s,-n", "-f"];
      for (const text of orders) {
        const order = parseOrder(text, info) as NonNullable<
          ReadOptions["orderBy"]
        >;
        const sorted = bruteSort(all, SORTABLE, order);
        for (const offset of [0, 15, 16, 17, 250, 480, 499, 500]) {
          assert.deepEqual(
            await readPage(store, info, offset, 20, order),
            sorted.slice(offset, offset + 20),
            `order=${text} offset=${offset}`,
          );
        }
        // Paging through gives every row once, in order.
        const walked = [];
        for (let offset = 0; offset < all.length; offset += 37) {
          walked.push(...await readPage(store, info, offset, 37, order));
        }
        assert.deepEqual(walked, sorted, `order=${text} page by page`);
      }
      assert.equal(orderStats.builds - builds, 3, "n and -n share one index");
      await store.close();
      closed = true;

      const server = await createServer({
        appDir: dir,
        storeUrl: s.url,
        watch: false,
        ui: false,
      });
      try {
        for (const [text, offset] of [["-n", 300], ["s,-n", 33]] as const) {
          const res = await server.app.request(
            `/api/tables/t/rows?order=${text}&offset=${offset}&limit=25`,
          );
          assert.equal(res.status, 200);
          const body = await res.json();
          const order = parseOrder(text, info) as NonNullable<
            ReadOptions["orderBy"]
          >;
          assert.deepEqual(
            body.rows.map((r: { id: string }) => r.id),
            bruteSort(all, SORTABLE, order).slice(offset, offset + 25).map((
              r,
            ) => r.id),
          );
          assert.deepEqual(body.order, text.split(","));
        }
        assert.equal(orderStats.builds - builds, 3, "the server reuses them");
        for (
          const [q, re] of [
            [
              "order=nope",
              /Cannot order by "nope": table "t" has no such column \(columns: id, n, f, s\)/,
            ],
            ["order=n,-nope", /"nope"/],
            ["order=-", /Cannot order by ""/],
          ] as const
        ) {
          const res = await server.app.request(`/api/tables/t/rows?${q}`);
          assert.equal(res.status, 400, q);
          assert.match((await res.json()).error, re, q);
        }
      } finally {
        await server.close();
      }
    } finally {
      Object.assign(orderTuning, saved);
      if (!closed) await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
