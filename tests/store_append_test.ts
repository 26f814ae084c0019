// Append-only commits on both stores, from outside the Store interface: the
// committed physical table is appended in place (no copy is left behind),
// a reader holding a snapshot keeps seeing the previous rows, and a process
// killed (SIGKILL) at random moments of a stream of append commits — in
// the middle of a commit included — leaves a readable store whose every
// table is exactly some sequence of whole commits.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import postgres from "npm:postgres@^3.4.5";
import type { Row } from "../core/schema/schema.ts";
import type { Store, TableDef } from "../stores/mod.ts";
import { makeApp, storeTest, type TestStore } from "./_helpers.ts";

const HOOK: TableDef = {
  schema: { _id: "Integer", _created: "DateTime", record: "Json" },
  uniqueOn: [],
  addMonotonicId: "_id",
  addCreated: "_created",
};
const KEYED: TableDef = {
  schema: { k: "Text", n: "Integer" },
  uniqueOn: ["k"],
};

/** Physical tables, by name, the store keeps for the app `dir`. */
async function physicalTables(s: TestStore, dir: string): Promise<string[]> {
  if (s.kind === "sqlite") {
    const db = new DatabaseSync(`${dir}/.runnel/runnel.db`, { readOnly: true });
    try {
      return (db.prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 5) = '__rt_' ORDER BY name",
      ).all() as { name: string }[]).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  const schema = new URL(s.url!).searchParams.get("schema")!;
  const sql = postgres(s.url!.replace(/\?.*$/, ""), { max: 1 });
  try {
    const rows = await sql<{ name: string }[]>`
      SELECT relname AS name FROM pg_class
       WHERE relnamespace = ${schema}::regnamespace AND relkind = 'r'
         AND left(relname, 5) = '__rt_' ORDER BY relname`;
    return rows.map((r) => r.name);
  } finally {
    await sql.end();
  }
}

async function appendCommit(
  store: Store,
  table: string,
  def: TableDef,
  rows: Row[],
): Promise<void> {
  const pub = await store.beginPublication();
  await pub.init(table, def);
  await pub.append(table, rows);
  await pub.commit({ runId: "append" });
}

const APP = { "graph.yml": "title: Append\nfunctions:\n  - webhook: hook\n" };

