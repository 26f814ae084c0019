// `runnel store copy`: SQLite → PostgreSQL → SQLite, tables and history,
// with the first run on each destination fully cached.

import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../cli/mod.ts";
import { memoryIo } from "../cli/_io.ts";
import type { RunResult } from "../core/run/runner.ts";
import { openStore } from "../stores/mod.ts";
import { graphYml, makeApp, readTable, runOnce } from "./_helpers.ts";
import { dropSchema, freshSchema, pgUrl, skipReason } from "./_pg_env.ts";

const statuses = (r: RunResult) => r.nodes.map((n) => [n.id, n.status]);

async function runnel(dir: string, ...args: string[]) {
  const io = memoryIo({ cwd: dir });
  const code = await main(args, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

Deno.test({
  name:
    "store copy: SQLite → PostgreSQL → SQLite keeps tables and history; runs stay cached",
  ignore: skipReason !== undefined,
  async fn() {
    const dir = await makeApp({
      "graph.yml": graphYml([
        { file: "gen.ts", outputs: ["events"] },
        { file: "totals.sql", inputs: ["events"], outputs: ["totals"] },
        { file: "report.ts", inputs: ["totals"], outputs: ["report"] },
      ]),
      "gen.ts": `export default async ({ table, state, log }) => {
  const t = table("events", "w");
  await t.init({ schema: { id: "Integer", kind: "Text", amount: "Decimal", at: "DateTime", tags: "Json" }, uniqueOn: "id" });
  await t.replace(Array.from({ length: 120 }, (_, i) => ({ id: i, kind: i % 3 ? "sale" : "refund", amount: (i * 1.25).toFixed(2), at: new Date(Date.UTC(2024, 0, 1, 0, i)), tags: { n: i, odd: i % 2 === 1 } })));
  state.set("runs", state.get("runs", 0) + 1);
  log.info("generated");
};`,
      "totals.sql": `select kind, count(*) as n
from {{ Table("events") }}
group by kind
order by kind`,
      "report.ts": `export default async ({ table }) => {
  const rows = await table("totals").read();
  const t = table("report", "w");
  await t.init({ schema: { line: "Text" } });
  await t.replace(rows.map((r) => ({ line: r.kind + ": " + r.n })));
};`,
    });
    const schema = freshSchema();
    const pg = pgUrl(schema);
    try {
      const first = await runOnce(dir);
      assert.equal(first.status, "succeeded", JSON.stringify(first.nodes));
      const tables = ["events", "totals", "report"];
      const before = await Promise.all(tables.map((t) => readTable(dir, t)));

      const toPg = await runnel(
        dir,
        "store",
        "copy",
        "--from",
        ".runnel/runnel.db",
        "--to",
        pg,
      );
      assert.equal(toPg.code, 0, toPg.err);
      assert.match(
        toPg.out,
        /Copied 3 table\(s\) with 124 row\(s\), 1 run\(s\)/,
      );
      assert.deepEqual(
        await Promise.all(tables.map((t) => readTable(dir, t, pg))),
        before,
      );
      const onPg = await runOnce(dir, {}, pg);
      assert.deepEqual(statuses(onPg), [
        ["gen", "cached"],
        ["totals", "cached"],
        ["report", "cached"],
      ]);
      const forced = await runOnce(
        dir,
        { selection: ["gen"], force: true },
        pg,
      );
      assert.equal(forced.status, "succeeded");

      const back = await runnel(
        dir,
        "store",
        "copy",
        "--from",
        pg,
        "--to",
        "sqlite:back.db",
      );
      assert.equal(back.code, 0, back.err);
      const onSqlite = await runOnce(dir, {}, "sqlite:back.db");
      assert.deepEqual(
        statuses(onSqlite).map(([, s]) => s),
        ["cached", "cached", "cached"],
      );
      assert.deepEqual(
        await Promise.all(
          tables.map((t) => readTable(dir, t, "sqlite:back.db")),
        ),
        before,
      );
      const again = await runnel(
        dir,
        "store",
        "copy",
        "--from",
        ".runnel/runnel.db",
        "--to",
        "sqlite:back.db",
      );
      assert.equal(again.code, 1);
      assert.match(again.err, /already holds tables or runs/);

      // History came along: runs, node runs, logs and state.
      const store = await openStore("sqlite:back.db", dir);
      try {
        const runs = await store.listRuns(10);
        assert.equal(runs.length, 4);
        assert.equal(runs.at(-1)!.id, first.runId);
        const logs = await store.listLogs(first.runId, "gen");
        assert.deepEqual(logs.map((l) => l.message), ["generated"]);
        assert.equal((await store.listNodeRuns(first.runId)).length, 3);
        assert.deepEqual(await store.getState("gen"), { runs: 2 });
      } finally {
        await store.close();
      }
      await Deno.stat(join(dir, "back.db"));
    } finally {
      await dropSchema(schema);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
