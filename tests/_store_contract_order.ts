/**
 * Contract tests: sorted reads. Every page of `readRows` with `orderBy`
 * equals the same slice of a brute-force sort of all rows in JS, with the
 * documented order: NULL is the smallest value (first ascending, last
 * descending), ties keep insertion order — reversed when the first order
 * column is descending, so descending is exactly the reverse of ascending.
 * The indexed page path of large tables (thresholds lowered here) and the
 * full sort must agree at every offset, also after the table changes.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ColumnType, Row } from "../core/schema/schema.ts";
import type { ReadOptions, Store, TableDef } from "../stores/mod.ts";
import { orderStats, orderTuning } from "../stores/_order_plan.ts";
import type { ContractTest } from "./store_contract.ts";
import { col, rejects, seed } from "./_store_contract_util.ts";
import { DataError } from "../core/errors.ts";

/** Every sortable type, one unindexable one, heavy ties and NULLs. */
const SORTED: TableDef = {
  schema: {
    id: "Text",
    n: "Integer",
    f: "Float",
    t: "Text",
    d: "Decimal",
    b: "Boolean",
    day: "Date",
    at: "DateTime",
    tm: "Time",
    long: "LongText",
  },
  uniqueOn: ["id"],
};

const WORDS = ["b", "a", "B", "ab", "", "a b", "é", "Z"];

function sortedRow(i: number): Row {
  const ms = Date.UTC(2026, 0, 1) + ((i * 7) % 13) * 60_000;
  return {
    id: `r${String(i).padStart(4, "0")}`,
    n: i % 5 === 0 ? null : (i * 3) % 4 - 1,
    f: i % 7 === 0 ? null : ((i * 37) % 50) / 4 - 3,
    t: i % 6 === 0 ? null : WORDS[i % WORDS.length]!,
    d: i % 9 === 0 ? null : `${((i * 13) % 40) - 20}.${i % 2 ? "50" : "5"}`,
    b: i % 8 === 0 ? null : i % 3 === 0,
    day: i % 10 === 0
      ? null
      : `2026-01-${String(1 + (i % 17)).padStart(2, "0")}`,
    at: i % 11 === 0 ? null : new Date(ms),
    tm: `0${i % 3}:00:00`,
    long: i % 4 === 0 ? null : "x".repeat(i % 5),
  };
}

const bytes = new TextEncoder();

function compareValues(type: ColumnType, a: unknown, b: unknown): number {
  if (a === null || a === undefined) {
    return b === null || b === undefined ? 0 : -1;
  }
  if (b === null || b === undefined) return 1;
  switch (type) {
    case "Integer":
    case "Float":
    case "Decimal":
      return Number(a) - Number(b);
    case "Boolean":
      return Number(a) - Number(b);
    case "DateTime":
      return (a as Date).getTime() - (b as Date).getTime();
    default: {
      const x = bytes.encode(String(a)), y = bytes.encode(String(b));
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        if (x[i] !== y[i]) return x[i]! - y[i]!;
      }
      return x.length - y.length;
    }
  }
}

/** All rows (in insertion order) sorted as the contract says. */
export function bruteSort(
  rows: Row[],
  def: TableDef,
  orderBy: NonNullable<ReadOptions["orderBy"]>,
): Row[] {
  const tie = orderBy[0]?.desc ? -1 : 1;
  return rows.map((row, pos) => ({ row, pos })).sort((x, y) => {
    for (const o of orderBy) {
      const c = compareValues(
        def.schema[o.column]!,
        x.row[o.column],
        y.row[o.column],
      );
      if (c !== 0) return o.desc ? -c : c;
    }
    return (x.pos - y.pos) * tie;
  }).map((e) => e.row);
}

const ORDERS: NonNullable<ReadOptions["orderBy"]>[] = [
  [],
  ...Object.keys(SORTED.schema).flatMap((column) => [
    [{ column }],
    [{ column, desc: true }],
  ]),
  [{ column: "n" }, { column: "f", desc: true }],
  [{ column: "b", desc: true }, { column: "t" }, { column: "d" }],
  [{ column: "day" }, { column: "at", desc: true }, { column: "day" }],
];

/** Orders re-checked after changes: ties, NULLs, several columns. */
const SOME = ORDERS.filter((_, i) => i % 4 === 0 || i >= ORDERS.length - 3);

/** Reads every order at offsets around the marks and compares with `rows` sorted in JS. */
async function checkPages(
  store: Store,
  table: string,
  rows: Row[],
  orders = ORDERS,
) {
  const step = orderTuning.step, n = rows.length;
  const offsets = [
    0,
    1,
    step - 1,
    step,
    step + 1,
    3 * step + 2,
    n >> 1,
    n - 7,
    n - 1,
    n,
  ];
  for (const orderBy of orders) {
    const all = bruteSort(rows, SORTED, orderBy);
    const what = orderBy.map((o) => (o.desc ? "-" : "") + o.column).join(",");
    assert.deepEqual(await store.readRows(table, { orderBy }), all, what);
    for (const offset of offsets) {
      for (const limit of [1, step + 3]) {
        assert.deepEqual(
          await store.readRows(table, { orderBy, offset, limit }),
          all.slice(offset, offset + limit),
          `order=${what} offset=${offset} limit=${limit}`,
        );
      }
    }
  }
}

