// PostgreSQL store benchmarks, on the server at RUNNEL_BENCH_POSTGRES_URL
// (else RUNNEL_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test):
// (a) raw postgres.js COPY vs (b) `table.append` from a sandboxed node, 1,000,000
// rows of {id text pk, email text, score float8, created_at timestamptz};
// and the no-op rerun of a 1,000-node graph stored in PostgreSQL. Each
// measurement uses its own schema, dropped afterwards.

import postgres from "npm:postgres@^3.4.5";
import { loadGraph } from "../core/graph/load.ts";
import { runGraph } from "../core/run/runner.ts";
import { openStore } from "../stores/mod.ts";
import {
  type BenchRow,
  generate,
  median,
  numberFlag,
  printTable,
  rate,
  runnel,
  tempApp,
} from "./_util.ts";

const BASE = Date.UTC(2026, 0, 1);

/** The server the benchmarks use. */
export function benchPostgresUrl(): string {
  return (Deno.env.get("RUNNEL_BENCH_POSTGRES_URL") ||
    Deno.env.get("RUNNEL_TEST_POSTGRES_URL") ||
    "postgres://postgres@127.0.0.1:5432/test").replace(/\?.*$/, "");
}

function freshSchema(): string {
  return `runnel_bench_${crypto.randomUUID().slice(0, 8)}`;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * Starts every measurement from the same server state: a checkpoint now,
 * rather than one triggered by the previous run's WAL in the middle of
 * this one. Best effort (needs superuser or pg_checkpoint).
 */
async function checkpoint(url: string): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe("CHECKPOINT");
  } catch {
    // not allowed: measure anyway
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** (a): the plain postgres.js way, CSV-like text lines in 10,000-row chunks. */
export async function rawCopy(url: string, rows: number): Promise<number> {
  const schema = freshSchema();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`CREATE SCHEMA "${schema}"`);
    await sql.unsafe(
      `CREATE TABLE "${schema}".leads (id text PRIMARY KEY, email text, score float8, created_at timestamptz)`,
    );
    const t0 = performance.now();
    const stream = await sql.unsafe(`COPY "${schema}".leads FROM STDIN`)
      .writable();
    for (let i = 0; i < rows; i += 10_000) {
      let chunk = "";
      for (let j = i; j < Math.min(rows, i + 10_000); j++) {
        chunk += `L-${j}\tuser${j}@example.com\t${(j % 100) / 100}\t${
          new Date(BASE + j * 1000).toISOString()
        }\n`;
      }
      if (!stream.write(chunk)) {
        await new Promise((r) => stream.once("drain", r));
      }
    }
    await new Promise((r) => stream.end(r));
    return performance.now() - t0;
  } finally {
    await sql.end({ timeout: 1 });
    await dropSchema(url, schema);
  }
}

const NODE = `
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
    await t.append(rows);
  }
};`;

/** (b): the node's duration as the runner records it (spawn, writes, commit). */
export async function sandboxedAppend(
  url: string,
  rows: number,
): Promise<number> {
  const schema = freshSchema();
  const dir = await tempApp({
    "graph.yml":
      `title: Bench\nfunctions:\n  - node_file: write.ts\n    outputs: [leads]\n`,
    "write.ts": NODE,
  });
  const store = await openStore(`${url}?schema=${schema}`, dir);
  try {
    const result = await runGraph(await loadGraph(dir), store, {
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
    await dropSchema(url, schema);
  }
}

/** Raw COPY vs sandboxed append, median of 3 runs each, as report rows. */
export async function postgresWriteBench(rows: number): Promise<BenchRow[]> {
  const url = benchPostgresUrl();
  const raws: number[] = [];
  const appends: number[] = [];
  for (let i = 0; i < 3; i++) {
    await checkpoint(url);
    raws.push(await rawCopy(url, rows));
    await checkpoint(url);
    appends.push(await sandboxedAppend(url, rows));
  }
  const raw = median(raws);
  const append = median(appends);
  const perSec = rows / (append / 1000);
  return [
    {
      name: `(a) raw postgres.js COPY (text, primary key), ${
        rows.toLocaleString("en-US")
      } rows, median of 3`,
      value: rate(rows, raw),
      ratio: "100%",
    },
    {
      name:
        "(b) `table.append` from a sandboxed node into PostgreSQL, median of 3",
      value: rate(rows, append),
      ratio: `${Math.round((raw / append) * 100)}%`,
      goal: "≥ 80% and ≥ 440,000 rows/s (pipedag ~292,000)",
      met: raw / append >= 0.8 && perSec >= 440_000,
    },
  ];
}

/** No-op rerun of a 1,000-node graph whose store is PostgreSQL (whole process). */
export async function postgresNoopBench(): Promise<BenchRow[]> {
  const url = benchPostgresUrl();
  const schema = freshSchema();
  const store = `${url}?schema=${schema}`;
  const dir = await generate(
    1000,
    (i) => (i < 10 ? [] : [i % 10, Math.floor(i / 2)]),
  );
  const chain = await generate(1000, (i) => (i === 0 ? [] : [i - 1]));
  const chainSchema = freshSchema();
  try {
    const chainFirst = await runnel([
      "run",
      "--app",
      chain,
      "--store",
      `${url}?schema=${chainSchema}`,
    ]);
    const first = await runnel(["run", "--app", dir, "--store", store]);
    const noop = median([
      await runnel(["run", "--app", dir, "--store", store]),
      await runnel(["run", "--app", dir, "--store", store]),
      await runnel(["run", "--app", dir, "--store", store]),
    ]);
    const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      {
        name: "1,000-node chain on PostgreSQL, first run (whole process)",
        value: fmt(chainFirst),
        goal: "≤ 5 s",
        met: chainFirst <= 5000,
      },
      {
        name: "1,000-node graph on PostgreSQL, first run (whole process)",
        value: fmt(first),
      },
      {
        name: "1,000-node graph on PostgreSQL, no-op rerun (whole process)",
        value: fmt(noop),
        goal: "≤ 1.5 s",
        met: noop <= 1500,
      },
    ];
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(chain, { recursive: true });
    await dropSchema(url, schema);
    await dropSchema(url, chainSchema);
  }
}

/** Every PostgreSQL benchmark, as one table's rows. */
export async function postgresBench(rows: number): Promise<BenchRow[]> {
  return [...await postgresWriteBench(rows), ...await postgresNoopBench()];
}

if (import.meta.main) {
  printTable(
    "PostgreSQL store",
    await postgresBench(numberFlag("rows", 1_000_000)),
  );
}
