// PostgreSQL-specific behaviour beyond the shared store contract: the
// sandbox that node SQL runs in, schema versions, views, orphan cleanup,
// values PostgreSQL stores differently. Ignored without a reachable
// RUNNEL_TEST_POSTGRES_URL (see tests/store_contract_test.ts).

import assert from "node:assert/strict";
import { DataError, StoreError } from "../../core/errors.ts";
import { canonicalDecimal } from "../../core/schema/canonical.ts";
import { openPostgresStore } from "./mod.ts";
import { pgUrl } from "../../tests/_pg_env.ts";
import { pgTest } from "../../tests/_pg_store.ts";
import { rejects, seed } from "../../tests/_store_contract_util.ts";

const PEOPLE = {
  schema: { id: "Text", age: "Integer" } as const,
  uniqueOn: ["id"],
};

pgTest("node SQL cannot escape its sandbox", async (s) => {
  await seed(s, "people", PEOPLE, [{ id: "a", age: 1 }]);
  await seed(s, "secret", PEOPLE, [{ id: "s", age: 2 }]);
  const pub = await s.beginPublication();
  const people = await pub.sqlName("people");
  const attempts: [string, RegExp][] = [
    [`SELECT set_config('role', current_user, true) AS r`, /role/],
    [`SELECT * FROM secret`, /"secret" is not declared/],
    [`SELECT * FROM _runnel_tables`, /internal to the store/],
    [
      `SELECT query_to_xml('select * from secret', true, false, '') AS x`,
      /not declared/,
    ],
    [`SELECT lo_create(0) AS x`, /large objects/],
    [`SELECT id FROM ${people} FOR UPDATE`, /./],
    [`WITH d AS (DELETE FROM ${people} RETURNING *) SELECT * FROM d`, /./],
    [`SELECT 1 AS a; DROP TABLE ${people}`, /exactly one/],
  ];
  for (const [sql, re] of attempts) {
    await rejects(pub.query(sql, [], ["people"]), DataError, re);
    await rejects(pub.materialize("out", sql, [], ["people"]), DataError, re);
  }
  assert.deepEqual(await s.readRows("people"), [{ id: "a", age: 1 }]);
  // Reading the declared table by its view name works too.
  assert.deepEqual(await pub.query("SELECT id FROM people", [], ["people"]), [
    { id: "a" },
  ]);
  await pub.discard();
});

pgTest(
  "? placeholders are found outside strings, identifiers and comments only",
  async (s) => {
    const pub = await s.beginPublication();
    const rows = await pub.query(
      `SELECT '?' AS q, $t$?$t$ AS d, E'\\'?' AS e, ? AS p /* ? */ -- ?
    `,
      ["x"],
      [],
    );
    assert.deepEqual(rows, [{ q: "?", d: "?", e: "'?", p: "x" }]);
    await rejects(
      pub.query("SELECT ? AS a", [], []),
      DataError,
      /1 \? placeholder/,
    );
    const typed = await pub.query(
      "SELECT ? AS n, ? AS f, ? AS b, ? AS t, ? AS bin, ? AS nul",
      [-5, 0.5, true, new Date(0), new Uint8Array([1, 255]), null],
      [],
    );
    assert.deepEqual(typed, [{
      n: -5,
      f: 0.5,
      b: true,
      t: new Date(0),
      bin: new Uint8Array([1, 255]),
      nul: null,
    }]);
    await pub.discard();
  },
);

