// `timeout:` holds for SQL: on PostgreSQL a .sql node's statement and a
// node's readSql are stopped at the node's deadline, in the database too.

import assert from "node:assert/strict";
import postgres from "npm:postgres@^3.4.5";
import { graphYml, makeApp, runOnce } from "./_helpers.ts";
import {
  dropSchema,
  freshSchema,
  PG_URL,
  pgUrl,
  skipReason,
} from "./_pg_env.ts";

/** Statements still running `pg_sleep` in the test database. */
async function sleepers(): Promise<number> {
  const sql = postgres(PG_URL!.replace(/\?.*$/, ""), {
    max: 1,
    onnotice: () => {},
  });
  try {
    const rows = await sql`SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE state = 'active' AND query LIKE '%pg_sleep(30)%'
        AND pid <> pg_backend_pid()`;
    return rows[0]!.n as number;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

function pgTest(name: string, fn: (url: string) => Promise<void>) {
  Deno.test({
    name: `[postgres] ${name}`,
    ignore: skipReason !== undefined,
    fn: async () => {
      const schema = freshSchema();
      try {
        await fn(pgUrl(schema));
      } finally {
        await dropSchema(schema);
      }
    },
  });
}

pgTest(
  "a .sql node running past its timeout is stopped, in the database too",
  async (url) => {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "seed.ts", outputs: ["seed"] },
        {
          file: "slow.sql",
          inputs: ["seed"],
          outputs: ["slow_out"],
          extra: "timeout: 1s",
        },
      ]),
      "seed.ts": `export default async ({ table }) => {
      const t = table("seed", "w");
      await t.init({ schema: { v: "Integer" } });
      await t.append({ v: 1 });
    };`,
      "slow.sql":
        `SELECT v, pg_sleep(30) IS NULL AS slept FROM {{ Table("seed") }}`,
    });
    const result = await runOnce(dir, {}, url);
    const slow = result.nodes.find((n) => n.id === "slow")!;
    assert.equal(slow.status, "failed");
    assert.match(slow.error ?? "", /timed out after 1.00s and was stopped/);
    assert.equal(await sleepers(), 0);
  },
);

pgTest(
  "readSql past the node's timeout is stopped, and the node fails at its deadline",
  async (url) => {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "seed.ts", outputs: ["seed"] },
        {
          file: "reader.ts",
          inputs: ["seed"],
          outputs: ["out"],
          extra: "timeout: 1s",
        },
      ]),
      "seed.ts": `export default async ({ table }) => {
      const t = table("seed", "w");
      await t.init({ schema: { v: "Integer" } });
      await t.append({ v: 1 });
    };`,
      "reader.ts": `export default async ({ table }) => {
      await table("seed").readSql("SELECT pg_sleep(30) IS NULL AS x FROM {{ this }}");
    };`,
    });
    const t0 = Date.now();
    const result = await runOnce(dir, {}, url);
    const reader = result.nodes.find((n) => n.id === "reader")!;
    assert.equal(reader.status, "failed");
    assert.match(reader.error ?? "", /timed out after 1.00s and was stopped/);
    // The run did not wait for the statement: it ended well before pg_sleep(30) would.
    assert.ok(Date.now() - t0 < 25_000);
    assert.equal(await sleepers(), 0);
  },
);