/** Registers the sorted-read tests. */
export function registerOrderTests(test: ContractTest): void {
  test("sorted pages equal a full sort in JS: every type, ties, NULLs, both directions", async (h) => {
    const saved = { ...orderTuning };
    Object.assign(orderTuning, { indexFrom: 100, step: 16 });
    try {
      const rows = Array.from({ length: 300 }, (_, i) => sortedRow(i));
      await seed(h.store, "sorted", SORTED, rows);
      const stored = await h.store.readRows("sorted");
      assert.equal(stored.length, 300);
      const before = orderStats.indexedPages;
      await checkPages(h.store, "sorted", stored);
      assert.ok(orderStats.indexedPages > before, "pages came from an index");
      // The full sort (a small table) gives the very same pages.
      orderTuning.indexFrom = 1_000_000;
      const indexed = orderStats.indexedPages;
      await checkPages(h.store, "sorted", stored, SOME);
      assert.equal(orderStats.indexedPages, indexed, "all sorted in full");
      orderTuning.indexFrom = 100;
      // After appends and an upsert, pages follow the new contents.
      const pub = await h.store.beginPublication();
      await pub.append("sorted", [300, 301, 302].map(sortedRow));
      await pub.commit({ runId: "more" });
      await checkPages(
        h.store,
        "sorted",
        await h.store.readRows("sorted"),
        SOME,
      );
      const up = await h.store.beginPublication();
      await up.upsert("sorted", [{ ...sortedRow(5), n: 99, t: null }]);
      await up.commit({ runId: "up" });
      await checkPages(
        h.store,
        "sorted",
        await h.store.readRows("sorted"),
        SOME,
      );
    } finally {
      Object.assign(orderTuning, saved);
    }
  });

  test("sorted reads: descending is the exact reverse of ascending", async (h) => {
    const rows = [
      { id: "a", name: "x", age: 2 },
      { id: "b", name: "y", age: null },
      { id: "c", name: "z", age: 2 },
      { id: "d", name: "w", age: 1 },
      { id: "e", name: "v", age: null },
    ];
    await seed(h.store, "people", {
      schema: { id: "Text", name: "Text", age: "Integer" },
      uniqueOn: ["id"],
    }, rows);
    const ids = async (desc: boolean, opts: ReadOptions = {}) =>
      (await h.store.readRows("people", {
        ...opts,
        orderBy: [{ column: "age", desc }],
      })).map((r) => r.id);
    assert.deepEqual(await ids(false), ["b", "e", "d", "a", "c"]);
    assert.deepEqual(await ids(true), ["c", "a", "d", "e", "b"]);
    assert.deepEqual(await ids(true, { offset: 1, limit: 3 }), ["a", "d", "e"]);
    const pub = await h.store.beginPublication();
    const staged = await pub.read("people", {
      orderBy: [{ column: "age", desc: true }],
    });
    assert.deepEqual(staged.map((r) => r.id), ["c", "a", "d", "e", "b"]);
    await pub.discard();
  });

  test("sorted reads: Json and unknown columns are refused, committed or staged", async (h) => {
    await seed(h.store, "docs", {
      schema: { id: "Text", body: "Json" },
      uniqueOn: ["id"],
    }, [{ id: "a", body: { b: 1, a: [2] } }, { id: "b", body: "text" }]);
    const json =
      /Cannot order table "docs" by "body": it is a Json column, and JSON values have no order; order by another column/;
    await rejects(
      h.store.readRows("docs", { orderBy: [{ column: "body" }] }),
      DataError,
      json,
    );
    await rejects(
      h.store.readRows("docs", {
        orderBy: [{ column: "id" }, { column: "body", desc: true }],
        limit: 1,
      }),
      DataError,
      json,
    );
    await rejects(
      h.store.readRows("docs", { orderBy: [{ column: "constructor" }] }),
      DataError,
      /"constructor": no such column \(columns: id, body\)/,
    );
    const pub = await h.store.beginPublication();
    await pub.append("docs", [{ id: "c", body: null }]);
    await rejects(
      pub.read("docs", { orderBy: [{ column: "body" }] }),
      DataError,
      json,
    );
    assert.deepEqual(
      col(
        await pub.read("docs", { orderBy: [{ column: "id", desc: true }] }),
        "id",
      ),
      ["c", "b", "a"],
    );
    await pub.discard();
  });
}