pgTest("materialize maps PostgreSQL types to column types", async (s) => {
  const pub = await s.beginPublication();
  await pub.materialize(
    "typed",
    `SELECT 1::int4 AS i4, 2::int2 AS i2, 1.5::float4 AS f4, 1.50::numeric AS n,
            '2024-01-02 03:04:05'::timestamp AS ts, '12:30'::time AS tm,
            ARRAY[1, 2] AS arr, '{"b": 1}'::json AS j, true AS b, 'x'::varchar AS v,
            '2024-02-29'::date AS d, interval '1 day' AS iv`,
    [],
    [],
  );
  const info = await pub.describe("typed");
  assert.deepEqual(info?.schema, {
    i4: "Integer",
    i2: "Integer",
    f4: "Float",
    n: "Decimal",
    ts: "DateTime",
    tm: "Time",
    arr: "Json",
    j: "Json",
    b: "Boolean",
    v: "Text",
    d: "Date",
    iv: "Text",
  });
  assert.deepEqual(await pub.read("typed"), [{
    i4: 1,
    i2: 2,
    f4: 1.5,
    n: "1.50",
    ts: new Date("2024-01-02T03:04:05Z"),
    tm: "12:30:00",
    arr: [1, 2],
    j: { b: 1 },
    b: true,
    v: "x",
    d: "2024-02-29",
    iv: "1 day",
  }]);
  await pub.discard();
});

pgTest(
  "decimals read back in the canonical form coercion produces",
  async (s, raw) => {
    const samples = [
      "0",
      "-0.00",
      "1.50e1",
      "1e-3",
      "007.10",
      "-12345678901234567890.000123",
      "5e20",
      ".5",
    ];
    for (let i = 0; i < 40; i++) {
      const int = String(Math.floor(Math.random() * 1e6));
      const frac = String(Math.floor(Math.random() * 1e4)).padStart(4, "0");
      samples.push(`${i % 2 ? "-" : ""}${int}.${frac}e${(i % 7) - 3}`);
    }
    for (const text of samples) {
      const [row] = await raw.unsafe("SELECT $1::numeric::text AS t", [text]);
      assert.equal(canonicalDecimal(text), row!.t, text);
    }
    const rows = samples.map((d, i) => ({ i, d: canonicalDecimal(d)! }));
    await seed(s, "dec", {
      schema: { i: "Integer", d: "Decimal" },
      uniqueOn: [],
    }, rows);
    assert.deepEqual(await s.readRows("dec"), rows);
  },
);

pgTest(
  "PostgreSQL cannot store NUL characters: a DataError naming the row",
  async (s) => {
    const pub = await s.beginPublication();
    await pub.init("t", { schema: { a: "Text", j: "Json" }, uniqueOn: [] });
    await rejects(
      pub.append("t", [{ a: "ok" }, { a: "a\0b" }]),
      DataError,
      /"a" of row 1 .*NUL/,
    );
    await rejects(
      pub.append("t", [{ j: { x: "\0" } }]),
      DataError,
      /"j" of row 0 .*NUL/,
    );
    assert.equal(await pub.count("t"), 0);
    await pub.discard();
  },
);

pgTest("a unique conflict with copied rows names the row", async (s) => {
  await seed(s, "people", PEOPLE, [{ id: "a", age: 1 }, { id: "b", age: 2 }]);
  const pub = await s.beginPublication();
  await rejects(
    pub.append("people", [{ id: "c", age: 3 }, { id: "b", age: 4 }]),
    DataError,
    /unique key "id" value "b" of row 1 is already in the table/,
  );
  assert.equal(await pub.count("people"), 2);
  await pub.discard();
});

pgTest(
  "each table is a view in the app's schema, and history is kept",
  async (s, raw, schema) => {
    await seed(s, "people", PEOPLE, [{ id: "a", age: 1 }]);
    await seed(s, "people", PEOPLE, [{ id: "b", age: 2 }], "r2");
    const rows = await raw.unsafe(`SELECT * FROM "${schema}".people`);
    assert.deepEqual([...rows], [{ id: "a", age: "1" }, { id: "b", age: "2" }]);
    const history = await raw.unsafe(
      `SELECT version, run_id FROM "${schema}"._runnel_table_versions ORDER BY version`,
    );
    assert.deepEqual([...history], [
      { version: 1, run_id: "seed" },
      { version: 2, run_id: "r2" },
    ]);
    // A relation Runnel does not manage is never replaced.
    await raw.unsafe(`CREATE TABLE "${schema}".mine (x int)`);
    const pub = await s.beginPublication();
    await pub.init("mine", { schema: { x: "Integer" }, uniqueOn: [] });
    await rejects(pub.commit({ runId: "r" }), StoreError, /does not manage/);
  },
);

