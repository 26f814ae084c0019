// (a) raw node:sqlite prepared INSERT vs (b) table.append and (c)
// table.upsert from a sandboxed node, 1,000,000 rows of
// {id Text unique, email Text, score Float, created_at DateTime}.

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { loadGraph } from "../core/graph/load.ts";
import { runGraph } from "../core/run/runner.ts";
import { openStore } from "../stores/mod.ts";
import { type BenchRow, rate, tempApp } from "./_util.ts";

const BASE = Date.UTC(2026, 0, 1);

/** The same rows every contender writes. */
function row(j: number) {
  return {
    id: "L-" + j,
    email: "user" + j + "@example.com",
    score: (j % 100) / 100,
    created_at: new Date(BASE + j * 1000),
  };
}

/** (a): one transaction of single-row prepared inserts into a fresh WAL database. */
export async function rawInsert(rows: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_bench_raw_" });
  const db = new DatabaseSync(join(dir, "raw.db"));
  db.exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  db.exec(
    "CREATE TABLE leads (id TEXT PRIMARY KEY, email TEXT, score REAL, created_at TEXT)",
  );
  const insert = db.prepare("INSERT INTO leads VALUES (?, ?, ?, ?)");
  const t0 = performance.now();
  db.exec("BEGIN");
  for (let j = 0; j < rows; j++) {
    const r = row(j);
    insert.run(r.id, r.email, r.score, r.created_at.toISOString());
  }
  db.exec("COMMIT");
  const ms = performance.now() - t0;
  db.close();
  await Deno.remove(dir, { recursive: true });
  return ms;
}

const NODE = (op: "append" | "upsert") => `
const BASE = ${BASE};
export default async ({ table, parameter }) => {
  const n = parameter("rows", { type: "integer", default: 1000 });
  const t = table("leads", "w");
  await t.init({ schema: { id: "Text", email: "Text", score: "Float", created_at: "DateTime" }, uniqueOn: "id" });
  const CHUNK = 10000;
  for (let i = 0; i < n; i += CHUNK) {
    const rows = [];
    const end = Math.min(n, i + CHUNK);
    for (let j = i; j < end; j++) {
      rows.push({ id: "L-" + j, email: "user" + j + "@example.com", score: (j % 100) / 100, created_at: new Date(BASE + j * 1000) });
    }
    await t.${op}(rows);
  }
};`;

/** (b)/(c): the node's duration as recorded by the runner (spawn, writes, commit). */
export async function sandboxedWrite(
  op: "append" | "upsert",
  rows: number,
): Promise<number> {
  const dir = await tempApp({
    "graph.yml":
      `title: Bench\nfunctions:\n  - node_file: write.ts\n    outputs: [leads]\n`,
    "write.ts": NODE(op),
  });
  const graph = await loadGraph(dir);
  const store = await openStore(undefined, dir);
  try {
    const result = await runGraph(graph, store, {
      params: [{ name: "rows", value: String(rows) }],
    });
    const node = result.nodes[0]!;
    if (node.status !== "succeeded" || node.rowsWritten !== rows) {
      throw new Error(`bench node ${node.status}: ${node.error}`);
    }
    return node.durationMs;
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs (a), (b), (c) and returns report rows. */
export async function writeBench(rows: number): Promise<BenchRow[]> {
  const raw = await rawInsert(rows);
  const append = await sandboxedWrite("append", rows);
  const upsert = await sandboxedWrite("upsert", rows);
  const pct = (ms: number) => `${Math.round((raw / ms) * 100)}%`;
  return [
    {
      name: `(a) raw node:sqlite prepared insert, ${
        rows.toLocaleString("en-US")
      } rows`,
      value: rate(rows, raw),
      ratio: "100%",
    },
    {
      name: "(b) `table.append` from a sandboxed node",
      value: rate(rows, append),
      ratio: pct(append),
      goal: "≥ 80%",
      met: raw / append >= 0.8,
    },
    {
      name: "(c) `table.upsert` from a sandboxed node",
      value: rate(rows, upsert),
      ratio: pct(upsert),
    },
  ];
}