storeTest(
  "an append-only commit grows the committed table in place",
  async (s) => {
    const dir = await makeApp(APP);
    const store = await s.open(dir);
    try {
      await appendCommit(store, "hook", HOOK, [{ record: 1 }]);
      await appendCommit(store, "keyed", KEYED, [{ k: "a", n: 1 }]);
      const before = await physicalTables(s, dir);
      assert.equal(before.length, 2);
      // A keyed table written from empty gets its index once, then grows in place.
      await appendCommit(store, "keyed", KEYED, [{ k: "b", n: 2 }]);
      for (let i = 2; i <= 4; i++) {
        await appendCommit(store, "hook", HOOK, [{ record: i }]);
        await appendCommit(store, "keyed", KEYED, [{ k: `k${i}`, n: i }]);
        assert.deepEqual(await physicalTables(s, dir), before);
      }
      assert.equal((await store.describeTable("hook"))?.version, 4);
      assert.deepEqual(
        (await store.readRows("hook")).map((r) => [r._id, r.record]),
        [[1, 1], [2, 2], [3, 3], [4, 4]],
      );
      assert.equal((await store.describeTable("keyed"))?.rowCount, 5);
    } finally {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

storeTest(
  "a reader's snapshot keeps the previous rows across an append-only commit",
  async (s) => {
    const dir = await makeApp(APP);
    const store = await s.open(dir);
    try {
      await appendCommit(store, "hook", HOOK, [{ record: 1 }, { record: 2 }]);
      const count = "SELECT count(*) AS n FROM hook";
      if (s.kind === "sqlite") {
        const reader = new DatabaseSync(`${dir}/.runnel/runnel.db`, {
          readOnly: true,
        });
        try {
          reader.exec("BEGIN");
          assert.equal((reader.prepare(count).get() as { n: number }).n, 2);
          await appendCommit(store, "hook", HOOK, [{ record: 3 }]);
          assert.equal((reader.prepare(count).get() as { n: number }).n, 2);
          reader.exec("COMMIT");
          assert.equal((reader.prepare(count).get() as { n: number }).n, 3);
        } finally {
          reader.close();
        }
        return;
      }
      const schema = new URL(s.url!).searchParams.get("schema")!;
      const sql = postgres(s.url!.replace(/\?.*$/, ""), { max: 1 });
      try {
        const q = `SELECT count(*)::int AS n FROM "${schema}".hook`;
        await sql.begin("isolation level repeatable read", async (tx) => {
          assert.equal((await tx.unsafe(q))[0]!.n, 2);
          await appendCommit(store, "hook", HOOK, [{ record: 3 }]);
          assert.equal((await tx.unsafe(q))[0]!.n, 2);
        });
        assert.equal((await sql.unsafe(q))[0]!.n, 3);
      } finally {
        await sql.end();
      }
    } finally {
      await store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
);

const BATCH = 50;

/** A child that appends batches to both tables forever, one publication each, saying when it commits. */
function writerCode(url: string | undefined, dir: string): string {
  const mod = new URL("../stores/mod.ts", import.meta.url).href;
  return `
    const { openStore } = await import(${JSON.stringify(mod)});
    const store = await openStore(${JSON.stringify(url)}, ${
    JSON.stringify(dir)
  }, { slug: "append" });
    const out = (s) => Deno.stdout.writeSync(new TextEncoder().encode(s + "\\n"));
    const hook = ${JSON.stringify(HOOK)};
    const keyed = ${JSON.stringify(KEYED)};
    for (let c = 0;; c++) {
      const pub = await store.beginPublication();
      await pub.init("hook", hook);
      await pub.init("keyed", keyed);
      const rows = Array.from({ length: ${BATCH} }, (_, i) => ({ record: { c, i } }));
      await pub.append("hook", rows);
      const tag = crypto.randomUUID();
      await pub.append("keyed", rows.map((_, i) => ({ k: tag + i, n: i })));
      out("committing");
      await pub.commit({ runId: "child" });
      out("committed");
    }`;
}

/** Checks that every table holds whole commits only, consistent with its catalog entry. */
async function checkWhole(store: Store, committed: number): Promise<number> {
  const hook = await store.readRows("hook");
  const info = await store.describeTable("hook");
  assert.equal(info?.rowCount, hook.length);
  assert.equal(hook.length % BATCH, 0, "whole commits only");
  assert.ok(hook.length >= committed * BATCH, "acknowledged commits survive");
  assert.deepEqual(hook.map((r) => r._id), hook.map((_, i) => i + 1));
  const keyed = await store.readRows("keyed");
  assert.equal((await store.describeTable("keyed"))?.rowCount, keyed.length);
  assert.equal(keyed.length, hook.length, "both tables commit together");
  assert.equal(new Set(keyed.map((r) => r.k)).size, keyed.length);
  // The content version is the one a fresh write of the same rows gets.
  const pub = await store.beginPublication();
  await pub.init("check", HOOK);
  await pub.truncate("check");
  await pub.append("check", hook);
  const done = await pub.commit({ runId: "check" });
  assert.equal(done.contentVersions.check, info?.contentVersion);
  return hook.length / BATCH;
}

storeTest(
  "SIGKILL at any moment of append-only commits leaves whole commits",
  async (s) => {
    const dir = await makeApp(APP);
    try {
      let seen = 0;
      for (let round = 0; round < 6; round++) {
        const child = new Deno.Command(Deno.execPath(), {
          args: ["eval", writerCode(s.url, dir)],
          stdout: "piped",
          stderr: "null",
        }).spawn();
        // Kill right after a "committing" line (inside the commit, or just
        // before or after it), a little later each round.
        const target = 3 + round;
        let committing = 0;
        let committed = 0;
        const reader = child.stdout.pipeThrough(new TextDecoderStream())
          .getReader();
        let buf = "";
        const take = (value: string) => {
          buf += value;
          const lines = buf.split("\n");
          buf = lines.pop()!;
          for (const l of lines) {
            if (l === "committing") committing++;
            if (l === "committed") committed++;
          }
        };
        while (committing < target) {
          const { value, done } = await reader.read();
          if (done) break;
          take(value);
        }
        await new Promise((r) => setTimeout(r, round % 3));
        child.kill("SIGKILL");
        await child.status;
        // What it wrote before it died bounds what it committed.
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          take(value);
        }
        const store = await s.open(dir);
        try {
          const commits = await checkWhole(store, seen + committed);
          assert.ok(
            commits >= seen + committed && commits <= seen + committing,
          );
          seen = commits;
          if (s.kind === "sqlite") {
            // The killed writer's staged tables were collected on open.
            assert.equal((await physicalTables(s, dir)).length, 3);
          }
        } finally {
          await store.close();
        }
      }
      assert.ok(seen >= 6, `${seen} commits survived`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
