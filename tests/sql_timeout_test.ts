// `timeout:` holds for SQL: on PostgreSQL a .sql node's statement and a
// node's readSql are stopped at the node's deadline, in the database too.

import assert from "node:assert/strict";
import type postgres from "npm:postgres@^3.4.5";
import { graphYml, makeApp, readTable, runOnce } from "./_helpers.ts";
import { pgUrl } from "./_pg_env.ts";
import { openStore } from "../stores/mod.ts";
import { pgTest } from "./_pg_store.ts";

/** Statements still running `pg_sleep` in the test database. */
async function sleepers(raw: postgres.Sql): Promise<number> {
  const rows = await raw`SELECT count(*)::int AS n FROM pg_stat_activity
    WHERE state = 'active' AND query LIKE '%pg_sleep(30)%'
      AND pid <> pg_backend_pid()`;
  return rows[0]!.n as number;
}

/** A node writing one row to `seed`, for the slow ones to read. */
const SEED = `export default async ({ table }) => {
  const t = table("seed", "w");
  await t.init({ schema: { v: "Integer" } });
  await t.append({ v: 1 });
};`;

/** An app of the seed node and `slow`, a node reading `seed` with `timeout: 1s`. */
async function slowApp(file: string, source: string): Promise<string> {
  return await makeApp({
    "graph.yml": graphYml([
      { file: "seed.ts", outputs: ["seed"] },
      {
        file,
        inputs: ["seed"],
        outputs: ["slow_out"],
        extra: "timeout: 1s",
      },
    ]),
    "seed.ts": SEED,
    [file]: source,
  });
}

pgTest(
  "a .sql node running past its timeout is stopped, in the database too",
  async (_store, raw, schema) => {
    const url = pgUrl(schema);
    const dir = await slowApp(
      "slow.sql",
      `SELECT v, pg_sleep(30) IS NULL AS slept FROM {{ Table("seed") }}`,
    );
    const result = await runOnce(dir, {}, url);
    const slow = result.nodes.find((n) => n.id === "slow")!;
    assert.equal(slow.status, "failed");
    assert.match(slow.error ?? "", /timed out after 1.00s and was stopped/);
    assert.equal(await sleepers(raw), 0);
  },
);

pgTest(
  "readSql past the node's timeout is stopped, and the node fails at its deadline",
  async (_store, raw, schema) => {
    const url = pgUrl(schema);
    const dir = await slowApp(
      "slow.ts",
      `export default async ({ table }) => {
        await table("seed").readSql("SELECT pg_sleep(30) IS NULL AS x FROM {{ this }}");
      };`,
    );
    const t0 = Date.now();
    const result = await runOnce(dir, {}, url);
    const reader = result.nodes.find((n) => n.id === "slow")!;
    assert.equal(reader.status, "failed");
    assert.match(reader.error ?? "", /timed out after 1.00s and was stopped/);
    // The run did not wait for the statement: it ended well before pg_sleep(30) would.
    assert.ok(Date.now() - t0 < 25_000);
    assert.equal(await sleepers(raw), 0);
  },
);

/**
 * Runs the app: its node "slow" must fail at its 1 s deadline while the
 * host's timers keep turning (the statement runs in another process).
 */
async function assertStoppedWhileHostTurns(dir: string): Promise<void> {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 100);
  try {
    const result = await runOnce(dir);
    const slow = result.nodes.find((n) => n.id === "slow")!;
    assert.equal(slow.status, "failed");
    assert.match(slow.error ?? "", /timed out after 1.00s and was stopped/);
    assert.ok(ticks >= 5, `the host's timers ran ${ticks} times`);
  } finally {
    clearInterval(ticker);
  }
}

Deno.test("[sqlite] readSql past the node's timeout is stopped at the deadline, and the host stays free meanwhile", async () => {
  const dir = await slowApp(
    "slow.ts",
    `export default async ({ table }) => {
      // About half a minute of SQLite work: 300 × 300 × 300 × 60 rows counted.
      const a = JSON.stringify(Array.from({ length: 300 }, (_, i) => i));
      const b = JSON.stringify(Array.from({ length: 60 }, (_, i) => i));
      await table("seed").readSql(
        "SELECT count(*) AS n FROM {{ this }}, json_each(?), json_each(?), json_each(?), json_each(?)",
        [a, a, a, b],
      );
    };`,
  );
  await assertStoppedWhileHostTurns(dir);
});

Deno.test("[sqlite] readSql in a node gives what the store's query gives, errors included", async () => {
  const dir = await slowApp(
    "slow.ts",
    `export default async ({ table }) => {
      const seed = table("seed");
      const rows = await seed.readSql("SELECT v, v * 2 AS w, 'x' || v AS s FROM {{ this }} WHERE v = ?", [1]);
      let refused = "";
      try { await seed.readSql("SELECT * FROM sqlite_master"); } catch (e) { refused = e.name + ": " + e.message; }
      const out = table("slow_out", "w");
      await out.init({ schema: { got: "Json", refused: "Text" } });
      await out.append({ got: rows, refused });
    };`,
  );
  const result = await runOnce(dir);
  assert.equal(result.status, "succeeded", JSON.stringify(result.nodes));
  const [row] = await readTable(dir, "slow_out");
  assert.deepEqual(row?.got, [{ v: 1, w: 2, s: "x1" }]);
  assert.match(String(row?.refused), /^DataError: query\(\) /);
});

Deno.test("[sqlite] a .sql node past its timeout is stopped, publishes nothing, and the host stays free meanwhile", async () => {
  const dir = await slowApp(
    "slow.sql",
    // About half a minute of SQLite work.
    `SELECT count(*) AS n FROM {{ Table("seed") }},
       json_each('[${Array.from({ length: 300 }, (_, i) => i).join(",")}]'),
       json_each('[${Array.from({ length: 300 }, (_, i) => i).join(",")}]'),
       json_each('[${Array.from({ length: 300 }, (_, i) => i).join(",")}]'),
       json_each('[${Array.from({ length: 60 }, (_, i) => i).join(",")}]')`,
  );
  await assertStoppedWhileHostTurns(dir);
  const store = await openStore(undefined, dir);
  try {
    assert.equal(await store.describeTable("slow_out"), undefined);
  } finally {
    await store.close();
  }
  // The same node, quick, materializes through its query process as before.
  await Deno.writeTextFile(
    `${dir}/slow.sql`,
    `SELECT v, v * 2 AS w FROM {{ Table("seed") }}`,
  );
  const again = await runOnce(dir);
  assert.equal(again.status, "succeeded", JSON.stringify(again.nodes));
  assert.deepEqual(await readTable(dir, "slow_out"), [{ v: 1, w: 2 }]);
});
