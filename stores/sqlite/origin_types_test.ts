import assert from "node:assert/strict";
import { openSqliteStore } from "./mod.ts";
import type { TableDef } from "../store.ts";
import { withDb } from "./_test_util.ts";

const TYPED: TableDef = {
  schema: {
    b: "Boolean",
    day: "Date",
    at: "DateTime",
    tm: "Time",
    d: "Decimal",
    j: "Json",
  },
  uniqueOn: [],
};

const ROW = {
  b: true,
  day: "2026-12-07",
  at: new Date(Date.UTC(2026, 11, 7, 6, 30, 1, 250)),
  tm: "23:59:59.5",
  d: "-0.125",
  j: [1, { x: "y" }],
};

/** Materializes `select` (with `$t` for the typed table) and returns its schema and rows. */
async function result(select: string) {
  let out: { schema: unknown; rows: unknown[] } | undefined;
  await withDb(async (path) => {
    const store = await openSqliteStore(path);
    const seedPub = await store.beginPublication();
    await seedPub.init("typed", TYPED);
    await seedPub.append("typed", [ROW, {
      b: false,
      day: null,
      at: null,
      tm: null,
      d: null,
      j: null,
    }]);
    await seedPub.commit({ runId: "seed" });
    const pub = await store.beginPublication();
    const t = await pub.sqlName("typed");
    await pub.materialize("out", select.replaceAll("$t", t), [], ["typed"]);
    out = {
      schema: (await pub.describe("out"))?.schema,
      rows: await pub.read("out"),
    };
    await pub.discard();
    await store.close();
  });
  return out!;
}

Deno.test("sqlite materialize: selected columns keep Boolean, Date, DateTime, Time, Decimal and Json", async () => {
  const r = await result("SELECT * FROM $t WHERE b");
  assert.deepEqual(r.schema, TYPED.schema);
  assert.deepEqual(r.rows, [ROW]);
  // Through a CTE and a subquery too; all-NULL columns keep the type.
  const nested = await result(
    "WITH x AS (SELECT day, j FROM $t WHERE NOT b) SELECT * FROM (SELECT day AS d2, j FROM x)",
  );
  assert.deepEqual(nested.schema, { d2: "Date", j: "Json" });
  assert.deepEqual(nested.rows, [{ d2: null, j: null }]);
});

Deno.test("sqlite materialize: a compound SELECT mixing in other values falls back to inferred types", async () => {
  const r = await result(
    `SELECT b, day, at, tm, d, j FROM $t
     UNION ALL SELECT 2, 'someday', '2026-12-07 06:30', 'noon', '1e5', 'not json'`,
  );
  assert.deepEqual(r.schema, {
    b: "Integer",
    day: "Text",
    at: "Text",
    tm: "Text",
    d: "Text",
    j: "Text",
  });
  assert.deepEqual(r.rows[0], {
    b: 1,
    day: "2026-12-07",
    at: "2026-12-07T06:30:01.250Z",
    tm: "23:59:59.5",
    d: "-0.125",
    j: '[1,{"x":"y"}]',
  });
  // Values that are valid stored forms keep the type.
  const ok = await result(
    `SELECT b, day, j FROM $t UNION ALL SELECT 0, '2027-01-31', '{"k":2}'`,
  );
  assert.deepEqual(ok.schema, { b: "Boolean", day: "Date", j: "Json" });
  assert.deepEqual(ok.rows.at(-1), {
    b: false,
    day: "2027-01-31",
    j: { k: 2 },
  });
});

Deno.test("sqlite materialize: computed columns are inferred from their values", async () => {
  const r = await result(
    "SELECT max(day) AS last_day, count(*) AS n, NOT b AS flipped FROM $t GROUP BY b",
  );
  assert.deepEqual(r.schema, {
    last_day: "Text",
    n: "Integer",
    flipped: "Integer",
  });
});