pgTest(
  "staged tables of a dead instance are dropped when a store opens",
  async (s, raw, schema) => {
    const other = await openPostgresStore(pgUrl(schema));
    const pub = await other.beginPublication();
    await pub.init("ghost", PEOPLE);
    await pub.append("ghost", [{ id: "x", age: 1 }]);
    const count = async () =>
      Number(
        (await raw.unsafe(
          `SELECT count(*) AS n FROM pg_tables WHERE schemaname = $1 AND tablename LIKE '\\_\\_rt\\_%'`,
          [schema],
        ))[0]!.n,
      );
    assert.equal(await count(), 1);
    // A live instance's staged tables survive another open.
    await (await openPostgresStore(pgUrl(schema))).close();
    assert.equal(await count(), 1);
    await other.close(); // its session, and so its liveness lock, ends
    await (await openPostgresStore(pgUrl(schema))).close();
    assert.equal(await count(), 0);
    assert.equal(s.kind, "postgres");
  },
);

pgTest(
  "a store written by a newer Runnel is refused",
  async (_s, raw, schema) => {
    await raw.unsafe(
      `UPDATE "${schema}"._runnel_meta SET value = '999' WHERE key = 'schema_version'`,
    );
    await rejects(
      openPostgresStore(pgUrl(schema)),
      StoreError,
      /written by a newer Runnel \(store schema version 999; this Runnel understands up to 2\)/,
    );
  },
);

pgTest(
  "readers of the views see every stage whole while it commits",
  async (s, raw, schema) => {
    const TWO = { schema: { v: "Integer" } as const, uniqueOn: [] };
    let stop = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!stop) {
        try {
          const [r] = await raw.unsafe(
            `SELECT (SELECT count(*) FROM "${schema}".a) AS a, (SELECT count(*) FROM "${schema}".b) AS b`,
          );
          if (r!.a !== r!.b) seen.push(`${r!.a} vs ${r!.b}`);
        } catch (err) {
          if (!/does not exist/.test((err as Error).message)) throw err;
        }
      }
    })();
    for (let n = 1; n <= 15; n++) {
      const pub = await s.beginPublication();
      for (const t of ["a", "b"]) {
        await pub.init(t, TWO);
        await pub.truncate(t);
        await pub.append(t, Array.from({ length: n }, (_, i) => ({ v: i })));
      }
      await pub.commit({ runId: `r${n}` });
    }
    stop = true;
    await reader;
    assert.deepEqual(seen, []);
    assert.equal((await s.describeTable("a"))?.rowCount, 15);
  },
);

pgTest(
  "a commit whose catalog changed since staging (another instance committed) reads it again",
  async (s, _raw, schema) => {
    const other = await openPostgresStore(pgUrl(schema));
    try {
      const pub = await s.beginPublication();
      await pub.init("people", PEOPLE);
      await pub.append("people", [{ id: "a", age: 1 }]);
      // Committed elsewhere after this publication staged its version.
      await seed(other, "people", PEOPLE, [{ id: "z", age: 9 }]);
      const summary = await pub.commit({ runId: "r" });
      assert.equal(summary.versions.people, 2);
      assert.deepEqual(await s.readRows("people"), [{ id: "a", age: 1 }]);
      // A delta staged over version 2 is refused once version 3 exists.
      const delta = await s.beginPublication();
      await delta.append("people", [{ id: "b", age: 2 }]);
      await seed(other, "people", PEOPLE, [{ id: "y", age: 8 }]);
      await rejects(
        delta.commit({ runId: "r2" }),
        StoreError,
        /changed while this publication was writing it/,
      );
      await delta.discard();
    } finally {
      await other.close();
    }
  },
);
