// Shared helpers for integration tests: temp apps on disk, real stores
// (SQLite, and PostgreSQL when RUNNEL_TEST_POSTGRES_URL is reachable), real
// workers.

import { dirname, join } from "node:path";
import { loadGraph } from "../core/graph/load.ts";
import {
  runGraph,
  type RunOptions,
  type RunResult,
} from "../core/run/runner.ts";
import { openStore, type Store, storeExists } from "../stores/mod.ts";
import { dropSchema, freshSchema, pgUrl, skipReason } from "./_pg_env.ts";

/** Writes `files` (path → content) into a new temp directory and returns it. */
export async function makeApp(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "runnel_test_" });
  await writeFiles(dir, files);
  return dir;
}

/** Writes or overwrites files inside `dir`. */
export async function writeFiles(
  dir: string,
  files: Record<string, string>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    await Deno.mkdir(dirname(full), { recursive: true });
    await Deno.writeTextFile(full, content);
  }
}

/**
 * Loads the app, opens its store (`url`: a `--store` value; the default
 * SQLite store when undefined), runs it, and returns both. The caller
 * closes the store.
 */
export async function runApp(
  dir: string,
  opts: RunOptions = {},
  url?: string,
): Promise<{ result: RunResult; store: Store }> {
  const graph = await loadGraph(dir);
  const store = await openStore(url, dir, { slug: graph.slug });
  try {
    const result = await runGraph(graph, store, opts);
    return { result, store };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** Runs the app once and closes the store; returns the result and a snapshot reader. */
export async function runOnce(
  dir: string,
  opts: RunOptions = {},
  url?: string,
): Promise<RunResult> {
  const { result, store } = await runApp(dir, opts, url);
  await store.close();
  return result;
}

/** Reads a committed table of the app (opens and closes the store). */
export async function readTable(
  dir: string,
  table: string,
  url?: string,
): Promise<Record<string, unknown>[]> {
  const store = await openStore(url, dir, {
    slug: (await loadGraph(dir)).slug,
  });
  try {
    return await store.readRows(table);
  } finally {
    await store.close();
  }
}

/** A graph.yml with one function per entry. */
export function graphYml(
  functions: {
    file: string;
    title?: string;
    inputs?: string[];
    outputs?: string[];
    extra?: string;
  }[],
  stores: string[] = [],
): string {
  const lines = ["title: Test App"];
  if (stores.length > 0) {
    lines.push("stores:");
    for (const s of stores) lines.push(`  - table: ${s}`);
  }
  lines.push("functions:");
  for (const f of functions) {
    lines.push(`  - node_file: ${f.file}`);
    if (f.title) lines.push(`    title: ${f.title}`);
    if (f.inputs?.length) lines.push(`    inputs: [${f.inputs.join(", ")}]`);
    if (f.outputs?.length) lines.push(`    outputs: [${f.outputs.join(", ")}]`);
    if (f.extra) {
      for (const l of f.extra.trim().split("\n")) lines.push(`    ${l}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** The store one run of a {@link storeTest} uses. */
export interface TestStore {
  kind: "sqlite" | "postgres";
  /** The `--store` value; undefined for the app's default SQLite file. */
  url: string | undefined;
  /** CLI arguments choosing this store (`["--store", url]` or none). */
  args: string[];
  runApp(
    dir: string,
    opts?: RunOptions,
  ): Promise<{ result: RunResult; store: Store }>;
  runOnce(dir: string, opts?: RunOptions): Promise<RunResult>;
  readTable(dir: string, table: string): Promise<Record<string, unknown>[]>;
  /** Opens the app's store (the caller closes it). */
  open(dir: string): Promise<Store>;
  /** Whether the app's store exists (without creating it). */
  exists(dir: string): Promise<boolean>;
}

function testStore(
  kind: TestStore["kind"],
  url: string | undefined,
): TestStore {
  return {
    kind,
    url,
    args: url === undefined ? [] : ["--store", url],
    runApp: (dir, opts) => runApp(dir, opts, url),
    runOnce: (dir, opts) => runOnce(dir, opts, url),
    readTable: (dir, table) => readTable(dir, table, url),
    open: async (dir) =>
      await openStore(url, dir, { slug: (await loadGraph(dir)).slug }),
    exists: (dir) => storeExists(url, dir),
  };
}

/**
 * Registers `fn` once per store: on the default SQLite store, and on
 * PostgreSQL (a fresh schema per test, dropped afterwards) — ignored when
 * RUNNEL_TEST_POSTGRES_URL is unset or unreachable (the store contract test
 * says so once).
 */
export function storeTest(
  title: string,
  fn: (s: TestStore) => Promise<void>,
): void {
  Deno.test(`[sqlite] ${title}`, () => fn(testStore("sqlite", undefined)));
  Deno.test({
    name: `[postgres] ${title}`,
    ignore: skipReason !== undefined,
    fn: async () => {
      const schema = freshSchema();
      try {
        await fn(testStore("postgres", pgUrl(schema)));
      } finally {
        await dropSchema(schema);
      }
    },
  });
}
